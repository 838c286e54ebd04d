"""Every change to a ticket's status, assignee, team, priority or tags.

One owner for all of them, whoever makes the change: the visitor ending the chat
(widget), the idle sweep (Celery), agents (dashboard and agent API), Django admin
(form and bulk actions) and routing. ``ticket_change`` checks the change, writes
it with what goes with it (timestamps, the transcripts waiting for the end, one
line in the thread that says who did what) and hands the news to ``chat.notify``,
which decides who hears: agents' inboxes, the ticket's watchers, the visitor's
tabs, and routing, which listens for ``ticket_changed``.

Messages change a ticket's status too (a visitor writing reopens it, an agent's
first reply opens it): ``post_message`` does that under the same lock and tells
it through the same ``chat.notify``.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk import response_times
from helpdesk.models import Tag, Team, Ticket, Visitor

from . import events, selectors
from .models import Message, TranscriptRequest
from .services import Sender, post_message
from .tasks import send_transcript

TAG_MAX_LENGTH = 50
AUTO_RESOLVED_LINE = "This chat was resolved after a quiet while."
ASSIGNED_LINE = "Assigned to {name} automatically"
REQUEUED_LINE = "Back in the queue: {name} was away or offline"
HANDED_OFF_LINE = "The assistant handed this chat to a person"
# The fields this module owns; nothing else writes them.
FIELDS = ("status", "assignee", "team", "priority", "tags", "assistant")


class ActorKind(StrEnum):
    AGENT = "agent"  # a person on the team: dashboard, agent API, Django admin
    VISITOR = "visitor"
    ROUTING = "routing"
    HOUSEKEEPING = "housekeeping"  # the idle sweep
    ASSISTANT = "assistant"  # chat/assistant, handing a chat to a person


@dataclass(frozen=True)
class Actor:
    """Who changes a ticket, as its thread line names them."""

    kind: ActorKind
    name: str = ""
    user: AbstractBaseUser | None = None

    @classmethod
    def for_agent(cls, user: AbstractBaseUser, name: str) -> "Actor":
        return cls(ActorKind.AGENT, name, user)

    @classmethod
    def for_user(cls, user: AbstractBaseUser) -> "Actor":
        """A person on the team by their agent name; an admin without an agent
        profile goes by their username."""
        return cls.for_agent(user, events.agent_payload(user)["name"])

    @classmethod
    def for_visitor(cls, name: str) -> "Actor":
        return cls(ActorKind.VISITOR, name)

    @classmethod
    def routing(cls) -> "Actor":
        return cls(ActorKind.ROUTING)

    @classmethod
    def housekeeping(cls) -> "Actor":
        return cls(ActorKind.HOUSEKEEPING)

    @classmethod
    def assistant(cls) -> "Actor":
        return cls(ActorKind.ASSISTANT, "Assistant")

    @property
    def speaks_to_visitor(self) -> bool:
        """The visitor's own end and the idle sweep's are lines in their thread
        too; what the team does is recorded for agents only."""
        return self.kind in {ActorKind.VISITOR, ActorKind.HOUSEKEEPING}


@transaction.atomic
def ticket_change(*, ticket_id: int, by: Actor, note: str = "", **changes: object) -> Ticket:
    """Apply ``changes`` (any of ``FIELDS``; tags as a list of names) made by ``by``.
    ``note`` explains a transfer (a new assignee or team). Changing nothing records
    and tells nothing. Returns the ticket with what an inbox row reads."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"ticket_change() can't change {', '.join(sorted(unknown))}")
    check_ticket_change(by=by, changes=changes)
    ticket = selectors.locked_ticket(ticket_id)
    lines, changed = do_ticket_change(ticket, by=by, changes=changes, note=note.strip())
    if not changed:
        return ticket
    # The thread's record; notify tells of the changes with it, in one broadcast.
    post_message(
        ticket=ticket,
        sender=Sender.system(),
        body=" · ".join(lines),
        internal=not by.speaks_to_visitor,
        changed=changed,
        by=by,
    )
    return selectors.with_inbox_relations(Ticket.objects.all()).get(pk=ticket.pk)


def check_ticket_change(*, by: Actor, changes: dict) -> None:
    if by.kind == ActorKind.VISITOR and (
        changes.keys() - {"status"} or changes.get("status") not in Ticket.ENDED_STATUSES
    ):
        raise ValidationError(_("A visitor can only end the chat."), code="forbidden_change")
    if "status" in changes and changes["status"] not in Ticket.Status.values:
        raise ValidationError(_("Unknown status."), code="invalid_status")
    if "priority" in changes and changes["priority"] not in Ticket.Priority.values:
        raise ValidationError(_("Unknown priority."), code="invalid_priority")
    if "assistant" in changes and changes["assistant"] not in Ticket.Assistant.values:
        raise ValidationError(_("Unknown assistant state."), code="invalid_assistant")


def do_ticket_change(
    ticket: Ticket, *, by: Actor, changes: dict, note: str = ""
) -> tuple[list[str], set[str]]:
    """Write ``changes`` to the locked ``ticket``; returns the thread's words for
    them (a transfer's with its ``note``) and the names of the fields that really
    changed."""
    lines: list[str] = []
    changed: set[str] = set()
    also_saved: list[str] = []
    if "assignee" in changes and changes["assignee"] != ticket.assignee:
        previous = ticket.assignee
        ticket.assignee = changes["assignee"]
        lines.append(_assignee_line(ticket.assignee, by, previous=previous))
        changed.add("assignee")
    if "team" in changes and changes["team"] != ticket.team:
        team: Team | None = changes["team"]
        ticket.team = team
        lines.append(
            f"{by.name} moved this to {team.name}" if team else f"{by.name} took this off its team"
        )
        changed.add("team")
    if note:
        # Raised inside the transaction: a change written above is rolled back.
        if not changed & {"assignee", "team"}:
            raise ValidationError(
                _("A note goes with a transfer: pick another agent or team."),
                code="note_without_transfer",
            )
        lines[-1] += f": {note}"
    if "status" in changes and changes["status"] != ticket.status:
        status = Ticket.Status(changes["status"])
        if status in Ticket.ENDED_STATUSES and not ticket.has_ended:
            ticket.resolved_at = timezone.now()
            send_waiting_transcripts(ticket=ticket)
        elif status not in Ticket.ENDED_STATUSES:
            ticket.resolved_at = None
        also_saved += response_times.record_resolution(ticket, at=ticket.resolved_at)
        ticket.status = status
        lines.append(_status_line(status, by))
        changed.add("status")
    if "priority" in changes and changes["priority"] != ticket.priority:
        ticket.priority = changes["priority"]
        lines.append(f"{by.name} set the priority to {Ticket.Priority(ticket.priority).label}")
        changed.add("priority")
    if "tags" in changes:
        tag_lines = _retag(ticket, changes["tags"], by)
        if tag_lines:
            lines.extend(tag_lines)
            changed.add("tags")
    if "assistant" in changes and changes["assistant"] != ticket.assistant:
        ticket.assistant = Ticket.Assistant(changes["assistant"])
        if ticket.assistant == Ticket.Assistant.HANDED_OFF:
            # Handed over, the visitor waits for a person, and has since their
            # first question: the bot's answers were no person's reply.
            ticket.waiting_since = ticket.waiting_since or _first_visitor_line_at(ticket)
            also_saved.append("waiting_since")
            lines.append(HANDED_OFF_LINE)
        changed.add("assistant")
    if changed - {"tags"}:
        ticket.save(
            update_fields=[*sorted(changed - {"tags"}), "resolved_at", "updated_at", *also_saved]
        )
    return lines, changed


def _first_visitor_line_at(ticket: Ticket) -> datetime:
    first = (
        Message.objects.filter(ticket=ticket, sender_type=Message.SenderType.VISITOR)
        .order_by("seq")
        .values_list("created_at", flat=True)
        .first()
    )
    return first or timezone.now()


def _assignee_line(
    assignee: AbstractBaseUser | None, by: Actor, *, previous: AbstractBaseUser | None
) -> str:
    name = events.agent_payload(assignee)["name"] if assignee else ""
    if by.kind == ActorKind.ROUTING:
        if assignee is None:
            return REQUEUED_LINE.format(name=events.agent_payload(previous)["name"])
        return ASSIGNED_LINE.format(name=name)
    if assignee is None:
        return f"{by.name} unassigned this"
    if by.user is not None and assignee.pk == by.user.pk:
        return f"{by.name} took this"
    return f"{by.name} assigned this to {name}"


def _status_line(status: Ticket.Status, by: Actor) -> str:
    if by.kind == ActorKind.VISITOR:
        return f"{by.name} ended the chat."
    if by.kind == ActorKind.HOUSEKEEPING:
        return AUTO_RESOLVED_LINE
    return f"{by.name} set the status to {status.label}"


def _retag(ticket: Ticket, names: list[str], by: Actor) -> list[str]:
    """Set the ticket's tags; a name matches an existing tag whatever its case."""
    wanted = {}
    for name in names:
        name = name.strip()[:TAG_MAX_LENGTH]
        if name:
            wanted.setdefault(name.casefold(), name)
    current = {tag.name.casefold(): tag for tag in ticket.tags.all()}
    added = [wanted[key] for key in wanted if key not in current]
    removed = [tag.name for key, tag in current.items() if key not in wanted]
    if not added and not removed:
        return []
    ticket.tags.set([current[key] if key in current else _tag(wanted[key]) for key in wanted])
    lines = []
    if added:
        lines.append(f"{by.name} tagged this {', '.join(added)}")
    if removed:
        lines.append(f"{by.name} removed the tag {', '.join(removed)}")
    return lines


def _tag(name: str) -> Tag:
    return Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)


def send_waiting_transcripts(*, ticket: Ticket) -> None:
    """The conversation is ending: queue the transcripts asked for during it, sent
    once the end, and the line that says so, are committed. Each request waits
    for one end only, so a chat reopened and ended again sends nothing more. A
    blocked visitor's requests are dropped."""
    waiting = list(ticket.transcript_requests.filter(on_end=True).values_list("pk", flat=True))
    if not waiting:
        return
    TranscriptRequest.objects.filter(pk__in=waiting).update(on_end=False)
    if ticket.visitor.is_blocked:
        return
    for request_id in waiting:
        transaction.on_commit(lambda request_id=request_id: send_transcript.delay(request_id))


# --- who has a chat ------------------------------------------------------------------


def agent_reply(*, ticket: Ticket, sender: Sender, **message: object) -> Message:
    """An agent's message (``post_message``'s arguments). Answering a chat nobody
    has takes it (PARLEY_ASSIGN_ON_REPLY): the reply, then "Bob took this" in the
    thread, in one transaction, so a refused reply takes nothing. A note, or a
    resend of a message already stored, takes nothing either. A reply to a chat
    that ``ticket`` shows assigned costs nothing more than ``post_message``."""
    if (
        not settings.PARLEY["ASSIGN_ON_REPLY"]
        or sender.user is None
        or message.get("internal")
        or ticket.assignee_id is not None
    ):
        return post_message(ticket=ticket, sender=sender, **message)
    with transaction.atomic():
        locked = selectors.locked_ticket(ticket.pk)
        # The reply first: what one commit tells goes out in the order it was
        # written, and the take's routing pass tells the visitor the ticket as it
        # is after the commit. Taken first, that news reached the widget before
        # the reply it already counted, and the reply was not announced.
        reply = post_message(ticket=ticket, sender=sender, **message)
        if locked.assignee_id is None and reply.seq > locked.last_seq:
            ticket_change(
                ticket_id=locked.pk,
                by=Actor.for_agent(sender.user, sender.name),
                assignee=sender.user,
            )
        return reply


@transaction.atomic
def requeue_if_unattended(*, ticket_id: int, assignee_id: int) -> bool:
    """Put the chat back in the queue if it still waits on ``assignee_id`` (who
    has been away or offline too long: agents/requeue.py), with a line for the
    team. Checked again under the lock: a chat taken, resolved or handed on since
    the caller looked is left alone."""
    ticket = selectors.locked_ticket(ticket_id)
    if ticket.has_ended or ticket.assignee_id != assignee_id:
        return False
    ticket_change(ticket_id=ticket.pk, by=Actor.routing(), assignee=None)
    return True


# --- the named ways of ending a chat ---------------------------------------------------


@transaction.atomic
def end_conversation(*, ticket: Ticket) -> Ticket:
    """The visitor ends the chat: resolved, and their thread says so. Ending an
    ended conversation changes nothing."""
    ticket = selectors.locked_ticket(ticket.pk)
    if ticket.has_ended:
        return ticket
    return ticket_change(
        ticket_id=ticket.pk,
        by=Actor.for_visitor(ticket.visitor.display_name),
        status=Ticket.Status.RESOLVED,
    )


@transaction.atomic
def resolve_if_idle(*, ticket_id: int, quiet_since: datetime) -> bool:
    """Resolve a ticket nobody has written in since ``quiet_since`` whose visitor
    is not waiting for an answer (the agent had the last word). Checked again
    under the lock, so a message since the sweep looked keeps it open."""
    ticket = selectors.locked_ticket(ticket_id)
    last = ticket.last_message_at or ticket.created_at
    if ticket.has_ended or ticket.waiting_since is not None or last >= quiet_since:
        return False
    ticket_change(ticket_id=ticket.pk, by=Actor.housekeeping(), status=Ticket.Status.RESOLVED)
    return True


# --- who a ticket belongs to -------------------------------------------------------------

SIGNED_IN_LINE = "The visitor signed in: verified as {user_id}"


@transaction.atomic
def tickets_adopt(*, from_visitor: Visitor, to_visitor: Visitor) -> list[int]:
    """``from_visitor`` signed in as ``to_visitor`` (chat.identity): the
    conversations still going move to the person, each with a line for the team,
    so the chat goes on in every browser the person uses. Ended ones stay where
    they were. Returns the ids moved."""
    moved = []
    for ticket in Ticket.objects.select_for_update().filter(visitor=from_visitor).order_by("pk"):
        if ticket.has_ended:
            continue
        ticket.visitor = to_visitor
        ticket.save(update_fields=["visitor", "updated_at"])
        post_message(
            ticket=ticket,
            sender=Sender.system(),
            body=SIGNED_IN_LINE.format(user_id=to_visitor.external_id),
            internal=True,
            changed={"visitor"},
        )
        moved.append(ticket.pk)
    return moved
