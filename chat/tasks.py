"""Background work of the conversation layer, run by the Celery worker."""

from celery import shared_task
from django.utils import timezone

from helpdesk.celery import EMAIL_RETRY
from helpdesk.notifications import language_for, send_once

from .models import TranscriptRequest
from .transcripts import TEMPLATE, transcript_context


@shared_task(**EMAIL_RETRY)
def send_transcript(request_id: int) -> None:
    """Email a requested transcript once (helpdesk.notifications: once per request)."""
    request = (
        TranscriptRequest.objects.select_related("ticket__visitor").filter(pk=request_id).first()
    )
    if request is None:
        return  # its ticket was deleted meanwhile
    ticket = request.ticket
    send_once(
        f"transcript:{request.pk}",
        to=[request.email],
        template=TEMPLATE.removeprefix("emails/"),
        context=transcript_context(ticket),
        language=language_for(ticket.visitor.metadata.get("locale", "")),
    )
    TranscriptRequest.objects.filter(pk=request.pk, sent_at=None).update(sent_at=timezone.now())
