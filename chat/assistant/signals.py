"""A visitor who writes in an assistant's chat other than by asking it (the
socket, the REST fallback, an attachment) is talking to people: the chat is
handed over, so nothing they write sits unanswered outside the queue."""

from contextvars import ContextVar

from django.dispatch import receiver

from chat import ticket_actions
from chat.models import Message
from chat.signals import message_posted
from helpdesk.models import Ticket

# Set while services.ask stores a question, whose message is the assistant's to answer.
asking: ContextVar[bool] = ContextVar("assistant_asking", default=False)


@receiver(message_posted)
def hand_over_on_other_visitor_lines(sender, message: Message, **kwargs):
    if asking.get() or message.sender_type != Message.SenderType.VISITOR:
        return
    if message.ticket.assistant != Ticket.Assistant.ACTIVE:
        return
    ticket_actions.ticket_change(
        ticket_id=message.ticket_id,
        by=ticket_actions.Actor.assistant(),
        assistant=Ticket.Assistant.HANDED_OFF,
    )
