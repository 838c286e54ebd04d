"""The widget socket's per-address cap and flood penalty across two real daphnes
sharing Redis: what one process admits or bars, the other knows."""

import asyncio

import pytest
import websockets

from ..processes import post_json
from .conftest import services_stack

pytestmark = pytest.mark.integration

CAP = 3


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("limits")
    with services_stack(tmp, PARLEY_SOCKETS_PER_IP=str(CAP), PARLEY_FLOOD_PENALTY="60") as stack:
        stack.start_servers("a", "b")
        yield stack


async def open_socket(stack, server: str):
    return await websockets.connect(
        stack.ws(server, "/ws/widget/"), origin="https://shop.example", open_timeout=10
    )


async def close_code(socket) -> int:
    """The code the server closes ``socket`` with, reading past any frames."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(socket.recv(), 10)
    return closed.value.rcvd.code


async def admitted(socket) -> bool:
    await socket.send('{"type": "ping"}')
    try:
        return "hello_required" in await asyncio.wait_for(socket.recv(), 10)
    except websockets.ConnectionClosed:
        return False


async def test_one_address_holds_at_most_the_cap_across_processes(servers):
    held = [await open_socket(servers, "a"), await open_socket(servers, "a")]
    held.append(await open_socket(servers, "b"))
    for socket in held:
        assert await admitted(socket)
    over = await open_socket(servers, "b")
    assert await close_code(over) == 4429

    await held.pop(0).close()  # one closes on a: b may admit one more
    await asyncio.sleep(0.5)
    again = await open_socket(servers, "b")
    assert await admitted(again)
    for socket in [*held, again]:
        await socket.close()


async def test_a_flooder_closed_on_one_process_is_refused_on_the_other(servers):
    session = post_json(servers.http("a", "/api/widget/session/"), {"key": "demo"})
    flooder = await open_socket(servers, "a")
    await flooder.send(f'{{"type": "hello", "token": "{session["token"]}"}}')
    for _ in range(60):
        await flooder.send('{"type": "ping"}')
    assert await close_code(flooder) == 4429

    # Barred: the handshake itself is refused, on the other process too.
    with pytest.raises(websockets.InvalidStatus) as refused:
        await open_socket(servers, "b")
    assert refused.value.response.status_code == 403
