"""What a visitor's message costs the database, pinned per transport, so the lean
message path (docs/benchmarks.md, issue 10) stays lean. The count includes what
runs when the transaction commits (the offline-notification hook), with an agent
online, as on a working day: with nobody online each message is checked at once.
Who is online is asked at most once a second (pinned in
tests/agents/test_offline_notifications.py), so it is not counted here: on a
slow run a second may pass between two messages.

Each message, once the sender is known: lock the ticket (with its visitor),
update the ticket and insert the message (a resent client_id is found by the
insert's conflict, not looked for first); plus the
transaction's own BEGIN and COMMIT (savepoints in a test). A message that changes
nothing else tells agents' inboxes only its own fields (``ticket.activity``), so
the ticket's tags and other relations are not read."""

import pytest
from channels.db import database_sync_to_async

from chat.models import Message
from chat.visitor_auth import visitor_token

from ..conftest import as_visitor, visitor_socket


@pytest.fixture
def agents_around(monkeypatch):
    monkeypatch.setattr("agents.signals.team_online", lambda team_id: True)


@pytest.mark.django_db
def test_a_message_over_rest_costs_a_fixed_number_of_queries(
    api, ticket_ann, agents_around, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client = as_visitor(api, ticket_ann.visitor)
    url = f"/api/widget/tickets/{ticket_ann.pk}/messages/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"body": "first", "client_id": "c-0"}, format="json")
    with (
        django_assert_num_queries(PINNED_REST),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(url, {"body": "Hello?", "client_id": "c-1"}, format="json")
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
async def test_a_message_over_the_socket_costs_a_fixed_number_of_queries(
    ticket_ann, agents_around, kept_queries
):
    token = await database_sync_to_async(visitor_token)(ticket_ann.visitor)
    socket, _ = await visitor_socket(token)
    frame = {"type": "message.send", "ticket": ticket_ann.pk, "body": "first", "client_id": "c-0"}
    await socket.send_json_to(frame)
    await socket.receive_json_from()
    # Whose ticket it is was checked by the first message; the socket remembers.
    before = len(kept_queries())
    await socket.send_json_to({**frame, "body": "Hello?", "client_id": "c-1"})
    frames = [await socket.receive_json_from() for _ in range(2)]
    queries = (kept_queries())[before:]
    assert len(queries) == PINNED_SOCKET, "\n".join(queries)
    assert "message.ack" in {frame["type"] for frame in frames}
    assert await database_sync_to_async(Message.objects.count)() == 2
    await socket.disconnect()


# The visitor and whose ticket it is (the token, the URL), then the message.
PINNED_REST = 2 + 3 + 2
# The socket knows the visitor and, after their first message, the ticket.
PINNED_SOCKET = 3 + 2
