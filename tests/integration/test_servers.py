"""Parley under each ASGI server it can be started with (helpdesk/servers.py):
uvicorn, which `manage.py serve` runs, and daphne, which stays supported. A chat
works end to end on both, over the socket and over the fallbacks (the event
stream and the long poll), and each stops on SIGTERM with sockets open. On the
embedded default, as `make run` serves it."""

import asyncio
import json
import signal
import uuid

import httpx
import pytest
import websockets

from helpdesk.servers import SERVERS

from ..processes import Stack, post_json, process_env
from .test_scale_out import open_agent, open_visitor

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("servers")
    stack = Stack(tmp=tmp, env=process_env(tmp))
    stack.setup()
    yield stack
    stack.stop_all()


@pytest.mark.parametrize("server", SERVERS)
async def test_a_chat_works_and_the_server_stops_on_sigterm(embedded, server):
    stack = embedded
    name = f"on-{server}"
    stack.start_servers(name, server=server)
    session = post_json(stack.http(name, "/api/widget/session/"), {"key": "demo"})
    agent, _ = await open_agent(stack, name, "ada")
    visitor, _ = await open_visitor(stack, name, session["token"])

    body = f"Hello from {server} <b>{uuid.uuid4()}</b>"
    await visitor.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": body})
    ack = (await visitor.receive_until("message.ack"))[-1]
    await agent.send({"type": "subscribe", "ticket": ack["ticket"], "after": 0})
    frames = await agent.receive_until("subscribed")
    # Then routing's line, "Assigned to Ada automatically".
    assert next(f["message"]["body"] for f in frames if f["type"] == "message.new") == body

    process = stack.servers[name]
    stack.stop(name)  # SIGTERM with the sockets open; SIGKILL if not gone in 15 s
    assert process.returncode != -signal.SIGKILL, f"{server} did not exit on SIGTERM"


@pytest.mark.parametrize("server", SERVERS)
async def test_the_fallback_transports_carry_an_agents_replies(embedded, server):
    """A visitor whose network blocks sockets: the event stream (a response
    that streams for minutes) and the long poll (one held until a message comes)."""
    stack = embedded
    name = f"fallback-{server}"
    stack.start_servers(name, server=server)
    session = post_json(stack.http(name, "/api/widget/session/"), {"key": "demo"})
    auth = {"Authorization": f"Visitor {session['token']}"}
    started = post_json(
        stack.http(name, "/api/widget/tickets/"), {"body": "Hello?", "client_id": "c-1"}, auth
    )
    ticket, seq = started["ticket"], started["message"]["seq"]
    agent, _ = await open_agent(stack, name, "ada")

    async def reply(body: str) -> None:
        await agent.send(
            {"type": "message.send", "ticket": ticket, "client_id": str(uuid.uuid4()), "body": body}
        )

    async with httpx.AsyncClient(base_url=stack.http(name), headers=auth, timeout=20) as client:
        resume = json.dumps({str(ticket): seq})
        async with client.stream("GET", "/api/widget/stream/", params={"resume": resume}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = sse_frames(stream)
            assert (await anext(events))["type"] == "welcome"
            await reply("<script>alert(1)</script> On the stream")
            body = await next_message_body(events)
            assert body == "<script>alert(1)</script> On the stream"

        messages = f"/api/widget/tickets/{ticket}/messages/"
        last_seq = (await client.get(messages)).json()["last_seq"]
        poll = asyncio.create_task(client.get(messages, params={"after": last_seq, "wait": 15}))
        await asyncio.sleep(0.5)  # the poll is held, waiting
        assert not poll.done()
        await reply("On the long poll")
        answer = (await poll).json()
        assert [m["body"] for m in answer["messages"]] == ["On the long poll"]
    await agent.close()
    stack.stop(name)


async def sse_frames(stream: httpx.Response):
    """The frames of a server-sent event stream, as the widget's fallback reads them."""
    async for line in stream.aiter_lines():
        if line.startswith("data: "):
            yield json.loads(line.removeprefix("data: "))


async def next_message_body(events) -> str:
    while True:
        frame = await asyncio.wait_for(anext(events), timeout=15)
        if frame["type"] == "message.new" and frame["message"]["sender"]["type"] == "agent":
            return frame["message"]["body"]


async def test_uvicorn_refuses_a_huge_frame_itself_and_parley_answers_a_large_one(embedded):
    """docs/deploy.md: over 1 MiB uvicorn closes with 1009 before reading it
    whole; over FRAME_MAX_BYTES (32 KiB) Parley answers with an error frame."""
    stack = embedded
    stack.start_servers("frames", server="uvicorn")
    session = post_json(stack.http("frames", "/api/widget/session/"), {"key": "demo"})
    visitor, _ = await open_visitor(stack, "frames", session["token"])
    await visitor.send({"type": "message.send", "client_id": "big", "body": "x" * 40_000})
    error = (await visitor.receive_until("error"))[-1]
    assert error["code"] == "frame_too_large"

    await visitor.send({"type": "message.send", "client_id": "huge", "body": "x" * 2_000_000})
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await visitor.receive(timeout=10)
    assert closed.value.rcvd.code == 1009
    stack.stop("frames")
