"""Routing across two daphne processes sharing Redis and PostgreSQL: a chat that
starts on one server goes to an agent connected to the other, the queue is told
to visitors wherever they are, and room made on one server is used at once."""

import pytest

from ..processes import post_json
from .conftest import Socket, services_stack
from .test_scale_out import new_client_id, open_agent, open_visitor

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    # One chat at a time for Ada, and the demo's own chats answered already.
    with services_stack(
        tmp_path_factory.mktemp("routing"),
        prepare="from agents.models import AgentProfile; from helpdesk.models import Ticket; "
        "AgentProfile.objects.update(max_concurrent_chats=1); "
        "Ticket.objects.update(status='resolved')",
    ) as stack:
        stack.start_servers("a", "b")
        yield stack


async def start_chat(stack, name: str, body: str) -> tuple[Socket, int]:
    session = post_json(stack.http("a", "/api/widget/session/"), {"key": "demo", "name": name})
    visitor, _ = await open_visitor(stack, "a", session["token"])
    await visitor.send({"type": "message.send", "client_id": new_client_id(), "body": body})
    ticket_id = (await visitor.receive_until("message.ack"))[-1]["ticket"]
    return visitor, ticket_id


async def place_told(visitor: Socket, ticket_id: int) -> int | None:
    """The next queue place the visitor is told for ``ticket_id``."""
    while True:
        frame = await visitor.receive()
        if frame["type"] == "ticket.updated" and frame["ticket"]["id"] == ticket_id:
            return frame["ticket"]["queue_position"]


async def assignee_told(agent: Socket, ticket_id: int) -> dict:
    """The first assignee the agent's inbox is told of for ``ticket_id``."""
    assignee = None
    while assignee is None:
        frame = await agent.receive()
        if frame["type"] == "ticket.updated" and frame["ticket"]["id"] == ticket_id:
            assignee = frame["ticket"]["assignee"]
    return assignee


async def test_chats_on_one_server_go_to_an_agent_on_the_other_and_queue_when_full(servers):
    ada, _ = await open_agent(servers, "b", "ada")

    first_visitor, first = await start_chat(servers, "Ivy", "Where is my parcel?")
    assert (await assignee_told(ada, first))["name"] == "Ada Agent"

    second_visitor, second = await start_chat(servers, "Jo", "Do you ship abroad?")
    assert await place_told(second_visitor, second) == 1

    # Ada resolves the first chat through the API on her server: the second is hers.
    answer = post_json(
        servers.http("b", f"/api/agent/tickets/{first}/"),
        {"status": "resolved"},
        {"Authorization": f"Token {servers.agent_token('ada')}"},
        method="PATCH",
    )
    assert answer["status"] == "resolved"
    assert (await assignee_told(ada, second))["name"] == "Ada Agent"
    assert await place_told(second_visitor, second) is None
    for socket in (ada, first_visitor, second_visitor):
        await socket.close()
