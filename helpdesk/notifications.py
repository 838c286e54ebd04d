"""Sending an email once. Every notification has a purpose key; the first task to
hold it sends the email and records it, and every retry or redelivery after that
finds it sent and does nothing.

The record is committed right after the send. A worker killed between the two
(a few milliseconds) leaves the task to be run again, which sends again: email
can't be taken back, so that window is the one place a second copy can come from.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification


def send_once(
    purpose: str,
    *,
    to: list[str],
    template: str,
    context: dict,
    language: str | None = None,
) -> bool:
    """Send ``templates/emails/<template>``: ``.subject.txt``, ``.txt`` and
    ``.html``, in ``language``, to ``to``, unless ``purpose`` was sent before.
    Returns whether it sent."""
    to = sorted({address for address in to if address})
    if not to:
        return False
    with transaction.atomic():
        record, _ = Notification.objects.select_for_update().get_or_create(purpose=purpose)
        if record.sent_at is not None:
            return False
        with translation.override(language or settings.LANGUAGE_CODE):
            subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
            text = render_to_string(f"emails/{template}.txt", context)
            html = render_to_string(f"emails/{template}.html", context)
        email = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
        email.attach_alternative(html, "text/html")
        email.send()
        record.recipients = ", ".join(to)
        record.subject = subject
        record.sent_at = timezone.now()
        record.save(update_fields=["recipients", "subject", "sent_at"])
    return True


def language_for(locale: str) -> str:
    """Parley's language closest to a browser's ``locale`` ("de-AT" -> "de")."""
    try:
        return translation.get_supported_language_variant(locale.replace("_", "-"))
    except LookupError:
        return settings.LANGUAGE_CODE
