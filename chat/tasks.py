"""Background work of the conversation layer, run by the Celery worker."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from helpdesk.celery import EMAIL_RETRY

from . import selectors
from .models import Message, TranscriptRequest


def transcript_text(request: TranscriptRequest) -> str:
    """The conversation as plain text: what the visitor saw, never internal notes."""
    ticket = request.ticket
    lines = [f"Your conversation #{ticket.pk}: {ticket.subject}", ""]
    for message in selectors.ticket_history(ticket, include_internal=False):
        when = timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M")
        if message.sender_type == Message.SenderType.SYSTEM:
            lines.append(f"[{when}] {message.body}")
        else:
            lines.append(f"[{when}] {message.sender_name or message.sender_type}: {message.body}")
    return "\n".join(lines) + "\n"


@shared_task(**EMAIL_RETRY)
def send_transcript(request_id: int) -> None:
    """Email a requested transcript once. The row lock and ``sent_at`` make a
    retried or duplicated task a no-op after the first success."""
    with transaction.atomic():
        request = (
            TranscriptRequest.objects.select_for_update()
            .select_related("ticket")
            .filter(pk=request_id, sent_at__isnull=True)
            .first()
        )
        if request is None:
            return
        send_mail(
            subject=f"Transcript of your conversation #{request.ticket_id}",
            message=transcript_text(request),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[request.email],
        )
        request.sent_at = timezone.now()
        request.save(update_fields=["sent_at"])
