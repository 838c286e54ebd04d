"""After a conversation: the visitor rates it, and may ask for the transcript by
email, after the end or during the chat for when it ends (sent by
chat.ticket_actions, which owns every end)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from helpdesk.models import Ticket

from . import notify, selectors
from .models import TranscriptRequest
from .tasks import send_transcript

# Each request emails an address the visitor typed: a cap keeps the form from
# being used to send mail to strangers.
TRANSCRIPTS_PER_TICKET = 3
RATING_COMMENT_MAX_LENGTH = 1000


@transaction.atomic
def rate_conversation(*, ticket: Ticket, rating: int, comment: str = "") -> Ticket:
    """A rating of 1 to 5 and a comment, once the conversation has ended. Rating
    again replaces the earlier one."""
    ticket = selectors.locked_ticket(ticket.pk)
    if not ticket.has_ended:
        raise ValidationError(_("Rate the conversation once it has ended."), code="not_ended")
    ticket.rating = rating
    ticket.rating_comment = comment.strip()[:RATING_COMMENT_MAX_LENGTH]
    ticket.save(update_fields=["rating", "rating_comment", "updated_at"])
    notify.ticket_changed(ticket, changed={"rating"})
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
    on_end = not ticket.has_ended
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
