"""Typing frames come several a second while a visitor types, so the socket tells
them from what it knows: no database read per frame, while whose ticket it is,
the visitor's name and the widget's sneak-peek setting stay checked."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from chat import consumers, events
from chat.visitor_auth import visitor_token
from helpdesk.models import Visitor, Widget

from ..conftest import visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sneak_peek_on(widget):
    widget.typing_preview = True
    widget.save()


async def watch(ticket_id: int):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events.ticket_group(ticket_id), channel)

    async def next_event() -> dict:
        return (await asyncio.wait_for(layer.receive(channel), timeout=5))["event"]

    return next_event


token_for = database_sync_to_async(visitor_token)


def typing(ticket_id: int, draft: str) -> dict:
    return {"type": "typing", "ticket": ticket_id, "state": "start", "draft": draft}


async def test_typing_in_a_known_ticket_reads_nothing_from_the_database(ticket_ann, kept_queries):
    next_event = await watch(ticket_ann.pk)
    socket, _ = await visitor_socket(
        await database_sync_to_async(visitor_token)(ticket_ann.visitor)
    )
    await socket.send_json_to(typing(ticket_ann.pk, "H"))
    assert (await next_event())["draft"] == "H"
    before = len(kept_queries())
    for draft in ["He", "Hel", "Hell", "Hello"]:
        await socket.send_json_to(typing(ticket_ann.pk, draft))
        event = await next_event()
        assert event["draft"] == draft
        assert event["sender"] == {"type": "visitor", "name": "Ann", "user": None}
    assert (kept_queries())[before:] == []
    await socket.disconnect()


async def test_typing_in_someone_elses_ticket_is_not_found_and_told_to_nobody(
    ticket_ann, ticket_ben
):
    next_event = await watch(ticket_ben.pk)
    socket, _ = await visitor_socket(
        await database_sync_to_async(visitor_token)(ticket_ann.visitor)
    )
    await socket.send_json_to(typing(ticket_ann.pk, "mine"))  # Ann's own ticket is known now
    for _ in range(2):
        await socket.send_json_to(typing(ticket_ben.pk, "not mine"))
        error = await socket.receive_json_from()
        assert (error["type"], error["code"]) == ("error", "not_found")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(next_event(), 0.2)
    await socket.disconnect()


async def test_a_sneak_peek_turned_off_and_a_new_name_hold_once_the_socket_rereads(
    ticket_ann, monkeypatch
):
    next_event = await watch(ticket_ann.pk)
    socket, _ = await visitor_socket(
        await database_sync_to_async(visitor_token)(ticket_ann.visitor)
    )
    await socket.send_json_to(typing(ticket_ann.pk, "my card is"))
    assert (await next_event())["draft"] == "my card is"

    await database_sync_to_async(Widget.objects.filter(pk=ticket_ann.visitor.widget_id).update)(
        typing_preview=False
    )
    await database_sync_to_async(Visitor.objects.filter(pk=ticket_ann.visitor_id).update)(
        name="Annie"
    )
    monkeypatch.setattr(consumers, "VISITOR_REREAD_AFTER", 0)
    await socket.send_json_to(typing(ticket_ann.pk, "my card is 4111"))
    event = await next_event()
    assert "draft" not in event
    assert event["sender"]["name"] == "Annie"
    await socket.disconnect()
