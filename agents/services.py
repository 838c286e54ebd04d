"""Writes of the agent side."""

from django.core.cache import cache

from chat import events

from .models import AgentProfile
from .presence import agents_online, agents_with_presence
from .routing import route_queue

# What everyone was last told about presence, so the sweep speaks only of changes.
LAST_TOLD_KEY = "presence:last-told"


def agent_set_status(*, profile: AgentProfile, status: str) -> AgentProfile:
    profile.status = AgentProfile.Status(status)
    profile.save(update_fields=["status"])
    broadcast_presence()
    if profile.status == AgentProfile.Status.ONLINE:
        route_queue()
    return profile


def agent_came_online() -> None:
    """An agent's first connection: everyone hears, and the queue may move."""
    broadcast_presence()
    route_queue()


def broadcast_presence() -> None:
    """Tell agents who is around, and visitors only whether anyone is."""
    online = agents_online()
    agents = agents_with_presence()
    events.broadcast([events.AGENTS_GROUP], events.presence(agents_online=online, agents=agents))
    events.broadcast([events.VISITORS_GROUP], events.presence(agents_online=online))
    cache.set(LAST_TOLD_KEY, (online, agents), timeout=None)


def broadcast_presence_if_changed() -> bool:
    """Broadcast presence if it is not what was last told (a heartbeat expired
    without anyone saying so); returns whether it did."""
    if cache.get(LAST_TOLD_KEY) == (agents_online(), agents_with_presence()):
        return False
    broadcast_presence()
    return True
