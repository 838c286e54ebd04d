"""A message sent while Redis is down is stored and acked, and the agent watching
the ticket on another daphne learns of it from the first pong after Redis is
back (docs/protocol.md, "A lost tail"). The Redis here is the test's own, killed
and started again by its PID; the daphnes point at it."""

import json
import urllib.request
import uuid

import pytest

from ..processes import RedisServer, post_json
from .conftest import Socket, services_stack

pytestmark = pytest.mark.integration


@pytest.fixture
def redis_and_stack(tmp_path):
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        with services_stack(tmp_path, REDIS_URL=redis.url, PARLEY_AUTO_ASSIGN="false") as stack:
            stack.start_servers("a", "b")
            yield redis, stack
    finally:
        redis.kill()


async def frames_until(socket: Socket, frame_type: str) -> list[dict]:
    return await socket.receive_until(frame_type, timeout=20)


async def test_a_message_sent_while_redis_is_down_reaches_the_peer_after_it_returns(
    redis_and_stack,
):
    redis, stack = redis_and_stack
    session = post_json(stack.http("a", "/api/widget/session/"), {"key": "demo", "name": "Tia"})
    visitor = await Socket.open(stack.ws("a", "/ws/widget/"), origin="https://shop.example")
    await visitor.send({"type": "hello", "token": session["token"], "resume": {}})
    await frames_until(visitor, "welcome")
    await visitor.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": "one"})
    ticket_id = (await frames_until(visitor, "message.ack"))[-1]["ticket"]

    token = stack.agent_token("ada")
    agent = await Socket.open(stack.ws("b", "/ws/agent/"), origin=stack.http("b"))
    await agent.send({"type": "hello", "token": token})
    await frames_until(agent, "welcome")
    await agent.send({"type": "subscribe", "ticket": ticket_id, "after": 0})
    await frames_until(agent, "ticket.viewers")

    redis.kill()
    await visitor.send(
        {"type": "message.send", "ticket": ticket_id, "client_id": str(uuid.uuid4()), "body": "two"}
    )
    during = await frames_until(visitor, "message.ack")
    assert [frame for frame in during if frame["type"] == "error"] == []
    seq = during[-1]["seq"]

    redis.start()  # the same port, empty
    await agent.send({"type": "ping"})
    after = await frames_until(agent, "pong")
    assert [frame for frame in after if frame["type"] == "error"] == []
    # The broadcast was lost, and the first pong after Redis returns tells of it.
    assert seq not in [f["message"]["seq"] for f in after if f["type"] == "message.new"]
    assert after[-1]["tickets"] == {str(ticket_id): seq}

    request = urllib.request.Request(
        stack.http("b", f"/api/agent/tickets/{ticket_id}/messages/?after={seq - 1}"),
        headers={"Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        page = json.load(response)
    assert [(m["seq"], m["body"]) for m in page["messages"]] == [(seq, "two")]
    await visitor.close()
    await agent.close()
