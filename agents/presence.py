"""Which agents are around: their chosen status (online or away) in the database,
their connections in the cache (``helpdesk.presence``). An agent is available
when they are connected and their chosen status is online.

A visitor sees agents online when one is available for their widget: for a widget
with a team, an agent of that team while the team is open (business hours);
for one without, any agent."""

from django.urls import reverse
from django.utils import timezone

from helpdesk.business_hours import closed_team_ids
from helpdesk.models import Widget
from helpdesk.presence import AGENTS

from .models import AgentProfile


def agents_with_presence() -> list[dict]:
    """Every active agent with their chosen status and whether they are connected."""
    profiles = list(
        AgentProfile.objects.filter(user__is_active=True).only("user_id", "display_name", "status")
    )
    connected = AGENTS.online_ids([profile.user_id for profile in profiles])
    return [
        {
            "id": profile.user_id,
            "name": profile.display_name,
            "status": profile.status,
            "connected": profile.user_id in connected,
            "avatar": reverse("agent-avatar", args=[profile.user_id]),
        }
        for profile in profiles
    ]


def agents_online(team_id: int | None = None) -> bool:
    """Whether a visitor can expect a live answer now from the team (None: from
    anyone)."""
    profiles = AgentProfile.objects.filter(user__is_active=True, status=AgentProfile.Status.ONLINE)
    if team_id is not None:
        if team_id in closed_team_ids(timezone.now()):
            return False
        profiles = profiles.filter(teams=team_id)
    return bool(AGENTS.online_ids(list(profiles.values_list("user_id", flat=True))))


def widget_online(widget: Widget | None) -> bool:
    """``agents_online`` as a visitor of ``widget`` sees it."""
    return agents_online(widget.team_id if widget is not None else None)


def widgets_online() -> dict[int | None, bool]:
    """``widget_online`` for every widget at once, and under None whether any
    agent is available (for visitors of no widget, and for agents)."""
    profiles = list(
        AgentProfile.objects.filter(
            user__is_active=True, status=AgentProfile.Status.ONLINE
        ).values_list("user_id", "teams")
    )
    connected = AGENTS.online_ids(list({user_id for user_id, _ in profiles}))
    teams = {team_id for user_id, team_id in profiles if user_id in connected and team_id}
    teams -= closed_team_ids(timezone.now())
    online: dict[int | None, bool] = {None: bool(connected)}
    for widget_id, team_id in Widget.objects.values_list("pk", "team_id"):
        online[widget_id] = online[None] if team_id is None else team_id in teams
    return online
