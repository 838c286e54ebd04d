"""How a conversation ends: the visitor ends it, rates it, and may ask for the
transcript by email, after the end or during the chat for when it ends."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.models import Ticket

from . import events, selectors
from .models import TranscriptRequest
from .services import Sender, post_message
from .signals import ticket_ended
from .tasks import send_transcript

ENDED = {Ticket.Status.RESOLVED, Ticket.Status.CLOSED}
# Each request emails an address the visitor typed: a cap keeps the form from
# being used to send mail to strangers.
TRANSCRIPTS_PER_TICKET = 3
RATING_COMMENT_MAX_LENGTH = 1000
AUTO_RESOLVED_LINE = "This chat was resolved after a quiet while."


@transaction.atomic
def end_conversation(*, ticket: Ticket) -> Ticket:
    """The visitor ends the chat: the ticket is resolved, and the thread says so
    (a system message, so agents and the transcript see when it happened).
    Ending an ended conversation changes nothing."""
    ticket = selectors.locked_ticket(ticket.pk)
    if ticket.status in ENDED:
        return ticket
    return _resolve(ticket, f"{ticket.visitor.display_name} ended the chat.")


@transaction.atomic
def resolve_if_idle(*, ticket_id: int, quiet_since: datetime) -> bool:
    """Resolve a ticket nobody has written in since ``quiet_since`` whose visitor
    is not waiting for an answer (the agent had the last word). Checked again
    under the lock, so a message since the sweep looked keeps it open."""
    ticket = selectors.locked_ticket(ticket_id)
    last = ticket.last_message_at or ticket.created_at
    if ticket.status in ENDED or ticket.waiting_since is not None or last >= quiet_since:
        return False
    _resolve(ticket, AUTO_RESOLVED_LINE)
    return True


def _resolve(ticket: Ticket, line: str) -> Ticket:
    """Resolve the locked ``ticket`` and say so in the thread, for everyone."""
    ticket.status = Ticket.Status.RESOLVED
    ticket.resolved_at = timezone.now()
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    # Resolved first, so the inbox update post_message sends already says so.
    message = post_message(ticket=ticket, sender=Sender.system(), body=line)
    send_waiting_transcripts(ticket=ticket)
    # The visitor's tabs learn that the chat is over.
    events.broadcast_on_commit(
        [events.visitor_group(ticket.visitor_id)], events.visitor_ticket_updated(message.ticket)
    )
    transaction.on_commit(
        lambda: ticket_ended.send(sender=Ticket, ticket=message.ticket), robust=True
    )
    return message.ticket


@transaction.atomic
def rate_conversation(*, ticket: Ticket, rating: int, comment: str = "") -> Ticket:
    """A rating of 1 to 5 and a comment, once the conversation has ended. Rating
    again replaces the earlier one."""
    ticket = selectors.locked_ticket(ticket.pk)
    if ticket.status not in ENDED:
        raise ValidationError(_("Rate the conversation once it has ended."), code="not_ended")
    ticket.rating = rating
    ticket.rating_comment = comment.strip()[:RATING_COMMENT_MAX_LENGTH]
    ticket.save(update_fields=["rating", "rating_comment", "updated_at"])
    events.broadcast_on_commit([events.AGENTS_GROUP], events.ticket_updated(ticket))
    return ticket


@transaction.atomic
def request_transcript(*, ticket: Ticket, email: str) -> TranscriptRequest:
    """Record the request. Once the conversation has ended, the email is queued
    when the request is committed; before that, the request waits for the end
    (``on_end``). A ticket has one waiting request: asking again changes its
    address."""
    # Locked, so two requests at once can't both pass the cap, and the status
    # can't change under us: an end either sees this request or came before it.
    ticket = selectors.locked_ticket(ticket.pk)
    on_end = ticket.status not in ENDED
    waiting = ticket.transcript_requests.filter(on_end=True).first() if on_end else None
    if waiting is not None:
        waiting.email = email
        waiting.save(update_fields=["email"])
        return waiting
    # Waiting ones count: each will be an email.
    if ticket.transcript_requests.count() >= TRANSCRIPTS_PER_TICKET:
        raise ValidationError(
            _("This conversation's transcript has been requested too often."),
            code="too_many_transcripts",
        )
    request = TranscriptRequest.objects.create(ticket=ticket, email=email, on_end=on_end)
    if not on_end:
        transaction.on_commit(lambda: send_transcript.delay(request.pk))
    return request


def send_waiting_transcripts(*, ticket: Ticket) -> None:
    """The conversation has just ended: queue the transcripts asked for during it,
    sent once the end, and the line that says so, are committed. Call it from
    every path that moves a ticket into ENDED, in its transaction, with the ticket
    locked. Each request waits for one end only, so a chat reopened and ended
    again sends nothing more. A blocked visitor's requests are dropped."""
    waiting = list(ticket.transcript_requests.filter(on_end=True).values_list("pk", flat=True))
    if not waiting:
        return
    TranscriptRequest.objects.filter(pk__in=waiting).update(on_end=False)
    if ticket.visitor.is_blocked:
        return
    for request_id in waiting:
        transaction.on_commit(lambda request_id=request_id: send_transcript.delay(request_id))
