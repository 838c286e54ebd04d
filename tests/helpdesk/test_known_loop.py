"""A request's broadcasts are handed to the event loop serving it, not waited for
(helpdesk.db.KnownLoop): the answer does not wait on the channel layer, and a
thread never waits on a loop that may stop before it runs what it was given."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async

from chat import events
from chat.visitor_auth import visitor_token
from helpdesk.asgi import application
from helpdesk.db import calling_loop

from ..conftest import http_scope

pytestmark = pytest.mark.django_db(transaction=True)


# A held send is let go after this long, so that a thread waiting for it (the
# behaviour under test gone) fails the test instead of holding the process at
# exit, as it held daphne. What the tests wait for must come well before it,
# however busy the machine (a parallel job's servers once made 5 s too short).
HELD_SECONDS = 20
PATIENCE = 15


class HeldLayer:
    """A channel layer whose sends wait until released, or HELD_SECONDS pass."""

    def __init__(self):
        self.release = asyncio.Event()
        self.sent: list[tuple[str, dict]] = []
        asyncio.get_running_loop().call_later(HELD_SECONDS, self.release.set)

    async def group_send(self, group: str, message: dict) -> None:
        await self.release.wait()
        self.sent.append((group, message))


async def test_a_message_over_rest_is_answered_before_its_broadcast_is_sent(
    ticket_ann, monkeypatch
):
    layer = HeldLayer()
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    token = await database_sync_to_async(visitor_token)(ticket_ann.visitor)
    body = json.dumps({"body": "Hello?", "client_id": "c-1"}).encode()
    path = f"/api/widget/tickets/{ticket_ann.pk}/messages/"
    communicator = ApplicationCommunicator(
        application,
        http_scope(
            path,
            [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"authorization", f"Visitor {token}".encode()),
            ],
        ),
    )
    await communicator.send_input({"type": "http.request", "body": body})
    start = await communicator.receive_output(PATIENCE)  # the layer still holds every send
    assert start["status"] == 201
    assert layer.sent == []
    layer.release.set()
    await sent(layer)
    new = [m["event"] for _, m in layer.sent if m["event"]["type"] == "message.new"]
    assert new and new[0]["message"]["body"] == "Hello?"
    await communicator.wait()


async def test_closing_sockets_from_a_request_does_not_wait_for_the_layer(monkeypatch):
    """Logging out or deactivating an agent closes their sockets from the request."""
    layer = HeldLayer()
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    calling_loop.set(asyncio.get_running_loop())  # as KnownLoop sets it
    close = sync_to_async(events.close_sockets, thread_sensitive=False)
    await asyncio.wait_for(close(["agent-1"], code=4401), timeout=PATIENCE)
    assert layer.sent == []
    layer.release.set()
    await sent(layer)
    assert layer.sent == [("agent-1", {"type": events.CLOSE_MESSAGE_TYPE, "code": 4401})]


async def sent(layer: HeldLayer) -> None:
    for _ in range(100):
        if layer.sent:
            return
        await asyncio.sleep(0.01)
