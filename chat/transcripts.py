"""A conversation as the visitor saw it: public messages only, never internal
notes, attachments as links. Emailed on the visitor's request (chat/tasks.py) and
downloaded by agents, as text or HTML, from the same templates."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from helpdesk.models import Ticket

from . import attachments, selectors

TEMPLATE = "emails/transcript"


def transcript_context(ticket: Ticket) -> dict:
    lines = []
    for message in selectors.ticket_history(ticket, include_internal=False):
        lines.append(
            {
                "when": timezone.localtime(message.created_at),
                "who": message.sender_name or message.get_sender_type_display(),
                "system": message.sender_type == message.SenderType.SYSTEM,
                "body": message.body,
                "attachment": {
                    "name": message.attachment_name,
                    # Absolute: the email is read far from the dashboard.
                    "url": settings.PARLEY["SITE_URL"] + attachments.link(message.pk),
                }
                if message.attachment
                else None,
            }
        )
    return {"ticket": ticket, "lines": lines}


def render_transcript(ticket: Ticket, *, kind: str, language: str | None = None) -> str:
    """``kind`` is "txt" or "html"."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_to_string(f"{TEMPLATE}.{kind}", transcript_context(ticket))
