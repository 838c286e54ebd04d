"""Who is connected, kept in the cache so that every server process sees the same.

Each agent socket refreshes a key on hello and on every ping; the key expires
PRESENCE_TTL seconds after the last one. An agent is available when they are
present and their chosen status is online.
"""

from django.conf import settings
from django.core.cache import cache

from .models import AgentProfile


def _key(user_id: int) -> str:
    return f"presence:agent:{user_id}"


def presence_heartbeat(user_id: int) -> None:
    cache.set(_key(user_id), 1, timeout=settings.PARLEY["PRESENCE_TTL"])


def present_user_ids(user_ids: list[int]) -> set[int]:
    found = cache.get_many([_key(user_id) for user_id in user_ids])
    return {user_id for user_id in user_ids if _key(user_id) in found}


def agents_with_presence() -> list[dict]:
    """Every active agent with their chosen status and whether they are connected."""
    profiles = list(
        AgentProfile.objects.filter(user__is_active=True).only("user_id", "display_name", "status")
    )
    present = present_user_ids([profile.user_id for profile in profiles])
    return [
        {
            "id": profile.user_id,
            "name": profile.display_name,
            "status": profile.status,
            "connected": profile.user_id in present,
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
    return bool(present_user_ids(user_ids))
