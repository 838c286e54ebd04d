"""Parley under each ASGI server it can be started with (helpdesk/servers.py):
uvicorn, which `manage.py serve` runs, and daphne, which stays supported. A chat
works end to end on both, and each stops on SIGTERM with sockets open. On the
embedded default, as `make run` serves it."""

import signal
import uuid

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
