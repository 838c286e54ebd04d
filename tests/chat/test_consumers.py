"""The visitor socket, /ws/widget/, through the full ASGI stack."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from chat.models import Message
from chat.visitor_auth import visitor_token
from helpdesk.models import Ticket, Visitor

from ..conftest import connect, say, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def token_for(visitor):
    return visitor_token(visitor)


@database_sync_to_async
def message_count():
    return Message.objects.count()


async def test_visitor_starts_a_chat_and_gets_ack_and_broadcast(visitor_ann):
    socket, welcome = await visitor_socket(await token_for(visitor_ann))
    assert welcome["you"] == {"type": "visitor", "id": str(visitor_ann.pk), "name": "Ann"}
    assert welcome["tickets"] == []
    assert welcome["agents_online"] is False

    await socket.send_json_to({"type": "message.send", "client_id": "c-1", "body": "Hello?"})
    frames = [await socket.receive_json_from(), await socket.receive_json_from()]
    by_type = {frame["type"]: frame for frame in frames}
    ack, new = by_type["message.ack"], by_type["message.new"]
    assert ack["client_id"] == "c-1"
    assert ack["seq"] == 1
    assert new["ticket"] == ack["ticket"]
    assert new["message"]["body"] == "Hello?"
    assert new["message"]["sender"] == {"type": "visitor", "name": "Ann"}
    await socket.disconnect()


async def test_a_resent_message_is_acked_again_but_stored_and_broadcast_once(ticket_ann):
    socket, _ = await visitor_socket(await token_for(ticket_ann.visitor))
    frame = {"type": "message.send", "ticket": ticket_ann.pk, "client_id": "c-1", "body": "hi"}
    await socket.send_json_to(frame)
    # The ack and the message.
    first = [await socket.receive_json_from() for _ in range(2)]
    assert sorted(f["type"] for f in first) == ["message.ack", "message.new"]
    await socket.send_json_to(frame)
    again = await socket.receive_json_from()
    assert again == next(f for f in first if f["type"] == "message.ack")
    assert await socket.receive_nothing(timeout=0.2)
    assert await message_count() == 1
    await socket.disconnect()


async def test_resume_replays_exactly_the_missed_messages_in_order(ticket_ann):
    for n in range(1, 6):
        await say(ticket_ann, f"m{n}")
    socket, welcome = await visitor_socket(
        await token_for(ticket_ann.visitor), resume={str(ticket_ann.pk): 2}
    )
    assert welcome["tickets"][0]["last_seq"] == 5
    replayed = [await socket.receive_json_from() for _ in range(3)]
    assert [frame["message"]["seq"] for frame in replayed] == [3, 4, 5]
    assert [frame["message"]["body"] for frame in replayed] == ["m3", "m4", "m5"]
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_resume_too_far_behind_asks_the_client_to_resync(ticket_ann, settings):
    settings.PARLEY = {**settings.PARLEY, "REPLAY_LIMIT": 2}
    for n in range(3):
        await say(ticket_ann, f"m{n}")
    socket, _ = await visitor_socket(
        await token_for(ticket_ann.visitor), resume={str(ticket_ann.pk): 0}
    )
    assert await socket.receive_json_from() == {
        "type": "resync",
        "ticket": ticket_ann.pk,
        "reason": "too_far_behind",
    }
    await socket.disconnect()


@pytest.mark.parametrize(
    "resume",
    [
        ["1", 2],
        {"one": 2},
        {"1": -1},
        {"1": True},
        {"1": "2"},
        {str(n): 0 for n in range(1, 52)},
    ],
)
async def test_a_bad_resume_is_refused_and_hello_can_be_sent_again(visitor_ann, resume):
    token = await token_for(visitor_ann)
    socket = await connect("/ws/widget/", [(b"origin", b"https://shop.example")])
    await socket.send_json_to({"type": "hello", "token": token, "resume": resume})
    error = await socket.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "invalid_resume")
    await socket.send_json_to({"type": "hello", "token": token, "resume": {}})
    assert (await socket.receive_json_from())["type"] == "welcome"
    await socket.disconnect()


async def test_a_visitor_never_receives_internal_notes(ticket_ann, agent_bob):
    await say(ticket_ann, "public before", agent=agent_bob)
    await say(ticket_ann, "INTERNAL before", agent=agent_bob, internal=True)
    socket, _ = await visitor_socket(
        await token_for(ticket_ann.visitor), resume={str(ticket_ann.pk): 0}
    )
    replayed = await socket.receive_json_from()
    assert replayed["message"]["body"] == "public before"
    assert await socket.receive_nothing(timeout=0.2)

    await say(ticket_ann, "INTERNAL live", agent=agent_bob, internal=True)
    await say(ticket_ann, "public live", agent=agent_bob)
    live = await socket.receive_json_from()
    assert live["message"]["body"] == "public live"
    assert live["message"]["seq"] == 4
    # The notes' seqs 2 and 3 are not a gap for the visitor: prev_seq says so.
    assert live["prev_seq"] == 1
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_another_visitors_ticket_is_not_found(ticket_ann, visitor_ben):
    await say(ticket_ann, "Ann's secret")
    socket, _ = await visitor_socket(await token_for(visitor_ben), resume={str(ticket_ann.pk): 0})
    error = await socket.receive_json_from()
    assert error["type"] == "error"
    assert error["code"] == "not_found"

    for frame in (
        {"type": "message.send", "ticket": ticket_ann.pk, "client_id": "x", "body": "hijack"},
        {"type": "typing", "ticket": ticket_ann.pk, "state": "start"},
        {"type": "seen", "ticket": ticket_ann.pk, "seq": 1},
    ):
        await socket.send_json_to(frame)
        assert (await socket.receive_json_from())["code"] == "not_found"
    assert await message_count() == 1
    await socket.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "malformed_json"),
        ("[1, 2]", "invalid_frame"),
        ('{"no": "type"}', "invalid_frame"),
        ('{"type": "launch.missiles"}', "unknown_type"),
        ('{"type": "message.send", "ticket": "1; DROP TABLE", "body": "x"}', "invalid_ticket"),
        ('{"type": "message.send", "body": ""}', "empty_body"),
        ('{"type": "message.send", "body": {"nested": true}}', "invalid_body"),
        ('{"type": "message.send", "body": "hi", "client_id": 12}', "invalid_client_id"),
        ('{"type": "typing", "ticket": 1, "state": "dancing"}', "invalid_state"),
        ('{"type": "seen", "ticket": 1, "seq": -4}', "invalid_seq"),
        ('{"type": "hello", "token": "again"}', "already_authenticated"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_up(visitor_ann, raw, code):
    socket, _ = await visitor_socket(await token_for(visitor_ann))
    await socket.send_to(text_data=raw)
    error = await socket.receive_json_from()
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["message"]
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}
    assert await message_count() == 0
    await socket.disconnect()


async def test_an_oversized_body_is_refused_with_an_error(visitor_ann):
    socket, _ = await visitor_socket(await token_for(visitor_ann))
    await socket.send_json_to({"type": "message.send", "client_id": "big", "body": "x" * 5001})
    error = await socket.receive_json_from()
    assert error == {
        "type": "error",
        "code": "body_too_long",
        "message": "The message is longer than 5000 characters.",
        "client_id": "big",
    }
    assert await message_count() == 0
    await socket.disconnect()


async def test_an_oversized_frame_and_binary_frames_are_refused(visitor_ann):
    socket, _ = await visitor_socket(await token_for(visitor_ann))
    await socket.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * 40_000}))
    assert (await socket.receive_json_from())["code"] == "frame_too_large"
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive_json_from())["code"] == "binary_not_supported"
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}
    await socket.disconnect()


async def test_frames_before_hello_are_refused(visitor_ann):
    socket = await connect("/ws/widget/")
    await socket.send_json_to({"type": "message.send", "body": "hi"})
    assert (await socket.receive_json_from())["code"] == "hello_required"
    await socket.disconnect()


@pytest.mark.parametrize(
    "token",
    [
        "forged-token",
        "",
        None,
        12345,
        "eyJ2IjoiMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwIn0:1tXXXX:bad-signature",
    ],
)
async def test_a_forged_token_is_closed_with_4401(db, token):
    socket = await connect("/ws/widget/")
    await socket.send_json_to({"type": "hello", "token": token})
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}


async def test_an_expired_token_is_closed_with_4401(visitor_ann, settings):
    token = await token_for(visitor_ann)
    settings.PARLEY = {**settings.PARLEY, "VISITOR_TOKEN_MAX_AGE": -1}
    socket = await connect("/ws/widget/")
    await socket.send_json_to({"type": "hello", "token": token})
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}


async def test_a_token_for_a_deleted_visitor_is_closed_with_4401(visitor_ann):
    token = await token_for(visitor_ann)
    await sync_to_async(Visitor.objects.filter(pk=visitor_ann.pk).delete)()
    socket = await connect("/ws/widget/")
    await socket.send_json_to({"type": "hello", "token": token})
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}


async def test_a_blocked_visitor_is_closed_with_4403(visitor_ann):
    await sync_to_async(Visitor.objects.filter(pk=visitor_ann.pk).update)(is_blocked=True)
    socket = await connect("/ws/widget/")
    await socket.send_json_to({"type": "hello", "token": await token_for(visitor_ann)})
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4403}


async def test_no_hello_in_time_closes_with_4401(db, settings):
    settings.PARLEY = {**settings.PARLEY, "HELLO_TIMEOUT": 0.1}
    socket = await connect("/ws/widget/")
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


async def test_a_flood_closes_with_4429(visitor_ann, settings):
    settings.PARLEY = {**settings.PARLEY, "FRAME_RATE": 5}
    socket, _ = await visitor_socket(await token_for(visitor_ann))
    for _ in range(30):
        await socket.send_json_to({"type": "ping"})
    outputs = []
    while True:
        output = await socket.receive_output(timeout=2)
        outputs.append(output)
        if output["type"] == "websocket.close":
            break
    assert outputs[-1] == {"type": "websocket.close", "code": 4429}


async def test_two_tabs_of_one_visitor_both_see_messages(ticket_ann, agent_bob):
    token = await token_for(ticket_ann.visitor)
    tab_one, _ = await visitor_socket(token)
    tab_two, _ = await visitor_socket(token)
    await say(ticket_ann, "hello both", agent=agent_bob)
    for tab in (tab_one, tab_two):
        frame = await tab.receive_json_from()
        assert frame["message"]["body"] == "hello both"
        await tab.disconnect()


async def listen(layer, channel):
    # A missing event fails the test instead of hanging the whole run.
    return (await asyncio.wait_for(layer.receive(channel), timeout=5))["event"]


async def test_visitor_typing_reaches_the_ticket_and_seen_reaches_every_agent(ticket_ann):
    from channels.layers import get_channel_layer

    from chat import events

    layer = get_channel_layer()
    ticket_watcher = await layer.new_channel()
    await layer.group_add(events.ticket_group(ticket_ann.pk), ticket_watcher)
    await say(ticket_ann, "hi")
    socket, _ = await visitor_socket(await token_for(ticket_ann.visitor))
    await listen(layer, ticket_watcher)  # the message.new from say()

    await socket.send_json_to({"type": "typing", "ticket": ticket_ann.pk, "state": "start"})
    typing = await listen(layer, ticket_watcher)
    assert typing["sender"] == {"type": "visitor", "name": "Ann", "user": None}

    # Read receipts update every agent's inbox, not only those with the ticket open.
    inbox = await layer.new_channel()
    await layer.group_add(events.AGENTS_GROUP, inbox)
    await socket.send_json_to({"type": "seen", "ticket": ticket_ann.pk, "seq": 1})
    seen = await listen(layer, inbox)
    assert seen == {"type": "seen", "ticket": ticket_ann.pk, "side": "visitor", "seq": 1}
    ticket = await sync_to_async(Ticket.objects.get)(pk=ticket_ann.pk)
    assert ticket.visitor_seen_seq == 1
    await socket.disconnect()


async def test_a_name_given_after_hello_is_on_the_next_message(ticket_ann):
    """The pre-chat form answers over REST while the socket is open: its messages
    carry the new name, not the one the socket saw at hello."""
    socket, _ = await visitor_socket(await token_for(ticket_ann.visitor))
    await sync_to_async(Visitor.objects.filter(pk=ticket_ann.visitor_id).update)(name="Ann Lee")
    frame = {"type": "message.send", "ticket": ticket_ann.pk, "client_id": "c-1", "body": "hi"}
    await socket.send_json_to(frame)
    new = next(f for f in [await socket.receive_json_from() for _ in range(2)] if "message" in f)
    assert new["message"]["sender"]["name"] == "Ann Lee"
    await socket.disconnect()


async def test_a_visitor_blocked_after_hello_can_send_no_more(ticket_ann):
    socket, _ = await visitor_socket(await token_for(ticket_ann.visitor))
    await sync_to_async(Visitor.objects.filter(pk=ticket_ann.visitor_id).update)(is_blocked=True)
    for frame in (
        {"type": "message.send", "ticket": ticket_ann.pk, "client_id": "c-1", "body": "hi"},
        {"type": "message.send", "client_id": "c-2", "body": "a new chat"},
    ):
        await socket.send_json_to(frame)
        error = await socket.receive_json_from()
        assert (error["type"], error["code"]) == ("error", "blocked")
    assert await message_count() == 0
    await socket.disconnect()
