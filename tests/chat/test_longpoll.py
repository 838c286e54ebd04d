"""Long-polling on the widget's history: ``GET .../messages/?after=<seq>&wait=<s>``."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.test import AsyncClient

from chat import events
from chat.services import Sender, post_message
from chat.visitor_auth import visitor_token
from helpdesk.models import Ticket

from ..conftest import as_visitor, say

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "https://shop.example"


class Answer:
    """A history read's status and its page, once the whole body has come."""

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.page = json.loads(content) if content else None


async def poll(ticket: Ticket, query: dict, *, token=None) -> Answer:
    if token is None:
        token = await sync_to_async(visitor_token)(ticket.visitor)
    response = await AsyncClient().get(
        f"/api/widget/tickets/{ticket.pk}/messages/",
        query,
        headers={"Authorization": f"Visitor {token}", "Origin": SHOP},
    )
    if response.streaming:
        content = b"".join([chunk async for chunk in response.streaming_content])
        # As the ASGI handler does once a streamed body is sent: request_finished
        # gives back the connection the view used.
        await sync_to_async(response.close)()
    else:
        content = response.content
    return Answer(response.status_code, content)


async def waiting_on(group: str) -> None:
    """Until a long poll has joined ``group`` (the in-memory layer's own table)."""
    layer = get_channel_layer()
    for _ in range(200):
        if layer.groups.get(group):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"nobody joined {group}")


def test_messages_past_after_answer_at_once_as_a_plain_read(api, ticket_ann):
    for body in ("one", "two"):
        post_message(ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body=body)
    response = read(api, ticket_ann, {"after": 1, "wait": 30})
    assert response.status_code == 200
    assert not response.streaming
    assert [m["body"] for m in response.json()["messages"]] == ["two"]


async def test_a_waiting_read_wakes_on_the_tickets_next_visible_message_only(ticket_ann, agent_bob):
    await say(ticket_ann, "hello")
    other = await sync_to_async(Ticket.objects.create)(visitor=ticket_ann.visitor)
    waiting = asyncio.ensure_future(poll(ticket_ann, {"after": 1, "wait": 30}))
    await waiting_on(events.visitor_group(ticket_ann.visitor_id))

    # Neither an internal note nor a message in the visitor's other chat ends it.
    await say(ticket_ann, "note", agent=agent_bob, internal=True)
    await say(other, "elsewhere")
    await asyncio.sleep(0.3)
    assert not waiting.done(), waiting.result().content if waiting.done() else None

    await say(ticket_ann, "the answer", agent=agent_bob)
    response = await asyncio.wait_for(waiting, 5)
    assert response.status_code == 200
    page = response.page
    assert [m["body"] for m in page["messages"]] == ["the answer"]
    assert page["last_seq"] == 3  # the note is not counted for the visitor
    assert not get_channel_layer().groups.get(events.visitor_group(ticket_ann.visitor_id))


async def test_a_wait_that_runs_out_answers_an_empty_page(ticket_ann):
    await say(ticket_ann, "hello")
    response = await asyncio.wait_for(poll(ticket_ann, {"after": 1, "wait": 1}), 10)
    assert response.status_code == 200
    assert response.page == {"ticket": ticket_ann.pk, "last_seq": 1, "messages": []}


def test_wait_zero_is_a_plain_read(api, ticket_ann):
    response = read(api, ticket_ann, {"after": 0, "wait": 0})
    assert response.status_code == 200
    assert not response.streaming
    assert response.json()["messages"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"after": 0, "wait": -1},
        {"after": 0, "wait": 31},
        {"after": 0, "wait": 10**20},
        {"after": 0, "wait": "soon"},
        {"after": 0, "wait": "1.5"},
        {"wait": 5},
        {"before": 3, "wait": 5},
    ],
)
def test_a_bad_wait_is_refused_before_anything_waits(api, ticket_ann, query):
    response = read(api, ticket_ann, query)
    assert response.status_code == 400
    assert not response.streaming


def test_another_visitors_ticket_answers_404_without_waiting(api, ticket_ann, visitor_ben):
    response = read(api, ticket_ann, {"after": 0, "wait": 30}, visitor=visitor_ben)
    assert response.status_code == 404
    assert not response.streaming


async def test_a_forged_token_answers_at_once(ticket_ann):
    response = await asyncio.wait_for(poll(ticket_ann, {"after": 0, "wait": 30}, token="x"), 5)
    assert response.status_code in (401, 403)


def test_a_client_ahead_of_the_server_is_told_to_resync_without_waiting(api, ticket_ann):
    response = read(api, ticket_ann, {"after": 7, "wait": 30})
    assert response.status_code == 409
    assert not response.streaming


def read(api, ticket: Ticket, query: dict, *, visitor=None):
    """A history read from a sync client: whatever does not wait answers with a
    plain, complete response."""
    as_visitor(api, visitor or ticket.visitor)
    return api.get(f"/api/widget/tickets/{ticket.pk}/messages/", query)
