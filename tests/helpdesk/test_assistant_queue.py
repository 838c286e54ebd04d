"""A chat the assistant is answering is nobody's to pick up yet: it stays out of
the queue until it is handed to a person."""

import pytest

from helpdesk import queue
from helpdesk.models import Ticket
from helpdesk.services import ticket_open

pytestmark = pytest.mark.django_db


def test_a_chat_the_assistant_answers_is_not_queued_until_handed_over(visitor_ann):
    plain = ticket_open(visitor=visitor_ann, channel=Ticket.Channel.CHAT)
    helped = ticket_open(visitor=visitor_ann, channel=Ticket.Channel.CHAT, assistant=True)
    assert helped.assistant == Ticket.Assistant.ACTIVE
    assert queue.is_queued(plain) and not queue.is_queued(helped)
    assert list(queue.queued_tickets()) == [plain]
    assert queue.position(helped) is None

    Ticket.objects.filter(pk=helped.pk).update(assistant=Ticket.Assistant.HANDED_OFF)
    helped.refresh_from_db()
    assert queue.is_queued(helped)
    assert list(queue.queued_tickets()) == [plain, helped]
    assert queue.position(helped) == 2
