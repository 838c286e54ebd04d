"""Handshake admission (helpdesk/handshakes.py): past PARLEY_HANDSHAKES_IN_FLIGHT
handshakes in flight, a new socket is accepted and closed with 4503 at once, and
the count frees as handshakes are answered."""

import asyncio
import threading

import pytest
from channels.testing import WebsocketCommunicator

from helpdesk.abuse import sockets
from helpdesk.asgi import application
from helpdesk.handshakes import CLOSE_BUSY, HandshakeAdmission

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"https://shop.example")


@pytest.fixture
def two_in_flight(settings):
    settings.PARLEY = {**settings.PARLEY, "HANDSHAKES_IN_FLIGHT": 2}


def widget_socket(address: str, app=application) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(app, "/ws/widget/", headers=[ORIGIN])
    communicator.scope["client"] = (address, 50000)
    return communicator


async def turned_away_busy(communicator: WebsocketCommunicator) -> bool:
    """Accepted and then closed with 4503, as a browser must see it to read the code."""
    connected, _ = await communicator.connect(timeout=2)
    closing = await communicator.receive_output(timeout=2)
    return connected and closing == {"type": "websocket.close", "code": CLOSE_BUSY}


async def test_a_socket_past_the_handshakes_in_flight_is_closed_busy_before_any_guard(
    two_in_flight, monkeypatch
):
    """Two handshakes held in the per-address guard (its cache thread swamped, as in
    a reconnect storm): the third socket is turned away with 4503 without reaching
    that guard, and once the two are accepted a new socket gets in."""
    gate = threading.Event()
    guarded = []
    admit = sockets.admit

    def slow_admit(address):
        guarded.append(address)
        gate.wait(5)
        return admit(address)

    monkeypatch.setattr(sockets, "admit", slow_admit)
    held = [widget_socket(f"203.0.113.{n}") for n in (1, 2)]
    handshakes = [asyncio.ensure_future(c.connect(timeout=5)) for c in held]
    while len(guarded) < 2:
        await asyncio.sleep(0.01)

    assert await turned_away_busy(widget_socket("203.0.113.3"))
    assert guarded == ["203.0.113.1", "203.0.113.2"]

    gate.set()
    assert [connected for connected, _ in await asyncio.gather(*handshakes)] == [True, True]
    later = widget_socket("203.0.113.4")
    assert (await later.connect(timeout=2))[0]
    await later.send_json_to({"type": "ping"})  # an open socket, not a busy close
    assert (await later.receive_json_from(timeout=2))["code"] == "hello_required"
    for communicator in [*held, later]:
        await communicator.disconnect()


async def test_an_open_socket_no_longer_counts_as_in_flight(two_in_flight):
    opened = [widget_socket(f"203.0.113.{n}") for n in range(1, 5)]
    for communicator in opened:
        assert (await communicator.connect(timeout=2))[0]
        assert await communicator.receive_nothing(timeout=0.05)
    for communicator in opened:
        await communicator.disconnect()


async def test_a_refused_or_failed_handshake_frees_its_place(settings):
    """A refusal (close before accept) answers the handshake; an application that
    fails before answering must not hold a place for ever."""
    settings.PARLEY = {**settings.PARLEY, "HANDSHAKES_IN_FLIGHT": 1}

    async def refuse(scope, receive, send):
        await receive()
        await send({"type": "websocket.close", "code": 4403})

    async def fail(scope, receive, send):
        await receive()
        raise RuntimeError("the application failed")

    admission = HandshakeAdmission(refuse)
    assert await widget_socket("203.0.113.1", admission).connect(timeout=2) == (False, 4403)
    assert admission.in_flight == 0

    admission.inner = fail
    with pytest.raises(RuntimeError):
        await widget_socket("203.0.113.1", admission).connect(timeout=2)
    assert admission.in_flight == 0

    admission.inner = refuse
    assert await widget_socket("203.0.113.1", admission).connect(timeout=2) == (False, 4403)


async def test_no_cap_when_the_setting_is_zero_and_a_dropped_handshake_frees_its_place(
    settings,
):
    settings.PARLEY = {**settings.PARLEY, "HANDSHAKES_IN_FLIGHT": 0}
    never_answered = asyncio.Event()

    async def hold(scope, receive, send):
        await receive()
        await never_answered.wait()

    admission = HandshakeAdmission(hold)
    waiting = [widget_socket(f"203.0.113.{n}", admission) for n in range(1, 4)]
    for communicator in waiting:
        await communicator.send_input({"type": "websocket.connect"})
    await asyncio.sleep(0.05)
    assert admission.in_flight == 3
    for communicator in waiting:
        communicator.future.cancel()
    await asyncio.sleep(0.05)
    assert admission.in_flight == 0
