"""Routing under real concurrency: threads with their own PostgreSQL connections
open chats and run routing passes at the same moment, and no agent ever ends up
over their maximum, nor a chat with two agents."""

import pytest
from django.db.models import Count

from agents import routing
from chat.models import Message
from chat.services import start_conversation
from helpdesk import queue
from helpdesk.models import Ticket
from helpdesk.presence import AGENTS

from ..chat.test_concurrency import run_in_threads
from ..factories import AgentFactory, VisitorFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


@pytest.fixture
def agents_with_room_for(widget):
    """Agents online with room for ``per_agent`` chats each."""

    def make(count: int, per_agent: int) -> list:
        agents = [AgentFactory(max_concurrent_chats=per_agent) for _ in range(count)]
        for agent in agents:
            AGENTS.connect(agent.user_id)
        return agents

    return make


def loads() -> dict[int, int]:
    return dict(
        Ticket.objects.filter(queue.ACTIVE, assignee__isnull=False)
        .values_list("assignee")
        .annotate(Count("pk"))
    )


def test_simultaneous_new_chats_never_push_an_agent_over_capacity(widget, agents_with_room_for):
    agents = agents_with_room_for(count=3, per_agent=2)
    visitors = [VisitorFactory(widget=widget) for _ in range(THREADS)]

    def open_chat(index: int) -> None:
        start_conversation(visitor=visitors[index], body=f"Chat {index}")
        routing.route_queue()  # as the beat pass might, at the same moment

    assert run_in_threads(open_chat, THREADS) == []
    assert Ticket.objects.count() == THREADS
    assert loads() == {agent.user_id: 2 for agent in agents}
    assert queue.queued_tickets().count() == THREADS - 6
    assert Message.objects.filter(body__startswith="Assigned to").count() == 6


def test_simultaneous_passes_give_each_chat_to_one_agent_once(widget, agents_with_room_for):
    # The chats come in while nobody is around; then everyone's passes run at once.
    tickets = [
        Ticket.objects.get(
            pk=start_conversation(visitor=VisitorFactory(widget=widget), body="Hi").ticket_id
        )
        for _ in range(10)
    ]
    agents = agents_with_room_for(count=3, per_agent=1)

    assert run_in_threads(lambda index: routing.route_queue(), THREADS) == []
    assert loads() == {agent.user_id: 1 for agent in agents}
    lines = Message.objects.filter(ticket__in=tickets, body__startswith="Assigned to")
    assert lines.count() == 3
    assert sorted(lines.values_list("ticket", flat=True).distinct()) == sorted(
        Ticket.objects.filter(assignee__isnull=False).values_list("pk", flat=True)
    )
    # The oldest three went first.
    assert {t.pk for t in tickets[:3]} == set(
        Ticket.objects.filter(assignee__isnull=False).values_list("pk", flat=True)
    )
