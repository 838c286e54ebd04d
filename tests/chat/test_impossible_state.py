"""Clear answers to impossible state: a client ahead of the server is told to
resync on every transport, resume is parsed strictly, and deep or huge JSON is
an error frame or a 400, never a 1011 or a 500."""

import asyncio
import json

import pytest
from django.test import AsyncClient

from chat.consumers import FrameError, parse_resume
from chat.visitor_auth import visitor_token

from ..conftest import agent_socket, connect, receive_until, say, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "https://shop.example"
TOO_BIG = [2**63, 10**20]


@pytest.mark.parametrize(
    "resume",
    [
        {"²": 1},  # a digit to str.isdigit(), not to int()
        {"\u0661": 1},  # an Arabic-Indic digit one
        {"9" * 5000: 1},
        {"12345678901234567890": 1},  # 20 digits: no ticket id
        {"": 1},
        {" 1": 1},
        {"1": -1},
        {"1": 1.5},
        {"1": True},
        {"1": "3"},
        {"1": 2**63},
        {"1": 10**20},
        {str(n): 0 for n in range(51)},
        [],
        "1",
    ],
)
def test_resume_is_parsed_strictly(resume):
    with pytest.raises(FrameError) as raised:
        parse_resume(resume)
    assert raised.value.code == "invalid_resume"


def test_a_good_resume_is_parsed():
    assert parse_resume({"007": 0, "9" * 19: 2**63 - 1}) == {7: 0, int("9" * 19): 2**63 - 1}


async def test_hello_resuming_past_the_last_seq_gets_resync_ahead(ticket_ann):
    await say(ticket_ann, "one")
    socket, _ = await visitor_socket(
        visitor_token(ticket_ann.visitor), resume={str(ticket_ann.pk): 10**6}
    )
    frame = await socket.receive_json_from()
    assert frame == {"type": "resync", "ticket": ticket_ann.pk, "reason": "ahead"}
    await socket.disconnect()


async def test_a_visitor_resuming_past_the_last_public_message_gets_resync(ticket_ann, agent_bob):
    """Internal notes move last_seq but not what the visitor can hold."""
    await say(ticket_ann, "one")
    await say(ticket_ann, "note", agent=agent_bob, internal=True)
    socket, _ = await visitor_socket(
        visitor_token(ticket_ann.visitor), resume={str(ticket_ann.pk): 2}
    )
    assert (await socket.receive_json_from())["reason"] == "ahead"
    await socket.disconnect()


async def test_resuming_exactly_at_the_last_seq_replays_nothing(ticket_ann):
    await say(ticket_ann, "one")
    socket, _ = await visitor_socket(
        visitor_token(ticket_ann.visitor), resume={str(ticket_ann.pk): 1}
    )
    assert await socket.receive_nothing(0.2)
    await socket.disconnect()


@pytest.mark.parametrize("resume", [{"²": 1}, {"9" * 5000: 1}, {"1": 2**63}, {"1": 10**20}])
async def test_a_bad_resume_in_hello_is_an_error_frame_and_hello_can_be_sent_again(
    ticket_ann, resume
):
    socket = await connect("/ws/widget/", [(b"origin", SHOP.encode())])
    token = visitor_token(ticket_ann.visitor)
    await socket.send_json_to({"type": "hello", "token": token, "resume": resume})
    error = await socket.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "invalid_resume")
    await socket.send_json_to({"type": "hello", "token": token, "resume": {}})
    assert (await socket.receive_json_from())["type"] == "welcome"
    await socket.disconnect()


@pytest.mark.parametrize("depth", [1_500, 10_000])
async def test_a_deeply_nested_frame_is_an_error_frame_and_the_socket_stays(ticket_ann, depth):
    socket, _ = await visitor_socket(visitor_token(ticket_ann.visitor))
    await socket.send_to(text_data="[" * depth + "]" * depth)
    error = await socket.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "malformed_json")
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from())["type"] == "pong"
    await socket.disconnect()


async def test_an_agent_subscribing_past_the_last_seq_gets_resync_ahead(ticket_ann, agent_bob):
    await say(ticket_ann, "one")
    socket, _ = await agent_socket(agent_bob)
    await socket.send_json_to({"type": "subscribe", "ticket": ticket_ann.pk, "after": 5})
    frames = await receive_until(socket, "subscribed")
    assert {"type": "resync", "ticket": ticket_ann.pk, "reason": "ahead"} in frames
    assert not [frame for frame in frames if frame["type"] == "message.new"]
    await socket.disconnect()


@pytest.mark.parametrize("after", TOO_BIG)
async def test_an_after_no_database_could_hold_is_an_error_frame(ticket_ann, agent_bob, after):
    socket, _ = await agent_socket(agent_bob)
    await socket.send_json_to({"type": "subscribe", "ticket": ticket_ann.pk, "after": after})
    error = await socket.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "invalid_seq")
    await socket.send_json_to({"type": "seen", "ticket": ticket_ann.pk, "seq": after})
    assert (await receive_until(socket, "error"))[-1]["code"] == "invalid_seq"
    await socket.send_json_to({"type": "subscribe", "ticket": after})
    assert (await receive_until(socket, "error"))[-1]["code"] == "invalid_ticket"
    await socket.disconnect()


# --- REST ----------------------------------------------------------------------------


def widget_history(client, ticket, after):
    return client.get(
        f"/api/widget/tickets/{ticket.pk}/messages/",
        {"after": after},
        headers={"Authorization": f"Visitor {visitor_token(ticket.visitor)}", "Origin": SHOP},
    )


async def test_rest_history_after_the_last_seq_answers_409_resync(ticket_ann):
    await say(ticket_ann, "one")
    response = await widget_history(AsyncClient(), ticket_ann, 2)
    assert response.status_code == 409
    assert response.json() | {"message": ""} == {
        "code": "resync",
        "reason": "ahead",
        "message": "",
        "last_seq": 1,
    }
    assert (await widget_history(AsyncClient(), ticket_ann, 1)).status_code == 200


@pytest.mark.parametrize("after", TOO_BIG)
async def test_rest_history_after_too_big_for_any_seq_is_a_400(ticket_ann, after):
    response = await widget_history(AsyncClient(), ticket_ann, after)
    assert response.status_code == 400


async def test_agent_rest_history_after_the_last_seq_answers_409_resync(ticket_ann, agent_bob):
    await say(ticket_ann, "one")
    client = AsyncClient()
    await client.aforce_login(agent_bob.user)
    response = await client.get(f"/api/agent/tickets/{ticket_ann.pk}/messages/", {"after": 9})
    assert (response.status_code, response.json()["code"]) == (409, "resync")


@pytest.mark.parametrize("seq", TOO_BIG)
async def test_rest_seen_too_big_for_any_seq_is_a_400(ticket_ann, seq):
    response = await AsyncClient().post(
        f"/api/widget/tickets/{ticket_ann.pk}/seen/",
        {"seq": seq},
        content_type="application/json",
        headers={"Authorization": f"Visitor {visitor_token(ticket_ann.visitor)}", "Origin": SHOP},
    )
    assert response.status_code == 400


# --- the event stream ------------------------------------------------------------------


async def open_stream(ticket, resume: str):
    return await AsyncClient().get(
        "/api/widget/stream/",
        {"resume": resume},
        headers={"Authorization": f"Visitor {visitor_token(ticket.visitor)}", "Origin": SHOP},
    )


async def stream_frames(response, count: int) -> list[dict]:
    """The first ``count`` frames of an event stream."""
    frames, buffer = [], ""
    chunks = aiter(response.streaming_content)
    while len(frames) < count:
        chunk = await asyncio.wait_for(anext(chunks), 5)
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            data = [line[6:] for line in block.splitlines() if line.startswith("data: ")]
            frames += [json.loads(line) for line in data]
    await response.streaming_content.aclose()
    return frames


async def test_the_stream_resuming_past_the_last_seq_gets_resync_ahead(ticket_ann):
    await say(ticket_ann, "one")
    response = await open_stream(ticket_ann, json.dumps({str(ticket_ann.pk): 7}))
    assert response.status_code == 200
    welcome, resync = await stream_frames(response, 2)
    assert welcome["type"] == "welcome"
    assert resync == {"type": "resync", "ticket": ticket_ann.pk, "reason": "ahead"}


@pytest.mark.parametrize(
    "resume",
    [
        "[" * 1_500 + "]" * 1_500,
        '{"1":' * 1_500 + "0" + "}" * 1_500,
        json.dumps({"²": 1}),
        json.dumps({"1": 10**20}),
        "9" * 5000,
        "{" + " " * 5000 + "}",
        "not json",
    ],
    ids=["deep-list", "deep-object", "superscript", "huge-seq", "huge-number", "long", "text"],
)
async def test_a_bad_stream_resume_is_a_400_not_a_500(ticket_ann, resume):
    response = await open_stream(ticket_ann, resume)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_resume"
