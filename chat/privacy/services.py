"""Exporting and erasing what Parley knows about one visitor, and erasing
conversations past the retention period."""

import json
import tempfile
import zipfile
from collections import defaultdict
from datetime import timedelta
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from helpdesk.models import Notification, Ticket, Visitor

from ..models import Message, TranscriptRequest
from ..services import messages_redact
from .models import Erasure

# Zips up to this size stay in memory; larger ones spill to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024


def visitor_export(*, visitor: Visitor) -> IO[bytes]:
    """Everything stored about ``visitor`` as a zip: ``visitor.json`` (who they
    are, their tickets with every message, internal notes marked, their
    transcript requests) and ``files/`` (what was sent in their chats). Returns
    the zip rewound, to be streamed."""
    tickets = list(
        Ticket.objects.filter(visitor=visitor)
        .prefetch_related("tags", "transcript_requests")
        .order_by("created_at", "pk")
    )
    messages = defaultdict(list)
    for message in Message.objects.filter(ticket__visitor=visitor).order_by("ticket_id", "seq"):
        messages[message.ticket_id].append(message)
    archive = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned open
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        document = {
            "exported_at": timezone.now().isoformat(),
            "visitor": {
                "id": str(visitor.pk),
                "name": visitor.name,
                "email": visitor.email,
                "external_id": visitor.external_id,
                "verified_at": _time(visitor.verified_at),
                "attributes": visitor.attributes,
                "metadata": visitor.metadata,
                "widget": visitor.widget.key if visitor.widget_id else None,
                "created_at": visitor.created_at.isoformat(),
                "last_seen_at": visitor.last_seen_at.isoformat(),
                "is_blocked": visitor.is_blocked,
                "erased_at": _time(visitor.erased_at),
            },
            "tickets": [
                _ticket_document(ticket, messages[ticket.pk], zipped) for ticket in tickets
            ],
        }
        zipped.writestr("visitor.json", json.dumps(document, indent=2, ensure_ascii=False))
    archive.seek(0)
    return archive


def _ticket_document(ticket: Ticket, messages: list[Message], zipped: zipfile.ZipFile) -> dict:
    return {
        "id": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "tags": [tag.name for tag in ticket.tags.all()],
        "created_at": ticket.created_at.isoformat(),
        "resolved_at": _time(ticket.resolved_at),
        "rating": ticket.rating,
        "rating_comment": ticket.rating_comment,
        "erased_at": _time(ticket.erased_at),
        "transcript_requests": [
            {
                "email": request.email,
                "requested_at": request.requested_at.isoformat(),
                "sent_at": _time(request.sent_at),
            }
            for request in ticket.transcript_requests.all()
        ],
        "messages": [_message_document(message, zipped) for message in messages],
    }


def _message_document(message: Message, zipped: zipfile.ZipFile) -> dict:
    attachment = None
    if message.attachment:
        # Named by ticket and seq: unique in the zip whatever the file was called.
        path = f"files/{message.ticket_id}-{message.seq}-{PurePath(message.attachment_name).name}"
        try:
            with message.attachment.open("rb") as file, zipped.open(path, "w") as target:
                while chunk := file.read(1024 * 1024):
                    target.write(chunk)
        except FileNotFoundError:
            path = None  # gone from storage: the record says so rather than failing
        attachment = {
            "name": message.attachment_name,
            "type": message.attachment_type,
            "size": message.attachment_size,
            "file": path,
        }
    return {
        "seq": message.seq,
        "sender": {"type": message.sender_type, "name": message.sender_name},
        "body": message.body,
        "internal": message.internal,
        "created_at": message.created_at.isoformat(),
        "attachment": attachment,
    }


def _time(value) -> str | None:
    return value.isoformat() if value else None


@transaction.atomic
def visitor_erase(*, visitor: Visitor, by: AbstractBaseUser | None) -> Erasure:
    """Erase ``visitor``: every message of their tickets redacted (the rows and
    their seq stay, ``chat.services.messages_redact``), their files deleted from
    storage, the tickets' subjects, rating comments and transcript requests gone,
    their name, email, verified id and metadata cleared, and their address taken
    off the email log. Records who did it in an ``Erasure``. The visitor row and
    the tickets stay (with their times, statuses and ratings), so counts and
    reports still add up."""
    visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
    tickets = list(Ticket.objects.filter(visitor=visitor).order_by("pk"))
    erasure = Erasure(
        visitor_id=visitor.pk,
        by=by,
        by_name=by.get_username() if by is not None else "",
        reason=Erasure.Reason.REQUEST,
    )
    _erase_tickets(erasure, tickets)
    _clear_visitor(visitor)
    erasure.visitor_cleared = True
    erasure.save()
    return erasure


def _erase_tickets(erasure: Erasure, tickets: list[Ticket]) -> None:
    now = timezone.now()
    for ticket in tickets:
        messages, files = messages_redact(ticket=ticket)
        erasure.messages += messages
        erasure.files += files
        erasure.tickets.append(ticket.pk)
    ids = [ticket.pk for ticket in tickets]
    TranscriptRequest.objects.filter(ticket_id__in=ids).delete()
    Ticket.objects.filter(pk__in=ids).update(subject="", rating_comment="", erased_at=now)


def _clear_visitor(visitor: Visitor) -> None:
    if visitor.email:
        # The email log names who was written to; the purposes stay, so nothing
        # is sent twice.
        Notification.objects.filter(recipients__icontains=visitor.email).update(
            recipients="", subject=""
        )
    Visitor.objects.filter(pk=visitor.pk).update(
        name="",
        email="",
        external_id="",
        verified_at=None,
        attributes={},
        metadata={},
        erased_at=timezone.now(),
    )


def erase_expired(*, now=None) -> list[Erasure]:
    """Erase the conversations resolved or closed more than
    PARLEY_RETENTION_DAYS ago (0: keep for ever), one ``Erasure`` per visitor;
    a visitor left with nothing but erased tickets, and not seen within the
    period either, is cleared too."""
    days = settings.PARLEY["RETENTION_DAYS"]
    if not days:
        return []
    cutoff = (now or timezone.now()) - timedelta(days=days)
    expired = Ticket.objects.filter(
        status__in=Ticket.ENDED_STATUSES, resolved_at__lt=cutoff, erased_at__isnull=True
    ).order_by("visitor_id", "pk")
    by_visitor = defaultdict(list)
    for ticket in expired:
        by_visitor[ticket.visitor_id].append(ticket)
    erasures = []
    for visitor_id, tickets in by_visitor.items():
        with transaction.atomic():
            erasure = Erasure(visitor_id=visitor_id, reason=Erasure.Reason.RETENTION)
            _erase_tickets(erasure, tickets)
            visitor = Visitor.objects.select_for_update().get(pk=visitor_id)
            if (
                visitor.erased_at is None
                and visitor.last_seen_at < cutoff
                and not visitor.tickets.filter(erased_at__isnull=True).exists()
            ):
                _clear_visitor(visitor)
                erasure.visitor_cleared = True
            erasure.save()
        erasures.append(erasure)
    return erasures
