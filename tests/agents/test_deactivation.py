"""Deactivation however it is done stops an agent's sockets: a queryset update
sends no signal, so the socket checks the account itself, at most once per
ACCOUNT_CHECK_INTERVAL."""

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from agents import consumers
from chat.models import Message

from ..conftest import agent_socket, receive_until

pytestmark = pytest.mark.django_db(transaction=True)


def send_frame(ticket):
    return {"type": "message.send", "ticket": ticket.pk, "client_id": "c-1", "body": "still here"}


@database_sync_to_async
def deactivate_in_bulk(profile) -> None:
    get_user_model().objects.filter(pk=profile.user_id).update(is_active=False)


async def close_code(socket) -> int:
    """The code the server closed with, skipping frames sent before it."""
    while True:
        output = await socket.receive_output(2)
        if output["type"] == "websocket.close":
            return output["code"]


@pytest.fixture
def check_every_frame(settings):
    settings.PARLEY = {**settings.PARLEY, "ACCOUNT_CHECK_INTERVAL": 0}


async def test_a_bulk_deactivated_agent_can_not_post_and_their_socket_closes(
    agent_bob, ticket_ann, check_every_frame
):
    socket, _ = await agent_socket(agent_bob)
    await deactivate_in_bulk(agent_bob)
    await socket.send_json_to(send_frame(ticket_ann))
    assert await close_code(socket) == 4401
    stored = Message.objects.filter(body="still here").exists
    assert not await database_sync_to_async(stored)()


async def test_an_agent_whose_profile_is_removed_is_stopped_too(agent_bob, check_every_frame):
    socket, _ = await agent_socket(agent_bob)
    await database_sync_to_async(agent_bob.delete)()
    await socket.send_json_to({"type": "ping"})
    assert await close_code(socket) == 4401


async def test_a_burst_of_frames_within_the_interval_costs_no_account_query(
    agent_bob, ticket_ann, settings, monkeypatch
):
    settings.PARLEY = {**settings.PARLEY, "ACCOUNT_CHECK_INTERVAL": 60}
    checks = []
    monkeypatch.setattr(consumers, "agent_account_active", lambda user_id: checks.append(user_id))
    socket, _ = await agent_socket(agent_bob)
    for n in range(5):
        await socket.send_json_to({"type": "ping", "n": n})
        await receive_until(socket, "pong")
    assert checks == []
    await socket.disconnect()


async def test_an_active_agent_is_checked_and_carries_on(agent_bob, check_every_frame):
    socket, _ = await agent_socket(agent_bob)
    for _ in range(2):
        await socket.send_json_to({"type": "ping"})
        await receive_until(socket, "pong")
    await socket.disconnect()
