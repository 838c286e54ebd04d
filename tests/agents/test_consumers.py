"""The agent socket, /ws/agent/, through the full ASGI stack."""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token

from chat.models import Message
from chat.services import Sender, post_message
from chat.visitor_auth import visitor_token
from helpdesk.models import Ticket, Widget

from ..conftest import (
    ORIGIN,
    agent_socket,
    connect,
    receive_until,
    session_cookie,
    visitor_socket,
)
from ..factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def visitor_says(ticket, body):
    return post_message(ticket=ticket, sender=Sender.for_visitor(ticket.visitor), body=body)


@database_sync_to_async
def internal_note(ticket, agent, body):
    sender = Sender.for_agent(agent.user, agent.display_name)
    return post_message(ticket=ticket, sender=sender, body=body, internal=True)


async def test_an_agent_says_hello_with_the_session_and_gets_the_inbox(agent_bob, ticket_ann):
    await visitor_says(ticket_ann, "help")
    socket, welcome = await agent_socket(agent_bob)
    assert welcome["you"]["name"] == "Bob"
    assert [ticket["id"] for ticket in welcome["tickets"]] == [ticket_ann.pk]
    assert welcome["tickets"][0]["visitor"]["name"] == "Ann"
    await socket.disconnect()


async def test_an_agent_can_say_hello_with_an_api_token(agent_bob):
    token = await database_sync_to_async(Token.objects.create)(user=agent_bob.user)
    socket = await connect("/ws/agent/", [(b"origin", b"http://127.0.0.1:8000")])
    await socket.send_json_to({"type": "hello", "token": token.key})
    assert (await socket.receive_json_from())["type"] == "welcome"
    await socket.disconnect()


async def test_no_session_and_a_bad_api_token_close_with_4401(db):
    for hello in ({"type": "hello"}, {"type": "hello", "token": "not-a-token"}):
        socket = await connect("/ws/agent/", [(b"origin", b"http://127.0.0.1:8000")])
        await socket.send_json_to(hello)
        assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}


async def test_a_user_who_is_not_an_agent_is_closed_with_4403(db):
    user = await database_sync_to_async(UserFactory)()
    cookie = await session_cookie(user)
    socket = await connect(
        "/ws/agent/", [(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie)]
    )
    await socket.send_json_to({"type": "hello"})
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4403}


async def test_a_foreign_origin_cannot_open_the_agent_socket(agent_bob):
    from channels.testing import WebsocketCommunicator

    from helpdesk.asgi import application

    cookie = await session_cookie(agent_bob.user)
    socket = WebsocketCommunicator(
        application,
        "/ws/agent/",
        headers=[(b"origin", b"https://evil.example"), (b"cookie", cookie)],
    )
    connected, _ = await socket.connect()
    assert not connected


async def test_subscribe_replays_history_with_notes_then_streams_live(agent_bob, ticket_ann):
    # Answered before: not in the queue, so Bob coming online doesn't take it.
    await database_sync_to_async(Ticket.objects.filter(pk=ticket_ann.pk).update)(status="open")
    await visitor_says(ticket_ann, "one")
    await internal_note(ticket_ann, agent_bob, "a note")
    socket, _ = await agent_socket(agent_bob)
    await socket.send_json_to({"type": "subscribe", "ticket": ticket_ann.pk, "after": 0})
    replay = [await socket.receive_json_from() for _ in range(3)]
    assert [(f["type"], f.get("message", {}).get("internal")) for f in replay] == [
        ("message.new", False),
        ("message.new", True),
        ("subscribed", None),
    ]
    assert replay[-1] == {"type": "subscribed", "ticket": ticket_ann.pk, "last_seq": 2}
    viewers = await socket.receive_json_from()
    assert viewers == {
        "type": "ticket.viewers",
        "ticket": ticket_ann.pk,
        "agents": [{"id": agent_bob.user_id, "name": "Bob"}],
    }

    await visitor_says(ticket_ann, "live one")
    frames = {}
    for _ in range(2):
        frame = await socket.receive_json_from()
        frames[frame["type"]] = frame
    assert frames["message.new"]["message"]["seq"] == 3
    assert frames["ticket.activity"]["last_seq"] == 3
    await socket.disconnect()


async def test_an_agent_reply_reaches_the_visitor_but_a_note_does_not(agent_bob, ticket_ann):
    visitor, _ = await visitor_socket(
        await database_sync_to_async(visitor_token)(ticket_ann.visitor)
    )
    agent, _ = await agent_socket(agent_bob)
    for client_id, body, internal in (("n1", "note", True), ("r1", "Hi Ann!", False)):
        await agent.send_json_to(
            {
                "type": "message.send",
                "ticket": ticket_ann.pk,
                "client_id": client_id,
                "body": body,
                "internal": internal,
            }
        )
        ack = (await receive_until(agent, "message.ack"))[-1]
        assert ack["client_id"] == client_id
    *before, reply = await receive_until(visitor, "message.new")
    assert [frame["type"] for frame in before] == ["presence"]  # Bob came online
    assert reply["message"]["body"] == "Hi Ann!"
    assert reply["message"]["sender"] == {
        "type": "agent",
        "name": "Bob",
        "avatar": f"/api/avatars/{agent_bob.user_id}/",
    }
    # Bob's reply opened the chat: Ann's tabs hear that it is no longer queued.
    opened = await visitor.receive_json_from()
    assert opened["type"] == "ticket.updated"
    assert (opened["ticket"]["status"], opened["ticket"]["queue_position"]) == ("open", None)
    assert await visitor.receive_nothing(timeout=0.2)
    await visitor.disconnect()
    await agent.disconnect()


async def test_a_new_ticket_appears_in_every_agents_inbox(agent_bob, agent_cat, visitor_ann):
    bob, _ = await agent_socket(agent_bob)
    cat, _ = await agent_socket(agent_cat)
    await bob.receive_json_from()  # Cat coming online
    visitor, _ = await visitor_socket(await database_sync_to_async(visitor_token)(visitor_ann))
    await visitor.send_json_to({"type": "message.send", "client_id": "c", "body": "New here"})
    for agent in (bob, cat):
        frame = (await receive_until(agent, "ticket.updated"))[-1]
        assert frame["ticket"]["visitor"]["name"] == "Ann"
        assert frame["ticket"]["status"] == "new"
        await agent.disconnect()
    await visitor.disconnect()


async def test_bad_agent_frames_get_errors_and_store_nothing(agent_bob):
    socket, _ = await agent_socket(agent_bob)
    for frame, code in (
        ({"type": "subscribe", "ticket": 999999}, "not_found"),
        ({"type": "subscribe", "ticket": True}, "invalid_ticket"),
        ({"type": "message.send", "body": "no ticket"}, "invalid_ticket"),
        ({"type": "message.send", "ticket": 999999, "body": "x"}, "not_found"),
        ({"type": "message.send", "ticket": 1, "body": "x", "internal": "yes"}, "invalid_internal"),
        ({"type": "presence.set", "status": "asleep"}, "invalid_status"),
    ):
        await socket.send_json_to(frame)
        assert (await socket.receive_json_from())["code"] == code, frame
    assert await database_sync_to_async(Message.objects.count)() == 0
    await socket.disconnect()


async def test_presence_makes_agents_online_for_visitors(agent_bob, visitor_ann):
    token = await database_sync_to_async(visitor_token)(visitor_ann)
    _, before = await visitor_socket(token)
    assert before["agents_online"] is False
    agent, _ = await agent_socket(agent_bob)
    visitor, after = await visitor_socket(token)
    assert after["agents_online"] is True

    await agent.send_json_to({"type": "presence.set", "status": "away"})
    update = await visitor.receive_json_from()
    assert update == {"type": "presence", "agents_online": False}
    await agent.disconnect()
    await visitor.disconnect()


# --- ends of access -------------------------------------------------------------------


async def logged_in_socket(profile):
    """An agent socket on a session a test client holds; returns (socket, client)."""
    client = Client()
    await sync_to_async(client.force_login)(profile.user)
    name = settings.SESSION_COOKIE_NAME
    cookie = f"{name}={client.cookies[name].value}".encode()
    socket = await connect("/ws/agent/", [(b"origin", ORIGIN), (b"cookie", cookie)])
    await socket.send_json_to({"type": "hello"})
    assert (await socket.receive_json_from())["type"] == "welcome"
    return socket, client


async def test_logging_out_closes_that_sessions_sockets_only(agent_bob):
    socket, client = await logged_in_socket(agent_bob)
    other, _ = await logged_in_socket(agent_bob)  # another browser
    await sync_to_async(client.post)("/accounts/logout/")
    assert await receive_close(socket) == 4401
    await other.send_json_to({"type": "ping"})
    assert (await receive_until(other, "pong"))[-1] == {"type": "pong"}
    await other.disconnect()


async def test_deactivating_an_agent_closes_all_their_sockets(agent_bob):
    first, _ = await agent_socket(agent_bob)
    second, _ = await agent_socket(agent_bob, first_tab=False)
    user = agent_bob.user
    user.is_active = False
    await database_sync_to_async(user.save)()
    assert await receive_close(first) == 4401
    assert await receive_close(second) == 4401


async def receive_close(socket, timeout: float = 2) -> int:
    while True:
        output = await socket.receive_output(timeout)
        if output["type"] == "websocket.close":
            return output["code"]


# --- presence, viewers, typing ----------------------------------------------------------


async def test_an_agent_with_two_tabs_goes_offline_when_the_last_closes(agent_bob, agent_cat):
    watcher, _ = await agent_socket(agent_cat)
    first, _ = await agent_socket(agent_bob)
    await receive_until(watcher, "presence")  # Bob came online
    second, _ = await agent_socket(agent_bob, first_tab=False)
    await first.disconnect()
    assert await watcher.receive_nothing(timeout=0.2)
    await second.disconnect()
    presence = (await receive_until(watcher, "presence"))[-1]
    assert {a["name"]: a["connected"] for a in presence["agents"]} == {"Bob": False, "Cat": True}
    await watcher.disconnect()


async def test_agents_see_who_else_has_a_ticket_open(agent_bob, agent_cat, ticket_ann):
    bob, _ = await agent_socket(agent_bob)
    cat, _ = await agent_socket(agent_cat)
    for socket in (bob, cat):
        await socket.send_json_to({"type": "subscribe", "ticket": ticket_ann.pk, "after": 0})
    both = [{"id": agent_bob.user_id, "name": "Bob"}, {"id": agent_cat.user_id, "name": "Cat"}]
    viewers = (await receive_until(bob, "ticket.viewers"))[-1]
    if len(viewers["agents"]) == 1:  # Bob's own join came first
        viewers = (await receive_until(bob, "ticket.viewers"))[-1]
    assert viewers["agents"] == both
    await cat.send_json_to({"type": "unsubscribe", "ticket": ticket_ann.pk})
    viewers = (await receive_until(bob, "ticket.viewers"))[-1]
    assert viewers["agents"] == [{"id": agent_bob.user_id, "name": "Bob"}]
    await cat.disconnect()
    await bob.disconnect()


async def test_an_agent_who_disconnects_stops_viewing(agent_bob, agent_cat, ticket_ann):
    bob, _ = await agent_socket(agent_bob)
    await bob.send_json_to({"type": "subscribe", "ticket": ticket_ann.pk, "after": 0})
    await receive_until(bob, "ticket.viewers")
    cat, _ = await agent_socket(agent_cat)
    await cat.send_json_to({"type": "subscribe", "ticket": ticket_ann.pk, "after": 0})
    await receive_until(cat, "ticket.viewers")
    await bob.disconnect()
    viewers = (await receive_until(cat, "ticket.viewers"))[-1]
    assert viewers["agents"] == [{"id": agent_cat.user_id, "name": "Cat"}]
    await cat.disconnect()


async def test_agents_hear_when_a_visitor_comes_and_goes(agent_bob, visitor_ann):
    agent, _ = await agent_socket(agent_bob)
    token = await database_sync_to_async(visitor_token)(visitor_ann)
    visitor, _ = await visitor_socket(token)
    came = (await receive_until(agent, "visitor.presence"))[-1]
    assert came == {"type": "visitor.presence", "visitor": str(visitor_ann.pk), "online": True}
    await visitor.disconnect()
    left = (await receive_until(agent, "visitor.presence"))[-1]
    assert left["online"] is False
    await agent.disconnect()


async def test_agents_get_a_sneak_peek_of_the_visitors_draft(agent_bob, ticket_ann):
    await database_sync_to_async(Widget.objects.filter(pk=ticket_ann.visitor.widget_id).update)(
        typing_preview=True
    )
    agent, _ = await agent_socket(agent_bob)
    await agent.send_json_to({"type": "subscribe", "ticket": ticket_ann.pk, "after": 0})
    await receive_until(agent, "ticket.viewers")
    visitor, _ = await visitor_socket(
        await database_sync_to_async(visitor_token)(ticket_ann.visitor)
    )
    draft = "<b>My order</b> " + "x" * 600
    await visitor.send_json_to(
        {"type": "typing", "ticket": ticket_ann.pk, "state": "start", "draft": draft}
    )
    typing = (await receive_until(agent, "typing"))[-1]
    assert typing["draft"] == draft[:500]
    await visitor.send_json_to({"type": "typing", "ticket": ticket_ann.pk, "state": "stop"})
    assert "draft" not in (await receive_until(agent, "typing"))[-1]

    await visitor.send_json_to(
        {"type": "typing", "ticket": ticket_ann.pk, "state": "start", "draft": 5}
    )
    assert (await receive_until(visitor, "error"))[-1]["code"] == "invalid_draft"
    await visitor.disconnect()
    await agent.disconnect()


async def test_a_widget_without_sneak_peek_never_passes_the_draft_on(agent_bob, ticket_ann):
    widget = ticket_ann.visitor.widget
    widget.typing_preview = False
    await database_sync_to_async(widget.save)()
    agent, _ = await agent_socket(agent_bob)
    await agent.send_json_to({"type": "subscribe", "ticket": ticket_ann.pk, "after": 0})
    await receive_until(agent, "ticket.viewers")
    visitor, _ = await visitor_socket(
        await database_sync_to_async(visitor_token)(ticket_ann.visitor)
    )
    await visitor.send_json_to(
        {"type": "typing", "ticket": ticket_ann.pk, "state": "start", "draft": "secret"}
    )
    typing = (await receive_until(agent, "typing"))[-1]
    assert typing["state"] == "start" and "draft" not in typing
    await visitor.disconnect()
    await agent.disconnect()


async def test_an_agents_typing_reaches_the_other_agents_on_the_ticket(
    agent_bob, agent_cat, ticket_ann
):
    bob, _ = await agent_socket(agent_bob)
    cat, _ = await agent_socket(agent_cat)
    await cat.send_json_to({"type": "subscribe", "ticket": ticket_ann.pk, "after": 0})
    await receive_until(cat, "ticket.viewers")
    await bob.send_json_to({"type": "typing", "ticket": ticket_ann.pk, "state": "start"})
    typing = (await receive_until(cat, "typing"))[-1]
    assert typing["sender"] == {"type": "agent", "name": "Bob", "user": agent_bob.user_id}
    await bob.disconnect()
    await cat.disconnect()
