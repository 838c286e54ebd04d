"""Writes of the agent side."""

from django.core.cache import cache

from chat import events
from helpdesk.presence import check_interval

from .models import AgentProfile
from .presence import agents_with_presence, widgets_online
from .requeue import requeue_unattended
from .routing import route_queue

# What everyone was last told about presence, so the sweep speaks only of changes.
LAST_TOLD_KEY = "presence:last-told"
# Held for check_interval() by the dashboard socket that ran the check last.
HEARTBEAT_CHECK_KEY = "presence:heartbeat-check"


def agent_set_status(*, profile: AgentProfile, status: str) -> AgentProfile:
    profile.status = AgentProfile.Status(status)
    profile.save(update_fields=["status"])
    broadcast_presence()
    if profile.status == AgentProfile.Status.ONLINE:
        route_queue()
    return profile


def after_agent_heartbeat() -> None:
    """What changes without anyone saying so (a server process died with an
    agent's sockets, a team opens or closes, an admin raises a maximum, the idle
    sweep resolves a chat) is caught by the open dashboards' sockets
    (AgentConsumer.check_presence), in a server process, which sees presence and
    reaches the sockets in either configuration (the embedded default's worker
    does neither). While no dashboard is open, nobody could take a chat anyway.

    Once per ``check_interval()`` (5 s) for the whole installation, however
    many dashboards are open: the check's cost grows with the agents, and so
    would the number of sockets (docs/benchmarks.md, "Routing")."""
    if not cache.add(HEARTBEAT_CHECK_KEY, 1, timeout=check_interval()):
        return
    broadcast_presence_if_changed()
    # Before routing, so a chat taken from someone who left goes out at once.
    requeue_unattended()
    route_queue()


def agent_came_online() -> None:
    """An agent's first connection: everyone hears, and the queue may move."""
    broadcast_presence()
    route_queue()


def broadcast_presence() -> None:
    """Tell agents who is around, and each widget's visitors only whether anyone
    is there for them."""
    told = _presence_now()
    online, agents, widgets = told
    events.broadcast([events.AGENTS_GROUP], events.presence(agents_online=online, agents=agents))
    for widget_id, widget_online in widgets.items():
        events.broadcast(
            [events.widget_visitors_group(widget_id)], events.presence(agents_online=widget_online)
        )
    cache.set(LAST_TOLD_KEY, told, timeout=None)


def broadcast_presence_if_changed() -> bool:
    """Broadcast presence if it is not what was last told (a heartbeat expired
    without anyone saying so, a team opened or closed); returns whether it did."""
    if cache.get(LAST_TOLD_KEY) == _presence_now():
        return False
    broadcast_presence()
    return True


def _presence_now() -> tuple[bool, list[dict], dict[int | None, bool]]:
    widgets = widgets_online()
    return widgets[None], agents_with_presence(), widgets
