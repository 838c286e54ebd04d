"""The fallback transport: server-sent events for receiving, REST for the rest."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from chat import events
from chat.services import Sender, post_message
from chat.visitor_auth import visitor_token

from ..conftest import say

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "https://shop.example"


def headers_for(token: str, origin: str = SHOP) -> dict:
    return {"Authorization": f"Visitor {token}", "Origin": origin}


class Stream:
    """Reads server-sent events from a streaming response, one frame at a time."""

    def __init__(self, response):
        self.chunks = aiter(response.streaming_content)
        self.buffer = ""

    async def next_event(self, timeout: float = 5) -> dict | None:
        """The next event's frame; keepalive comments are skipped. None at the end."""
        while "\n\n" not in self.buffer:
            try:
                chunk = await asyncio.wait_for(anext(self.chunks), timeout)
            except StopAsyncIteration:
                return None
            self.buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        block, self.buffer = self.buffer.split("\n\n", 1)
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" not in fields:
            return await self.next_event(timeout)
        frame = json.loads(fields["data"])
        assert fields["event"] == frame["type"]
        return frame


async def open_stream(token: str, resume: dict | None = None, origin: str = SHOP):
    query = {"resume": json.dumps(resume)} if resume is not None else {}
    response = await AsyncClient().get(
        "/api/widget/stream/", query, headers=headers_for(token, origin)
    )
    return response


async def test_the_stream_opens_like_a_socket_then_carries_live_frames(ticket_ann, agent_bob):
    for body in ("one", "two"):
        await say(ticket_ann, body)
    await say(ticket_ann, "note", agent=agent_bob, internal=True)
    token = await sync_to_async(visitor_token)(ticket_ann.visitor)
    response = await open_stream(token, {str(ticket_ann.pk): 1})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Access-Control-Allow-Origin"] == "*"
    stream = Stream(response)

    welcome = await stream.next_event()
    assert welcome["type"] == "welcome"
    assert welcome["tickets"][0]["last_seq"] == 2  # the note is not counted
    replayed = await stream.next_event()
    assert (replayed["message"]["body"], replayed["prev_seq"]) == ("two", 1)

    await say(ticket_ann, "another note", agent=agent_bob, internal=True)
    await say(ticket_ann, "live reply", agent=agent_bob)
    live = await stream.next_event()
    assert live["type"] == "message.new"
    assert (live["message"]["body"], live["message"]["seq"], live["prev_seq"]) == (
        "live reply",
        5,
        2,
    )


async def test_the_server_ends_a_stream_after_its_maximum_age(visitor_ann, settings):
    settings.PARLEY = {**settings.PARLEY, "STREAM_MAX_AGE": 0.5}
    token = await sync_to_async(visitor_token)(visitor_ann)
    stream = Stream(await open_stream(token))
    assert (await stream.next_event())["type"] == "welcome"
    assert await stream.next_event(timeout=5) is None


@pytest.mark.parametrize(
    ("token", "origin", "status", "code"),
    [
        (None, SHOP, 401, "authentication_failed"),
        ("forged:abc:def", SHOP, 401, "authentication_failed"),
        ("ann", "https://evil.example", 403, "origin_not_allowed"),
    ],
)
async def test_a_stream_needs_a_valid_token_from_an_allowed_site(
    visitor_ann, token, origin, status, code
):
    if token == "ann":
        token = await sync_to_async(visitor_token)(visitor_ann)
    response = await open_stream(token or "", origin=origin)
    assert response.status_code == status
    assert json.loads(response.content)["code"] == code


async def test_a_blocked_visitor_gets_no_stream(visitor_ann):
    visitor_ann.is_blocked = True
    await sync_to_async(visitor_ann.save)()
    token = await sync_to_async(visitor_token)(visitor_ann)
    response = await open_stream(token)
    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "permission_denied"


async def test_a_stream_without_a_token_header_is_refused():
    response = await AsyncClient().get("/api/widget/stream/", headers={"Origin": SHOP})
    assert response.status_code == 401
    assert json.loads(response.content)["code"] == "not_authenticated"


@pytest.mark.parametrize("resume", ["not json", "[1]", '{"x": 1}', '{"1": -1}'])
async def test_a_bad_resume_is_refused(visitor_ann, resume):
    token = await sync_to_async(visitor_token)(visitor_ann)
    response = await AsyncClient().get(
        "/api/widget/stream/", {"resume": resume}, headers=headers_for(token)
    )
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "invalid_resume"


async def test_another_visitors_ticket_in_resume_is_not_found(ticket_ann, visitor_ben):
    await say(ticket_ann, "Ann's secret")
    token = await sync_to_async(visitor_token)(visitor_ben)
    stream = Stream(await open_stream(token, {str(ticket_ann.pk): 0}))
    assert (await stream.next_event())["type"] == "welcome"
    error = await stream.next_event()
    assert (error["type"], error["code"]) == ("error", "not_found")


# --- typing and read receipts over REST ---------------------------------------------------


def test_typing_over_rest_reaches_the_agents_watching(ann_api, ticket_ann, broadcasts):
    url = f"/api/widget/tickets/{ticket_ann.pk}/typing/"
    assert ann_api.post(url, {"state": "start"}, format="json").status_code == 204
    groups, event = broadcasts[-1]
    assert groups == [events.ticket_group(ticket_ann.pk)]
    assert (event["type"], event["state"], event["sender"]["type"]) == (
        "typing",
        "start",
        "visitor",
    )

    bad = ann_api.post(url, {"state": "<b>dancing</b>"}, format="json")
    assert bad.status_code == 400
    assert len(broadcasts) == 1


def test_the_draft_goes_with_typing_over_rest_too(ann_api, ticket_ann, broadcasts):
    ticket_ann.visitor.widget.typing_preview = True
    ticket_ann.visitor.widget.save()
    url = f"/api/widget/tickets/{ticket_ann.pk}/typing/"
    ann_api.post(url, {"state": "start", "draft": "Where is my ord"}, format="json")
    assert broadcasts[-1][1]["draft"] == "Where is my ord"
    ticket_ann.visitor.widget.typing_preview = False
    ticket_ann.visitor.widget.save()
    ann_api.post(url, {"state": "start", "draft": "Where is my order"}, format="json")
    assert "draft" not in broadcasts[-1][1]


def test_read_receipts_over_rest_are_stored(ann_api, ticket_ann):
    post_message(ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body="hi")
    url = f"/api/widget/tickets/{ticket_ann.pk}/seen/"
    assert ann_api.post(url, {"seq": 99}, format="json").data == {"ticket": ticket_ann.pk, "seq": 1}
    assert ann_api.post(url, {"seq": -1}, format="json").status_code == 400
    ticket_ann.refresh_from_db()
    assert ticket_ann.visitor_seen_seq == 1


def test_typing_and_receipts_on_another_visitors_ticket_are_not_found(ann_api, ticket_ben):
    for path, payload in (("typing", {"state": "start"}), ("seen", {"seq": 1})):
        response = ann_api.post(f"/api/widget/tickets/{ticket_ben.pk}/{path}/", payload)
        assert response.status_code == 404
