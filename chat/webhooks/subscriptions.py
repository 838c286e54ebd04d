"""Which endpoints want which event, read once and kept briefly in the cache.

Every message asks this, so it must cost nothing when no webhook exists: one
query fills the cache for every event, and the cache answers for
PARLEY["WEBHOOKS"]["SUBSCRIPTION_CACHE"] seconds; each process keeps the cache's
answer for a second more, so a message costs no trip to Redis either. Saving or
deleting an endpoint clears both in this process at once; other processes see
the change within that time and a second (and a delivery to an endpoint switched
off meanwhile is skipped by the task, which reads the endpoint itself).
"""

from django.conf import settings
from django.core.cache import cache

from helpdesk.memo import Memo

from .models import Endpoint

CACHE_KEY = "webhooks:subscriptions"
KEPT = Memo(1)


def subscribers(event: str) -> list[int]:
    """Ids of the active endpoints subscribed to ``event``."""
    return KEPT.get(CACHE_KEY, _table).get(event, [])


def _table() -> dict[str, list[int]]:
    table = cache.get(CACHE_KEY)
    if table is None:
        table = {}
        for pk, events in Endpoint.objects.filter(is_active=True).values_list("pk", "events"):
            for name in events:
                table.setdefault(name, []).append(pk)
        cache.set(CACHE_KEY, table, timeout=settings.PARLEY["WEBHOOKS"]["SUBSCRIPTION_CACHE"])
    return table


def forget() -> None:
    KEPT.forget()
    cache.delete(CACHE_KEY)
