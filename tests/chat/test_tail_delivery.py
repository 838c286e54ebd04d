"""A stored message reaches the connected peers even when its broadcast failed:
the sender is acked (the row exists), and every pong carries the last seq of
the tickets the socket watches, so a client sees the missed tail on its next
ping and fetches it (docs/protocol.md, "Delivery")."""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from chat.models import Message
from chat.visitor_auth import visitor_token
from helpdesk.models import Ticket

from ..conftest import agent_socket, receive_until, say, visitor_socket
from ..factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def break_layer(monkeypatch) -> None:
    """From now on the channel layer's sends fail, as they do while Redis is down."""

    async def refuse(group, message):
        raise ConnectionError("the channel layer is down")

    monkeypatch.setattr(get_channel_layer(), "group_send", refuse)


async def ping(socket) -> dict:
    await socket.send_json_to({"type": "ping"})
    return (await receive_until(socket, "pong"))[-1]


async def test_a_visitor_pong_carries_the_last_public_seq_of_their_tickets(ticket_ann, agent_bob):
    socket, _ = await visitor_socket(
        await database_sync_to_async(visitor_token)(ticket_ann.visitor)
    )
    await say(ticket_ann, "hi")
    await say(ticket_ann, "an answer", agent=agent_bob)
    await say(ticket_ann, "a note", agent=agent_bob, internal=True)
    # Seq 3 is internal: the visitor's tail is seq 2.
    assert (await ping(socket))["tickets"] == {str(ticket_ann.pk): 2}
    await socket.disconnect()


async def test_a_pong_of_a_socket_that_watches_nothing_is_bare(visitor_ann):
    socket, _ = await visitor_socket(await database_sync_to_async(visitor_token)(visitor_ann))
    assert await ping(socket) == {"type": "pong"}
    await socket.disconnect()


async def test_a_visitor_pong_names_no_ticket_of_another_visitor(ticket_ann, ticket_ben):
    socket, _ = await visitor_socket(
        await database_sync_to_async(visitor_token)(ticket_ann.visitor)
    )
    await say(ticket_ben, "Ben's own")
    assert (await ping(socket))["tickets"] == {str(ticket_ann.pk): 0}
    await socket.disconnect()


async def test_a_chat_started_in_another_tab_is_in_the_next_pong(visitor_ann):
    token = await database_sync_to_async(visitor_token)(visitor_ann)
    first, _ = await visitor_socket(token)
    second, _ = await visitor_socket(token)
    await second.send_json_to({"type": "message.send", "client_id": "c-1", "body": "Hello?"})
    ack = (await receive_until(second, "message.ack"))[-1]
    await receive_until(first, "message.new")
    assert (await ping(first))["tickets"] == {str(ack["ticket"]): 1}
    await first.disconnect()
    await second.disconnect()


async def test_a_failed_broadcast_still_acks_the_sender_and_the_peer_learns_the_tail_on_pong(
    ticket_ann, agent_bob, monkeypatch
):
    visitor, _ = await visitor_socket(
        await database_sync_to_async(visitor_token)(ticket_ann.visitor)
    )
    agent, _ = await agent_socket(agent_bob)
    await agent.send_json_to({"type": "subscribe", "ticket": ticket_ann.pk, "after": 0})
    await receive_until(agent, "ticket.viewers")

    break_layer(monkeypatch)
    await visitor.send_json_to(
        {"type": "message.send", "ticket": ticket_ann.pk, "client_id": "c-1", "body": "lost?"}
    )
    frames = await receive_until(visitor, "message.ack")
    assert "error" not in [frame["type"] for frame in frames]  # the row is stored
    seq = frames[-1]["seq"]
    assert await database_sync_to_async(Message.objects.filter(ticket=ticket_ann, seq=seq).exists)()
    # The broadcast never came; the agent's next pong tells of it.
    await agent.send_json_to({"type": "ping"})
    frames = await receive_until(agent, "pong")
    assert "message.new" not in [frame["type"] for frame in frames]
    assert frames[-1] == {"type": "pong", "tickets": {str(ticket_ann.pk): seq}}
    monkeypatch.undo()
    await visitor.disconnect()
    await agent.disconnect()


async def test_an_agent_pong_carries_only_the_tickets_they_subscribed_to(
    ticket_ann, ticket_ben, agent_bob
):
    await say(ticket_ann, "hi")
    await say(ticket_ann, "a note", agent=agent_bob, internal=True)
    await say(ticket_ben, "hello")
    agent, _ = await agent_socket(agent_bob)
    assert await ping(agent) == {"type": "pong"}
    await agent.send_json_to({"type": "subscribe", "ticket": ticket_ann.pk, "after": 0})
    await receive_until(agent, "subscribed")
    # Agents see internal notes (and routing's line, if it gave Bob the chat).
    last = await database_sync_to_async(Message.objects.filter(ticket=ticket_ann).count)()
    assert last >= 2
    assert (await ping(agent))["tickets"] == {str(ticket_ann.pk): last}
    await agent.send_json_to({"type": "unsubscribe", "ticket": ticket_ann.pk})
    assert await ping(agent) == {"type": "pong"}
    await agent.disconnect()


async def test_a_closed_ticket_drops_out_of_the_visitor_pong(visitor_ann):
    closed = await database_sync_to_async(TicketFactory)(
        visitor=visitor_ann, status=Ticket.Status.CLOSED
    )
    socket, welcome = await visitor_socket(await database_sync_to_async(visitor_token)(visitor_ann))
    assert [ticket["id"] for ticket in welcome["tickets"]] == [closed.pk]
    assert await ping(socket) == {"type": "pong"}
    await socket.disconnect()
