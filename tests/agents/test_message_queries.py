"""What an agent's reply costs the database, pinned per transport, so the lean
message path (docs/benchmarks.md, issue 10) stays lean. The count includes what
runs when the transaction commits (the offline-notification hook, which queues
the check for the reply).

Each reply: find the ticket the agent may see, then lock it (with its visitor),
update the ticket and insert the message (a resent client_id is found by the
insert's conflict); plus the
transaction's own BEGIN and COMMIT (savepoints in a test). The ticket is already
assigned and open, so the reply changes nothing else and inboxes get only
``ticket.activity``."""

import pytest

from agents import tasks

from ..conftest import agent_socket, receive_until


@pytest.fixture
def queued(monkeypatch):
    """The reply's check is queued, not run: it runs minutes later, elsewhere."""
    monkeypatch.setattr(tasks.notify_visitor_of_replies, "apply_async", lambda *a, **k: None)


@pytest.mark.django_db
def test_a_reply_over_rest_costs_a_fixed_number_of_queries(
    bob_api, ticket_ann, queued, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url = f"/api/agent/tickets/{ticket_ann.pk}/messages/"
    with django_capture_on_commit_callbacks(execute=True):
        bob_api.post(url, {"body": "first", "client_id": "c-0"}, format="json")
    with (
        django_assert_num_queries(PINNED_REST),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = bob_api.post(url, {"body": "On it", "client_id": "c-1"}, format="json")
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
async def test_a_reply_over_the_socket_costs_a_fixed_number_of_queries(
    ticket_ann, agent_bob, queued, kept_queries
):
    socket, _ = await agent_socket(agent_bob)
    frame = {"type": "message.send", "ticket": ticket_ann.pk, "body": "first", "client_id": "c-0"}
    await socket.send_json_to(frame)
    await receive_until(socket, "message.ack")
    before = len(kept_queries())
    await socket.send_json_to({**frame, "body": "On it", "client_id": "c-1"})
    await receive_until(socket, "message.ack")
    queries = (kept_queries())[before:]
    assert len(queries) == PINNED_SOCKET, "\n".join(queries)
    await socket.disconnect()


# The agent's profile (the permission) and the ticket, then the reply.
PINNED_REST = 2 + 3 + 2
# The socket knows the agent; the ticket is found per frame, then the reply.
PINNED_SOCKET = 1 + 3 + 2
