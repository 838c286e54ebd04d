"""The periodic jobs beat runs: quiet tickets are resolved, and presence that
changed without a word (a server process died) is told."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from agents import tasks
from agents.services import broadcast_presence
from chat import events
from chat.models import Message
from chat.services import Sender, post_message
from chat.ticket_actions import AUTO_RESOLVED_LINE, resolve_if_idle
from helpdesk.models import Ticket
from helpdesk.presence import AGENTS

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def quiet_for(ticket, age: timedelta) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(last_message_at=timezone.now() - age)


@pytest.fixture
def answered(ticket_ann, agent_bob):
    """Ann asked, Bob answered: the agent had the last word."""
    post_message(ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body="Hi")
    post_message(ticket=ticket_ann, sender=Sender.for_agent(agent_bob.user, "Bob"), body="Hello")
    return ticket_ann


def test_a_quiet_answered_ticket_is_resolved_and_the_thread_says_so(
    answered, broadcasts, django_capture_on_commit_callbacks
):
    quiet_for(answered, 2 * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resolve_idle_tickets() == 1
    answered.refresh_from_db()
    assert answered.status == Ticket.Status.RESOLVED and answered.resolved_at
    line = Message.objects.filter(ticket=answered).last()
    assert (line.sender_type, line.internal, line.body) == ("system", False, AUTO_RESOLVED_LINE)
    told_visitor = [e for g, e in broadcasts if g == [events.visitor_group(answered.visitor_id)]]
    assert told_visitor[-1]["type"] == "ticket.updated"
    assert told_visitor[-1]["ticket"]["status"] == "resolved"


def test_a_waiting_visitor_a_recent_ticket_or_auto_resolve_off_stay_open(
    answered, ticket_ben, settings
):
    post_message(ticket=ticket_ben, sender=Sender.for_visitor(ticket_ben.visitor), body="Help?")
    quiet_for(ticket_ben, 2 * DAY)  # Ben waits for an answer: never closed on him
    quiet_for(answered, DAY / 2)
    assert tasks.resolve_idle_tickets() == 0
    quiet_for(answered, 2 * DAY)
    settings.PARLEY = {**settings.PARLEY, "AUTO_RESOLVE_AFTER": 0}
    assert tasks.resolve_idle_tickets() == 0
    assert set(Ticket.objects.values_list("status", flat=True)) == {"open", "new"}


def test_a_message_after_the_sweep_looked_keeps_the_ticket_open(answered):
    quiet_since = timezone.now() - DAY
    quiet_for(answered, 2 * DAY)
    Ticket.objects.filter(pk=answered.pk).update(last_message_at=timezone.now())  # just now
    assert resolve_if_idle(ticket_id=answered.pk, quiet_since=quiet_since) is False
    answered.refresh_from_db()
    assert answered.status == Ticket.Status.OPEN


def test_the_sweep_tells_of_an_agent_whose_server_died(agent_bob, agent_cat, broadcasts):
    AGENTS.connect(agent_bob.user_id)
    broadcast_presence()
    tasks.sweep_presence()
    before = len(broadcasts)  # nothing changed: nothing said
    assert before == 2

    cache.delete_many(AGENTS._keys(agent_bob.user_id))  # Bob's process died; his slot ran out
    tasks.sweep_presence()
    to_agents = broadcasts[-2][1]
    assert {a["name"]: a["connected"] for a in to_agents["agents"]} == {"Bob": False, "Cat": False}
    assert broadcasts[-1][1] == {"type": "presence", "agents_online": False}
    tasks.sweep_presence()
    assert len(broadcasts) == before + 2
