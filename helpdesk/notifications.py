"""Sending an email once. Every notification has a purpose key and a
``helpdesk.Notification`` row; the first task to lock the row sends the email and
marks it sent, and every retry or redelivery after that finds it sent and sends
nothing.

Tasks are acknowledged late, so a task whose worker dies is delivered again. What
that second run does depends on where the first one died:

- Before the SMTP server answered 250 to the message: a correct server takes
  responsibility for a message only with that 250, so it has not kept it, and the
  database rolled back the open transaction with the worker's connection. The
  second run sends it: one email.
- After the commit (while saying QUIT, or before the task was acknowledged): the
  second run finds the row sent and sends nothing.
- Between the 250 and the commit: the server has the email but the row does not
  say so, and the second run sends it again. Email can't be taken back, and SMTP
  can't ask a server whether it already has a message, so this window can only be
  made small: the row is marked sent before the send, in the open transaction
  (``sent_at`` is when the send began), so after the 250 the COMMIT is all that
  is left (QUIT waits until after it), a few milliseconds. The copy sent
  again has the same ``Message-ID``, so it is recognisably the same email: some
  mail services (Gmail) show it once, other clients show both.

The row itself is created, and committed, before any send, so every attempt
sees the same row and creation time. The ``Message-ID`` comes from both, so a
purpose that comes back ("transcript:1" in a new database) is not taken for an
older email.
"""

import hashlib
from contextlib import suppress
from datetime import UTC
from email.utils import parseaddr
from smtplib import SMTPException
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .abuse.email_limits import email_allowed
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
    Addresses past their daily cap are left out. Returns whether it sent."""
    to = sorted({address for address in to if address})
    if not to:
        return False
    record, _ = Notification.objects.get_or_create(purpose=purpose)
    if record.sent_at is not None:
        return False
    # Addresses that had their day's share of email get none (abuse.email_limits).
    to = [address for address in to if email_allowed(address)]
    if not to:
        return False
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    connection = get_connection()
    email = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, to, connection=connection
    )
    email.attach_alternative(html, "text/html")
    try:
        with transaction.atomic():
            record = Notification.objects.select_for_update().get(pk=record.pk)
            if record.sent_at is not None:
                return False  # another delivery of the task sent it meanwhile
            email.extra_headers["Message-ID"] = message_id(record)
            record.recipients = ", ".join(to)
            record.subject = subject
            record.sent_at = timezone.now()
            # Written before the send, inside the transaction: a failed send rolls
            # it back, and after the server's 250 only the COMMIT is left.
            record.save(update_fields=["recipients", "subject", "sent_at"])
            # Opened here, not by the send, which would close it (QUIT) before the
            # commit.
            connection.open()
            email.send()
    finally:
        # QUIT after the commit, so a slow goodbye is not part of the window. The
        # email is the server's by then: a failed goodbye must not fail the task
        # (nor hide the error of a failed send).
        with suppress(SMTPException, OSError):
            connection.close()
    return True


def message_id(record: Notification) -> str:
    """The same for every attempt at one notification, different for any other."""
    created = record.created_at.astimezone(UTC).isoformat()
    digest = hashlib.sha256(f"{record.purpose}\n{created}".encode()).hexdigest()[:32]
    return f"<{digest}@{message_id_domain()}>"


def message_id_domain() -> str:
    """Parley's host (PARLEY_SITE_URL), else the domain it sends from."""
    host = urlsplit(settings.PARLEY["SITE_URL"]).hostname or ""
    if host and ":" not in host:  # an IPv6 address is no valid Message-ID domain
        return host
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "parley.invalid"


def language_for(locale: str) -> str:
    """Parley's language closest to a browser's ``locale`` ("de-AT" -> "de")."""
    try:
        return translation.get_supported_language_variant(locale.replace("_", "-"))
    except LookupError:
        return settings.LANGUAGE_CODE


def administrator_emails() -> list[str]:
    """Where news for the administrators goes: active superusers with an address
    (administrators are superusers)."""
    return list(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
