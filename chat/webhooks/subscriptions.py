"""Which endpoints want which event, read once and kept briefly in the cache.

Every message asks this, so it must cost nothing when no webhook exists: one
query fills the cache for every event, and the cache answers for
PARLEY["WEBHOOKS"]["SUBSCRIPTION_CACHE"] seconds. Saving or deleting an endpoint
clears it in this process at once; other processes see the change within that
time (and a delivery to an endpoint switched off meanwhile is skipped by the
task, which reads the endpoint itself).
"""

from django.conf import settings
from django.core.cache import cache

from .models import Endpoint

CACHE_KEY = "webhooks:subscriptions"


def subscribers(event: str) -> list[int]:
    """Ids of the active endpoints subscribed to ``event``."""
    table = cache.get(CACHE_KEY)
    if table is None:
        table = {}
        for pk, events in Endpoint.objects.filter(is_active=True).values_list("pk", "events"):
            for name in events:
                table.setdefault(name, []).append(pk)
        cache.set(CACHE_KEY, table, timeout=settings.PARLEY["WEBHOOKS"]["SUBSCRIPTION_CACHE"])
    return table.get(event, [])


def forget() -> None:
    cache.delete(CACHE_KEY)
