"""The abuse limits on real daphne processes sharing Redis: a per-address limit
holds across both servers, the client's address is read from the trusted proxy
header for HTTP and WebSocket alike, and a blocked range is refused on both."""

import json
import urllib.error
import urllib.request

import pytest
import websockets

from .conftest import services_stack

pytestmark = pytest.mark.integration

SESSIONS_PER_DAY = 6


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("limits")
    with services_stack(
        tmp,
        PARLEY_RATE_SESSION_PER_IP=f"{SESSIONS_PER_DAY}/day",
        PARLEY_CLIENT_ADDRESS_HEADER="X-Forwarded-For",
    ) as stack:
        stack.manage(
            "shell",
            "-c",
            "from helpdesk.abuse.models import BlockedAddress;"
            "BlockedAddress.objects.create(network='203.0.113.0/24', reason='test')",
        )
        stack.start_daphne("a")
        stack.start_daphne("b")
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
