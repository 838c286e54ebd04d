"""Two daphne processes sharing Redis and PostgreSQL: a visitor on one and an
agent on the other chat normally, and a visitor who reconnects elsewhere misses
nothing and sees nothing twice."""

import uuid

import pytest

from ..processes import post_json
from .conftest import Socket

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def servers(stack):
    stack.start_servers("a", "b")
    return stack


def new_client_id() -> str:
    return str(uuid.uuid4())


async def open_visitor(stack, server: str, token: str, resume: dict | None = None):
    visitor = await Socket.open(stack.ws(server, "/ws/widget/"), origin="https://shop.example")
    await visitor.send({"type": "hello", "token": token, "resume": resume or {}})
    welcome = await visitor.receive()
    assert welcome["type"] == "welcome", welcome
    return visitor, welcome


async def open_agent(stack, server: str, username: str):
    origin = stack.http(server)
    agent = await Socket.open(stack.ws(server, "/ws/agent/"), origin=origin)
    await agent.send({"type": "hello", "token": stack.agent_token(username)})
    welcome = await agent.receive()
    assert welcome["type"] == "welcome", welcome
    return agent, welcome


async def test_visitor_on_one_server_and_agent_on_another_chat_both_ways(servers):
    session = post_json(servers.http("a", "/api/widget/session/"), {"key": "demo", "name": "Ivy"})
    agent, _ = await open_agent(servers, "b", "ada")
    visitor, welcome = await open_visitor(servers, "a", session["token"])
    assert welcome["agents_online"] is True  # presence lives in Redis, not in process memory

    await visitor.send({"type": "message.send", "client_id": new_client_id(), "body": "Hi from A"})
    ack = (await visitor.receive_until("message.ack"))[-1]
    ticket_id = ack["ticket"]
    inbox = (await agent.receive_until("ticket.updated"))[-1]
    assert inbox["ticket"]["id"] == ticket_id
    assert inbox["ticket"]["visitor"]["name"] == "Ivy"

    await agent.send({"type": "subscribe", "ticket": ticket_id, "after": 0})
    frames = await agent.receive_until("subscribed")
    assert [f["message"]["body"] for f in frames if f["type"] == "message.new"] == ["Hi from A"]

    await agent.send(
        {
            "type": "message.send",
            "ticket": ticket_id,
            "client_id": new_client_id(),
            "body": "Hello from B",
        }
    )
    reply = await visitor.receive_message(seq=2)
    assert reply["body"] == "Hello from B"
    assert (reply["sender"]["type"], reply["sender"]["name"]) == ("agent", "Ada Agent")

    await visitor.send({"type": "typing", "ticket": ticket_id, "state": "start"})
    typing = (await agent.receive_until("typing"))[-1]
    assert typing["sender"]["type"] == "visitor"

    await visitor.send(
        {
            "type": "message.send",
            "ticket": ticket_id,
            "client_id": new_client_id(),
            "body": "Thanks!",
        }
    )
    # seq 3 is the team's line that Ada took the chat, stored after her first reply.
    assert (await agent.receive_message(seq=4))["body"] == "Thanks!"
    await visitor.close()
    await agent.close()


async def test_a_visitor_who_reconnects_elsewhere_sees_each_message_once_in_order(servers):
    session = post_json(servers.http("a", "/api/widget/session/"), {"key": "demo", "name": "Jo"})
    visitor, _ = await open_visitor(servers, "a", session["token"])
    await visitor.send({"type": "message.send", "client_id": new_client_id(), "body": "first"})
    ticket_id = (await visitor.receive_until("message.ack"))[-1]["ticket"]
    await visitor.receive_message(seq=1)
    await visitor.close()

    # While the visitor is away, the agent (on the other server) writes three
    # replies and a note the visitor must never get.
    agent, _ = await open_agent(servers, "b", "grace")
    for body, internal in (("r1", False), ("note", True), ("r2", False), ("r3", False)):
        await agent.send(
            {
                "type": "message.send",
                "ticket": ticket_id,
                "client_id": new_client_id(),
                "body": body,
                "internal": internal,
            }
        )
        await agent.receive_until("message.ack")

    visitor, welcome = await open_visitor(
        servers, "b", session["token"], resume={str(ticket_id): 1}
    )
    # After the first reply comes the team's line that Grace took the chat (seq 3),
    # then the note (seq 4): neither is the visitor's.
    assert welcome["tickets"][0]["last_seq"] == 6
    replayed = [(await visitor.receive())["message"] for _ in range(3)]
    assert [(m["seq"], m["body"]) for m in replayed] == [(2, "r1"), (5, "r2"), (6, "r3")]

    await agent.send(
        {"type": "message.send", "ticket": ticket_id, "client_id": new_client_id(), "body": "r4"}
    )
    assert (await visitor.receive_message(seq=7))["body"] == "r4"
    await visitor.close()
    await agent.close()


async def test_the_agent_socket_refuses_a_foreign_origin_on_a_real_server(servers):
    import websockets

    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        await Socket.open(servers.ws("a", "/ws/agent/"), origin="https://evil.example")
    assert refused.value.response.status_code == 403


async def test_an_agent_is_offline_as_soon_as_their_last_tab_closes(servers):
    """Presence lives in Redis: tabs on two processes count together, and the
    last one closing takes the agent offline at once, not PRESENCE_TTL later."""
    session = post_json(servers.http("a", "/api/widget/session/"), {"key": "demo"})
    tab_a, _ = await open_agent(servers, "a", "grace")
    tab_b, _ = await open_agent(servers, "b", "grace")
    visitor, welcome = await open_visitor(servers, "b", session["token"])
    assert welcome["agents_online"] is True

    await tab_a.close()
    await visitor.send({"type": "ping"})
    before_pong = []
    while (frame := await visitor.receive())["type"] != "pong":
        before_pong.append(frame)
    assert {"type": "presence", "agents_online": False} not in before_pong  # Grace is here
    await tab_b.close()
    # Well within PRESENCE_TTL (60 s). Earlier tests' agents leaving may still be
    # telling of presence, so frames before this one don't count.
    while (await visitor.receive(timeout=10)) != {"type": "presence", "agents_online": False}:
        pass
    await visitor.close()
