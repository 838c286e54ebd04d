"""Which agents are around: their chosen status (online or away) in the database,
their connections in the cache (``helpdesk.presence``). An agent is available
when they are connected and their chosen status is online."""

from django.urls import reverse

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


def agents_online() -> bool:
    """Whether a visitor can expect a live answer now."""
    user_ids = list(
        AgentProfile.objects.filter(
            user__is_active=True, status=AgentProfile.Status.ONLINE
        ).values_list("user_id", flat=True)
    )
    return bool(AGENTS.online_ids(user_ids))
