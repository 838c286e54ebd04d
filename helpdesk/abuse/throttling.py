"""Rate limits for the widget's endpoints, per client address and per visitor,
counted in the shared cache (Redis in the services configuration), so they hold
across every web process.

Each limit is a fixed window: ``20/min`` allows 20 hits in each clock minute. A
counter is one atomic increment (Redis INCR), so concurrent requests in several
processes can't overrun it the way a read-then-write history could. At a window's
edge a client may get up to twice the rate in a short span; the steady rate is
the limit.

While the cache can't be reached the limits are not counted and every hit is
let through: the message path stores and acks a visitor's message with Redis
down (docs/protocol.md, "A lost tail"), and a limit that refused it would lose
the visitor's words to protect against a flood that each socket's own frame
limit and the body limits, kept in the process, still hold back.
"""

import hashlib
import logging
import re
import time
from dataclasses import dataclass

import redis.exceptions
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions
from rest_framework.throttling import BaseThrottle

from helpdesk import cache as shared_cache
from helpdesk.memo import Until

from .addresses import is_address_blocked, rate_key, request_address

RATE_PATTERN = re.compile(r"^(\d+)/(s|sec|min|h|hour|d|day)$")
PERIOD_SECONDS = {"s": 1, "sec": 1, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
# Scope of requests whose method a view names no scope for (HEAD, OPTIONS, or a
# method it does not allow, answered 405 after the throttles ran).
OTHER_METHODS_SCOPE = "read"
# What the Redis cache raises when Redis is down or does not answer in time.
CACHE_UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

logger = logging.getLogger("parley.abuse")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """``"20/min"`` -> Rate(20, 60). Raises ImproperlyConfigured for anything else."""
    match = RATE_PATTERN.match(text.strip())
    if not match:
        raise ImproperlyConfigured(f"{text!r} is not a rate like 20/min, 600/h or 10/day.")
    return Rate(int(match[1]), PERIOD_SECONDS[match[2]])


def take(key: str, rate: Rate) -> float | None:
    """Count one hit against ``key``. None if it is within ``rate``; otherwise the
    seconds until the window ends and hits are allowed again; None too while
    the cache is unreachable."""
    return take_each([(key, rate)])[0]


def take_each(hits: list[tuple[str, Rate]]) -> list[float | None]:
    """Count one hit against each key, at once; for each, None if it is within its
    rate, otherwise the wait until it is. All None while the cache is unreachable."""
    now = time.time()
    windows = [int(now // rate.seconds) for _, rate in hits]
    # A counter outlives its window by a little, so a slow clock on another
    # process still finds it.
    counters = [
        (f"rate:{key}:{window}", rate.seconds + 5)
        for (key, rate), window in zip(hits, windows, strict=True)
    ]
    try:
        counts = _count(counters)
    except CACHE_UNREACHABLE as exc:
        logger.warning("Rate limit not counted, the cache is unreachable: %s", exc)
        return [None] * len(hits)
    return [
        max(1.0, (window + 1) * rate.seconds - now) if count > rate.count else None
        for (_, rate), window, count in zip(hits, windows, counts, strict=True)
    ]


def _count(counters: list[tuple[str, int]]) -> list[int]:
    """Add one to each counter (key, seconds it lives); returns their new values.
    On Redis in one round trip: Django's cache API takes three a counter (add,
    then incr, which first checks that the key exists), and a visitor's message
    counts two counters."""
    pipe = shared_cache.pipeline()
    if pipe is None:
        return [_count_in_cache(key, seconds) for key, seconds in counters]
    for key, seconds in counters:
        # The cache's own key, so cache.get reads the counter as an integer.
        pipe.incr(cache.make_key(key))
        pipe.expire(cache.make_key(key), seconds)
    return pipe.execute()[::2]


def _count_in_cache(key: str, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # it expired between add and incr
        cache.add(key, 1, timeout=seconds)
        return 1


def hashed(value: str) -> str:
    """Keys that hold what people typed (email addresses) are hashed: any
    character and length is then a valid cache key, and Redis holds no addresses."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def limits(scope: str) -> dict[str, Rate | None]:
    try:
        configured = settings.PARLEY["RATE_LIMITS"][scope]
    except KeyError:
        raise ImproperlyConfigured(f"No rate limits for scope {scope!r}.") from None
    return {kind: parse_rate(text) if text else None for kind, text in configured.items()}


# (scope, address key) pairs over their limit, until when, as the shared counter
# told this process: a flood's next requests are refused from memory, with no
# trip to the cache and, for the views (RefusedFromMemoryFirst), before the
# visitor's token is looked up.
over_here = Until()


def refuse_if_known_over(scope: str, address_key: str) -> None:
    """429 from memory, for an address this process knows is over in ``scope``."""
    if (left := over_here.left((scope, address_key))) is not None:
        raise exceptions.Throttled(wait=left)


def check(scope: str, *, address_key: str, visitor_id: object = None) -> None:
    """Count a request in ``scope`` against its address and its visitor (if
    any); raise ``Throttled`` (429, ``Retry-After``) if either is over its rate."""
    refuse_if_known_over(scope, address_key)
    rates = limits(scope)
    counted = [("ip", address_key)]
    if visitor_id is not None:
        counted.append(("visitor", str(visitor_id)))
    counted = [(kind, ident) for kind, ident in counted if rates.get(kind)]
    if not counted:
        return
    waits = take_each([(f"{scope}:{kind}:{ident}", rates[kind]) for kind, ident in counted])
    for (kind, _ident), wait in zip(counted, waits, strict=True):
        if kind == "ip" and wait is not None:
            over_here.remember((scope, address_key), time.time() + wait)
    if (wait := max((w for w in waits if w is not None), default=None)) is not None:
        raise exceptions.Throttled(wait=wait)


def scopes_for(view, method: str) -> tuple[str, ...]:
    """The scopes a request counts in: one, or several where one request is two
    things (a question to the assistant is also a visitor's message)."""
    scopes = getattr(view, "throttle_scopes", None)
    if scopes is None:
        raise ImproperlyConfigured(f"{type(view).__name__} names no throttle_scopes.")
    named = scopes.get(method, OTHER_METHODS_SCOPE)
    return (named,) if isinstance(named, str) else tuple(named)


class RefusedFromMemoryFirst:
    """For the widget's views: a request from an address this process already
    knows to be over its limit is answered 429 before anything else, above all
    before authentication reads the visitor from the database. Each refused
    request of a flood cost that read and a cache trip (docs/benchmarks.md,
    "Flood from one address")."""

    def initial(self, request, *args, **kwargs):
        address_key = rate_key(request_address(request))
        for scope in scopes_for(self, request.method):
            refuse_if_known_over(scope, address_key)
        super().initial(request, *args, **kwargs)


class WidgetRateThrottle(BaseThrottle):
    """DRF's hook for the limits: a view names a scope (or a tuple of them) per
    method in ``throttle_scopes`` (``{"POST": "conversation"}``), and each
    request counts against its address and, once authenticated, its visitor."""

    def allow_request(self, request, view) -> bool:
        visitor = request.auth if hasattr(request.auth, "widget_id") else None
        try:
            for scope in scopes_for(view, request.method):
                check(
                    scope,
                    address_key=rate_key(request_address(request)),
                    visitor_id=visitor.pk if visitor is not None else None,
                )
        except exceptions.Throttled as exc:
            self.retry_after = exc.wait
            return False
        return True

    def wait(self) -> float | None:
        return getattr(self, "retry_after", None)


def check_address(request) -> None:
    """403 for a blocked address or range."""
    if is_address_blocked(request_address(request)):
        raise exceptions.PermissionDenied(
            _("Requests from your network are blocked."), code="address_blocked"
        )


class AddressNotBlocked(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        check_address(request)
        return True
