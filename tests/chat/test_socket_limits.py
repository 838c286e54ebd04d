"""The widget socket's limits that hold across processes (helpdesk/abuse/sockets.py):
a growing penalty after a flood, for the address and the visitor; a cap on open
sockets per address; and one message rate per visitor over every transport."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from chat.visitor_auth import visitor_token
from helpdesk.abuse.sockets import SOCKETS, barred_for, penalise
from helpdesk.asgi import application

from ..assistant_helpers import ask
from ..conftest import as_visitor, receive_until

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"https://shop.example")


def communicator_from(address: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/widget/", headers=[ORIGIN])
    communicator.scope["client"] = (address, 50000)
    return communicator


async def open_socket(address: str = "203.0.113.7") -> WebsocketCommunicator:
    """A widget socket from ``address``, accepted (and maybe closed at once)."""
    communicator = communicator_from(address)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def refused(address: str = "203.0.113.7") -> bool:
    """Whether the handshake of a socket from ``address`` is refused."""
    connected, code = await communicator_from(address).connect()
    return not connected and code == 4429


async def hello(communicator, visitor) -> dict:
    token = await database_sync_to_async(visitor_token)(visitor)
    await communicator.send_json_to({"type": "hello", "token": token, "resume": {}})
    return await communicator.receive_output(timeout=2)


async def closed_with(communicator) -> int:
    """The close code of a socket the server is closing (skipping other frames)."""
    while True:
        output = await communicator.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            return output["code"]


async def flood(communicator) -> int:
    for _ in range(40):
        await communicator.send_json_to({"type": "ping"})
    return await closed_with(communicator)


@pytest.fixture
def limits(settings):
    settings.PARLEY = {
        **settings.PARLEY,
        "FRAME_RATE": 5,
        "FLOOD_PENALTY": 10,
        "FLOOD_PENALTY_MAX": 35,
        "SOCKETS_PER_IP": 3,
    }


async def test_a_flooder_is_refused_at_reconnect_from_the_same_address(visitor_ann, limits):
    first = await open_socket()
    assert (await hello(first, visitor_ann))["type"] == "websocket.send"
    assert await flood(first) == 4429

    assert await refused()  # at the handshake, for as long as the penalty lasts
    assert await refused()
    other = await open_socket("198.51.100.1")  # somebody else's address is let in
    await other.send_json_to({"type": "ping"})
    assert (await other.receive_output(timeout=2))["type"] == "websocket.send"
    await other.disconnect()


async def test_a_flooding_visitor_is_refused_from_another_address_too(visitor_ann, limits):
    first = await open_socket()
    await hello(first, visitor_ann)
    assert await flood(first) == 4429
    elsewhere = await open_socket("198.51.100.1")
    token = await database_sync_to_async(visitor_token)(visitor_ann)
    await elsewhere.send_json_to({"type": "hello", "token": token, "resume": {}})
    assert await closed_with(elsewhere) == 4429


def test_the_penalty_doubles_with_each_flood_up_to_its_most(limits, db):
    assert [penalise("ip", "203.0.113.9") for _ in range(4)] == [10, 20, 35, 35]
    assert 30 < barred_for("ip", "203.0.113.9") <= 35
    assert barred_for("ip", "203.0.113.10") == 0


async def test_an_address_holds_at_most_its_cap_of_sockets_and_a_close_frees_one(limits, db):
    held = [await open_socket() for _ in range(3)]
    assert await database_sync_to_async(SOCKETS.connections)("203.0.113.7") == 3
    over = await open_socket()
    assert await closed_with(over) == 4429
    await held.pop().disconnect()
    room = await open_socket()
    await room.send_json_to({"type": "ping"})
    # Let in: the answer is a frame (hello_required), not a close.
    assert (await room.receive_output(timeout=2))["type"] == "websocket.send"
    for communicator in [*held, room]:
        await communicator.disconnect()
    assert await database_sync_to_async(SOCKETS.connections)("203.0.113.7") == 0


async def test_socket_and_rest_messages_count_against_one_rate(ticket_ann, settings, api):
    limits = settings.PARLEY["RATE_LIMITS"]
    settings.PARLEY = {
        **settings.PARLEY,
        "RATE_LIMITS": {**limits, "message": {"ip": None, "visitor": "2/min"}},
    }
    visitor = ticket_ann.visitor
    rest = await database_sync_to_async(as_visitor)(api, visitor)
    url = f"/api/widget/tickets/{ticket_ann.pk}/messages/"
    answer = await database_sync_to_async(rest.post)(
        url,
        {"body": "over REST", "client_id": "r-1"},
        format="json",
        HTTP_ORIGIN=ORIGIN[1].decode(),
    )
    assert answer.status_code == 201, answer.content
    socket = await open_socket()
    await hello(socket, visitor)
    send = {"type": "message.send", "ticket": ticket_ann.pk, "body": "on the socket"}
    await socket.send_json_to({**send, "client_id": "s-1"})
    assert (await receive_until(socket, "message.ack"))[-1]["client_id"] == "s-1"
    await socket.send_json_to({**send, "client_id": "s-2"})
    error = (await receive_until(socket, "error"))[-1]
    assert (error["code"], error["client_id"]) == ("throttled", "s-2")
    await socket.disconnect()


async def test_a_question_to_the_assistant_counts_as_a_message_too(ticket_ann, settings):
    limits = settings.PARLEY["RATE_LIMITS"]
    settings.PARLEY = {
        **settings.PARLEY,
        "RATE_LIMITS": {**limits, "message": {"ip": None, "visitor": "1/min"}},
    }
    visitor = ticket_ann.visitor
    visitor.widget.assistant = True
    await database_sync_to_async(visitor.widget.save)()
    socket = await open_socket()
    await hello(socket, visitor)
    send = {"type": "message.send", "ticket": ticket_ann.pk, "body": "hi", "client_id": "s-1"}
    await socket.send_json_to(send)
    await receive_until(socket, "message.ack")
    response, _ = await ask(visitor, "How do I reset my password?", ticket=ticket_ann.pk)
    assert response.status_code == 429
    assert response["Retry-After"]
    await socket.disconnect()


async def test_idle_sockets_keep_their_address_counted_past_a_slots_timeout(limits, settings, db):
    """A socket that sends nothing still counts: the process renews every address
    it holds sockets of, on one timer for all of them."""
    settings.PARLEY = {**settings.PARLEY, "PRESENCE_TTL": 3}  # slots last 2 s, renewed every 1
    held = [await open_socket("203.0.113.7"), await open_socket("198.51.100.4")]
    await asyncio.sleep(3.5)
    assert await database_sync_to_async(SOCKETS.connections)("203.0.113.7") == 1
    assert await database_sync_to_async(SOCKETS.connections)("198.51.100.4") == 1
    for communicator in held:
        await communicator.disconnect()
    assert await database_sync_to_async(SOCKETS.connections)("203.0.113.7") == 0
