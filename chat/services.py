"""Writes of the conversation layer. ``post_message`` is the only code that
creates a Message: every transport (sockets, REST, API, bots) calls it."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk import response_times
from helpdesk.models import Ticket, Visitor, Widget
from helpdesk.services import ticket_open, visitor_touch

from . import events, notify, selectors
from .attachments import check_upload, display_name
from .models import Message
from .signals import message_posted

CLIENT_ID_MAX_LENGTH = 64


@dataclass(frozen=True)
class Sender:
    """Who writes a message, as the write path needs to know them."""

    type: str
    name: str = ""
    user: AbstractBaseUser | None = None

    @classmethod
    def for_visitor(cls, visitor: Visitor) -> "Sender":
        return cls(type=Message.SenderType.VISITOR, name=visitor.display_name)

    @classmethod
    def for_agent(cls, user: AbstractBaseUser, name: str) -> "Sender":
        return cls(type=Message.SenderType.AGENT, name=name, user=user)

    @classmethod
    def system(cls) -> "Sender":
        return cls(type=Message.SenderType.SYSTEM)

    @classmethod
    def bot(cls, name: str) -> "Sender":
        """The assistant (chat/assistant), under the name the visitor sees."""
        return cls(type=Message.SenderType.BOT, name=name)


def clean_body(body: object, *, allow_empty: bool = False) -> str:
    if not isinstance(body, str):
        raise ValidationError(_("The message body must be text."), code="invalid_body")
    if "\0" in body:  # PostgreSQL can't store it; no one types it
        raise ValidationError(_("The message contains a null character."), code="invalid_body")
    body = body.strip()
    if not body and not allow_empty:
        raise ValidationError(_("The message is empty."), code="empty_body")
    limit = settings.PARLEY["MESSAGE_MAX_LENGTH"]
    if len(body) > limit:
        raise ValidationError(
            _("The message is longer than %(limit)d characters.") % {"limit": limit},
            code="body_too_long",
        )
    return body


def clean_client_id(client_id: object) -> str | None:
    if client_id is None:
        return None
    if (
        not isinstance(client_id, str)
        or not 0 < len(client_id) <= CLIENT_ID_MAX_LENGTH
        or "\0" in client_id
    ):
        raise ValidationError(
            _("client_id must be a string of 1 to %(limit)d characters.")
            % {"limit": CLIENT_ID_MAX_LENGTH},
            code="invalid_client_id",
        )
    return client_id


def _status_after(ticket: Ticket, sender: Sender, internal: bool) -> str:
    if internal:
        return ticket.status
    if sender.type == Message.SenderType.VISITOR and ticket.status in {
        Ticket.Status.PENDING,
        Ticket.Status.RESOLVED,
    }:
        return Ticket.Status.OPEN
    if sender.type == Message.SenderType.AGENT and ticket.status == Ticket.Status.NEW:
        return Ticket.Status.OPEN
    return ticket.status


def _waiting_since_after(ticket: Ticket, sender: Sender, now: datetime) -> datetime | None:
    """A visitor starts waiting with their first unanswered message; a reply that
    reaches them ends the wait."""
    if sender.type == Message.SenderType.VISITOR:
        return ticket.waiting_since or now
    if sender.type in {Message.SenderType.AGENT, Message.SenderType.BOT}:
        return None
    return ticket.waiting_since


def _refusal(ticket: Ticket, sender: Sender) -> ValidationError | None:
    """Why ``sender`` may not write to the locked ``ticket`` now, if they may not."""
    # The system still records what happens to a closed ticket (who closed it).
    if ticket.is_closed and sender.type != Message.SenderType.SYSTEM:
        return ValidationError(_("This conversation is closed."), code="ticket_closed")
    # Checked here, not only when a token is shown: an open socket outlives a block.
    if sender.type == Message.SenderType.VISITOR and ticket.visitor.is_blocked:
        return ValidationError(_("This visitor is blocked."), code="blocked")
    return None


def post_message(
    *,
    ticket: Ticket,
    sender: Sender,
    body: str,
    client_id: str | None = None,
    internal: bool = False,
    attachment: UploadedFile | None = None,
    changed: Iterable[str] = (),
    by: object = None,
) -> Message:
    """Store a message with the ticket's next ``seq`` and broadcast it on commit.

    A ``client_id`` already stored on this ticket returns that message unchanged,
    so a client may resend until it sees an ack. A message with an attachment may
    have an empty body. ``changed`` and ``by``: the ticket's fields that changed
    with this message and who changed them (a new ticket, the changes a
    chat.ticket_actions line records), told with it.
    """
    body = clean_body(body, allow_empty=attachment is not None)
    attachment_type = check_upload(attachment) if attachment is not None else ""
    client_id = clean_client_id(client_id)
    # System lines may be internal too: the thread's record of assignments.
    if internal and sender.type not in {Message.SenderType.AGENT, Message.SenderType.SYSTEM}:
        raise ValidationError(_("Only agents can write internal notes."), code="forbidden_internal")
    try:
        return _store_message(
            ticket_id=ticket.pk,
            sender=sender,
            body=body,
            client_id=client_id,
            internal=internal,
            attachment=attachment,
            attachment_type=attachment_type,
            changed=set(changed),
            by=by,
        )
    except IntegrityError:
        # A resend: the unique (ticket, client_id) refused the second copy, and
        # the transaction that tried it is rolled back whole. Found here rather
        # than looked for before every insert: that lookup cost a tenth of a
        # message (docs/benchmarks.md), and resends are rare.
        existing = _stored_copy(ticket.pk, client_id)
        if existing is None:
            raise
        return existing


def _stored_copy(ticket_id: int, client_id: str | None) -> Message | None:
    if client_id is None:
        return None
    # Unordered: the model's ordering would cost more to compile than the lookup.
    return next(
        iter(Message.objects.filter(ticket_id=ticket_id, client_id=client_id).order_by()[:1]),
        None,
    )


@transaction.atomic
def _store_message(
    *,
    ticket_id: int,
    sender: Sender,
    body: str,
    client_id: str | None,
    internal: bool,
    attachment: UploadedFile | None,
    attachment_type: str,
    changed: set[str],
    by: object,
) -> Message:
    # The row lock serialises writers per ticket: seq has no gaps, and a duplicate
    # client_id sent concurrently meets the first copy's unique key once the lock
    # is released.
    # A message alone tells agents only the few fields it moves, so only the
    # visitor is joined; one that comes with changes tells the whole inbox row
    # (notify.message_posted).
    ticket = selectors.locked_ticket(
        ticket_id, related=selectors.INBOX_RELATED if changed else ("visitor",)
    )
    refusal = _refusal(ticket, sender)
    if client_id is not None and (refusal is not None or attachment is not None):
        # Where the insert is not reached (a resend to a ticket closed since), or
        # would store the file again before its key is refused, the first copy is
        # looked for first.
        existing = _stored_copy(ticket.pk, client_id)
        if existing is not None:
            return existing
    if refusal is not None:
        raise refusal
    if sender.type == Message.SenderType.VISITOR:
        # As the visitor is now, from the locked row: a name given since the caller
        # loaded them (a socket's hello) is on the message.
        sender = Sender.for_visitor(ticket.visitor)

    now = timezone.now()
    prev_public_seq = ticket.last_public_seq
    ticket.last_seq += 1
    ticket.last_message_at = now
    status = _status_after(ticket, sender, internal)
    if status != ticket.status:
        ticket.status = status
        changed.add("status")
    update_fields = ["last_seq", "last_message_at", "status", "updated_at"]
    if sender.type != Message.SenderType.SYSTEM:
        ticket.agent_unread += 1
        update_fields.append("agent_unread")
    waited_from = ticket.waiting_since
    if (
        sender.type == Message.SenderType.AGENT
        and not internal
        and ticket.first_response_seconds is None
        and waited_from is not None
    ):
        # A person's first reply after the visitor wrote; one an agent sends
        # before the visitor has said anything answers nobody yet.
        update_fields += response_times.record_first_response(
            ticket, waited_from=waited_from, at=now
        )
    if not internal:
        ticket.last_public_seq = ticket.last_seq
        update_fields.append("last_public_seq")
        ticket.waiting_since = _waiting_since_after(ticket, sender, now)
        update_fields.append("waiting_since")
    if sender.type == Message.SenderType.AGENT and not internal and not ticket.first_response_at:
        ticket.first_response_at = now
        update_fields.append("first_response_at")
    ticket.save(update_fields=update_fields)

    message = Message.objects.create(
        ticket=ticket,
        seq=ticket.last_seq,
        sender_type=sender.type,
        sender_user=sender.user,
        sender_name=sender.name,
        body=body,
        internal=internal,
        client_id=client_id,
        # Stored under a random name (storage_path), which reads the checked type.
        attachment=attachment,
        attachment_name=display_name(attachment) if attachment is not None else "",
        attachment_type=attachment_type,
        attachment_size=attachment.size if attachment is not None else 0,
    )

    notify.message_posted(message, prev_public_seq=prev_public_seq, changed=changed, by=by)
    # Robust: what listens (the offline emails) can fail without failing a message
    # that is already stored.
    transaction.on_commit(lambda: message_posted.send(sender=Message, message=message), robust=True)
    return message


@transaction.atomic
def start_conversation(
    *,
    visitor: Visitor,
    body: str,
    client_id: str | None = None,
    channel: str = Ticket.Channel.CHAT,
    attachment: UploadedFile | None = None,
    assistant: bool = False,
) -> Message:
    """Open a ticket with the visitor's first message, which may be a file;
    ``assistant``: a question for the assistant, which answers before any person.

    Retrying with the same ``client_id`` returns the first message instead of
    opening a second ticket. A widget that requires the pre-chat form refuses a
    chat from a visitor who has not given a name and an email.
    """
    body = clean_body(body, allow_empty=attachment is not None)
    client_id = clean_client_id(client_id)
    # Lock the visitor so two tabs retrying the same first message open one ticket.
    visitor = (
        Visitor.objects.select_for_update(of=("self",)).select_related("widget").get(pk=visitor.pk)
    )
    if client_id is not None:
        existing = Message.objects.filter(ticket__visitor=visitor, client_id=client_id).first()
        if existing is not None:
            return existing
    widget = visitor.widget
    if (
        channel == Ticket.Channel.CHAT
        and widget is not None
        and widget.prechat == Widget.Prechat.REQUIRED
        and not (visitor.name and visitor.email)
    ):
        raise ValidationError(
            _("Please tell us your name and email first."), code="prechat_required"
        )
    subject = body or display_name(attachment)
    ticket = ticket_open(
        visitor=visitor, channel=channel, subject=subject[:80], assistant=assistant
    )
    return post_message(
        ticket=ticket,
        sender=Sender.for_visitor(visitor),
        body=body,
        client_id=client_id,
        attachment=attachment,
        changed={"created"},
    )


@transaction.atomic
def leave_offline_message(
    *, visitor: Visitor, email: str, name: str = "", body: str, client_id: str | None = None
) -> Message:
    """What a visitor writes while no agent is online: a ticket from the offline
    form, with the email that replies will go to."""
    if visitor.widget is not None and not visitor.widget.offline_form:
        raise ValidationError(
            _("This widget does not take offline messages."), code="offline_form_disabled"
        )
    visitor_touch(visitor=visitor, email=email, name=name)
    return start_conversation(
        visitor=visitor, body=body, client_id=client_id, channel=Ticket.Channel.OFFLINE_FORM
    )


TYPING_DRAFT_MAX_LENGTH = 500


def visitor_typing_event(
    *, ticket_id: int, visitor: Visitor, state: str, draft: str | None = None
) -> tuple[list[str], dict]:
    """Where to tell that ``visitor`` started or stopped typing in their ticket,
    and what: the agents watching it, with the draft so far where the widget
    allows a sneak peek. Reads nothing but ``visitor`` and its widget, so a socket
    can tell it without a trip to the database."""
    widget = visitor.widget
    if state != "start" or (widget is not None and not widget.typing_preview):
        draft = None
    event = events.typing(
        ticket_id=ticket_id,
        sender_type="visitor",
        name=visitor.display_name,
        state=state,
        user_id=None,
        draft=draft[:TYPING_DRAFT_MAX_LENGTH] if draft is not None else None,
    )
    return [events.ticket_group(ticket_id)], event


def visitor_typing(*, ticket: Ticket, state: str, draft: str | None = None) -> None:
    """``visitor_typing_event``, told now. Nothing is stored: a lost typing event
    costs nothing."""
    groups, event = visitor_typing_event(
        ticket_id=ticket.pk, visitor=ticket.visitor, state=state, draft=draft
    )
    events.broadcast(groups, event)


def mark_seen(*, ticket: Ticket, side: str, seq: int) -> int:
    """Record that ``side`` ("visitor" or "agent") has read up to ``seq``.

    Returns the stored value, which never moves backwards and never passes the
    last message that side can see. An agent's read also recounts the ticket's
    unread messages (``Ticket.agent_unread``), told to agents with the receipt.
    """
    field = {"visitor": "visitor_seen_seq", "agent": "agent_seen_seq"}[side]
    ceiling = "last_public_seq" if side == "visitor" else "last_seq"
    seq = max(0, int(seq))
    tickets = Ticket.objects.filter(pk=ticket.pk)
    # The UPDATE holds the row lock to the end, as post_message does: no message
    # comes in between the count and its write.
    with transaction.atomic():
        tickets.update(**{field: Greatest(field, Least(seq, F(ceiling)))})
        stored, last_public_seq = tickets.values_list(field, "last_public_seq").get()
        unread = None
        if side == "agent":
            unread = (
                Message.objects.filter(ticket_id=ticket.pk, seq__gt=stored)
                .exclude(sender_type=Message.SenderType.SYSTEM)
                .count()
            )
            tickets.update(agent_unread=unread)
        # Every agent socket is in AGENTS_GROUP, so inboxes update too. The visitor
        # is told no more than their last visible message, so read notes leave no
        # trace.
        events.broadcast_on_commit(
            [events.AGENTS_GROUP],
            events.seen(ticket_id=ticket.pk, side=side, seq=stored, unread=unread),
        )
        events.broadcast_on_commit(
            [events.visitor_group(ticket.visitor_id)],
            events.seen(ticket_id=ticket.pk, side=side, seq=min(stored, last_public_seq)),
        )
    return stored


REDACTED_BODY = "[erased]"
REDACTED_VISITOR_NAME = "Visitor"


@transaction.atomic
def messages_redact(*, ticket: Ticket) -> tuple[int, int]:
    """Erase what the ticket's messages say, for the visitor's right to erasure or
    the retention period (chat.privacy). Returns (messages, files) erased.

    ``post_message`` is the only code that creates messages; this is the one
    other write to them, and it is allowed because it changes content only:
    every row stays with its ``seq``, so the ticket's counters, read receipts and
    the clients' gap detection stay true (a deleted row would be a hole that
    clients chase for ever). The body becomes ``REDACTED_BODY``, a visitor's name
    on their lines goes, and files are deleted from storage once the change
    commits (a rollback keeps them). Nothing is broadcast: an open dashboard
    shows the erased text when it next loads the thread.
    """
    selectors.locked_ticket(ticket.pk)
    messages = Message.objects.filter(ticket=ticket)
    files = [name for name in messages.values_list("attachment", flat=True) if name]
    count = messages.update(
        body=REDACTED_BODY,
        attachment="",
        attachment_name="",
        attachment_type="",
        attachment_size=0,
    )
    messages.filter(sender_type=Message.SenderType.VISITOR).update(
        sender_name=REDACTED_VISITOR_NAME
    )
    storage = Message._meta.get_field("attachment").storage

    def delete_files() -> None:
        for name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return count, len(files)
