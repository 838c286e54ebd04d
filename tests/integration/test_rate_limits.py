"""The abuse limits on real daphne processes sharing Redis: a per-address limit
holds across both servers, the client's address is read from the trusted proxy
header for HTTP and WebSocket alike, and a blocked range is refused on both."""

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
import redis
import websockets
from django.core.cache import cache

from helpdesk import cache as shared_cache
from helpdesk.abuse.throttling import Rate, take_each

from ..conftest import skip_or_fail
from .conftest import REDIS_URL, services_stack

pytestmark = pytest.mark.integration

SESSIONS_PER_DAY = 6


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("limits")
    with services_stack(
        tmp,
        prepare="from helpdesk.abuse.models import BlockedAddress;"
        "BlockedAddress.objects.create(network='203.0.113.0/24', reason='test')",
        PARLEY_RATE_SESSION_PER_IP=f"{SESSIONS_PER_DAY}/day",
        PARLEY_CLIENT_ADDRESS_HEADER="X-Forwarded-For",
    ) as stack:
        stack.start_servers("a", "b")
        yield stack


def new_session(stack, server: str, address: str) -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        stack.http(server, "/api/widget/session/"),
        data=json.dumps({"key": "demo"}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": address},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


def test_a_per_address_limit_holds_across_two_servers(servers):
    answers = [
        new_session(servers, server, "198.51.100.20")
        for _ in range(SESSIONS_PER_DAY // 2 + 1)
        for server in ("a", "b")
    ]
    statuses = [status for status, _, _ in answers]
    assert statuses.count(200) == SESSIONS_PER_DAY, statuses
    status, headers, body = answers[-1]
    assert (status, body["code"]) == (429, "throttled")
    assert int(headers["Retry-After"]) > 0
    # Another client behind the same proxy is not held back.
    assert new_session(servers, "a", "198.51.100.21")[0] == 200


async def open_widget_socket(stack, address: str):
    return await websockets.connect(
        stack.ws("a", "/ws/widget/"),
        additional_headers={"X-Forwarded-For": address},
        open_timeout=10,
    )


async def test_a_blocked_range_is_refused_over_http_and_websocket(servers):
    status, _, body = new_session(servers, "b", "203.0.113.99")
    assert (status, body["code"]) == (403, "address_blocked")
    with pytest.raises(websockets.InvalidStatus) as refused:
        await open_widget_socket(servers, "203.0.113.99")
    assert refused.value.response.status_code == 403

    assert new_session(servers, "b", "198.51.100.30")[0] == 200
    allowed = await open_widget_socket(servers, "198.51.100.30")
    await allowed.close()


def test_counters_on_redis_are_counted_together_and_read_back_by_the_cache(settings):
    """The Redis path of the counters (one round trip for all of a request's),
    on the cache's own keys: what Django's cache API reads back is the count."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    settings.CACHES = {
        "default": {
            "BACKEND": "helpdesk.cache.RedisCache",  # as helpdesk/settings.py has it
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"parley-test-{uuid.uuid4().hex[:8]}",
        }
    }
    assert shared_cache.pipeline() is not None  # the counters' one round trip
    per_minute, per_day = Rate(2, 60), Rate(3, 86400)
    hits = [("message:ip:198.51.100.9", per_minute), ("message:visitor:v1", per_day)]
    assert [take_each(hits) for _ in range(2)] == [[None, None], [None, None]]
    wait, within = take_each(hits)  # the third: over the first rate, within the second
    assert wait is not None and 1 <= wait <= 60
    assert within is None
    window = int(time.time() // 86400)
    assert cache.get(f"rate:message:visitor:v1:{window}") == 3
    assert take_each([("message:visitor:v1", per_day)])[0] > 60  # the day's rate now
    cache.clear()
