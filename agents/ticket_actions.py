"""What agents do to a ticket besides writing in it: assign or transfer it,
change its status or priority, tag it. Each change is saved, told to every
dashboard, and recorded in the thread as an internal system line, so the history
says who did what and why."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chat import events, selectors
from chat.closing import ENDED, send_waiting_transcripts
from chat.services import Sender, post_message
from helpdesk.models import Tag, Team, Ticket

from .models import AgentProfile
from .routing import route_queue

TAG_MAX_LENGTH = 50


def _name(user: AbstractBaseUser | None) -> str:
    payload = events.agent_payload(user)
    return payload["name"] if payload else ""


@transaction.atomic
def ticket_change(*, ticket_id: int, by: AgentProfile, note: str = "", **changes: object) -> Ticket:
    """Apply ``changes`` (any of status, priority, tags, assignee, team) made by
    agent ``by``. ``note`` explains a transfer (a new assignee or team).
    Changing nothing records nothing."""
    ticket = selectors.locked_ticket(ticket_id)
    lines = []
    transfer = False
    if "assignee" in changes and changes["assignee"] != ticket.assignee:
        assignee = changes["assignee"]
        ticket.assignee = assignee
        transfer = True
        if assignee is None:
            lines.append(f"{by.display_name} unassigned this")
        elif assignee.pk == by.user_id:
            lines.append(f"{by.display_name} took this")
        else:
            lines.append(f"{by.display_name} assigned this to {_name(assignee)}")
    if "team" in changes and changes["team"] != ticket.team:
        team: Team | None = changes["team"]
        ticket.team = team
        transfer = True
        lines.append(
            f"{by.display_name} moved this to {team.name}"
            if team
            else f"{by.display_name} took this off its team"
        )
    if note.strip():
        if not transfer:
            raise ValidationError(
                "A note goes with a transfer: pick another agent or team.",
                code="note_without_transfer",
            )
        lines[-1] += f": {note.strip()}"
    status_changed = "status" in changes and changes["status"] != ticket.status
    if status_changed:
        status = changes["status"]
        if status in ENDED and ticket.status not in ENDED:
            ticket.resolved_at = timezone.now()
            send_waiting_transcripts(ticket=ticket)
        elif status not in ENDED:
            ticket.resolved_at = None
        ticket.status = status
        lines.append(f"{by.display_name} set the status to {Ticket.Status(status).label}")
    if "priority" in changes and changes["priority"] != ticket.priority:
        ticket.priority = changes["priority"]
        label = Ticket.Priority(ticket.priority).label
        lines.append(f"{by.display_name} set the priority to {label}")
    if "tags" in changes:
        lines.extend(_retag(ticket, changes["tags"], by))
    if not lines:
        return ticket
    ticket.save()
    # The thread's record; its broadcast also carries the new ticket to every inbox.
    post_message(ticket=ticket, sender=Sender.system(), body=" · ".join(lines), internal=True)
    if status_changed:  # the only change a visitor's widget shows
        events.broadcast_on_commit(
            [events.visitor_group(ticket.visitor_id)], events.visitor_ticket_updated(ticket)
        )
    if transfer or status_changed:  # an agent may have room now, or the queue moved
        transaction.on_commit(route_queue, robust=True)
    return selectors.with_inbox_relations(Ticket.objects.all()).get(pk=ticket.pk)


def _retag(ticket: Ticket, names: list[str], by: AgentProfile) -> list[str]:
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
    tags = [current[key] if key in current else _tag(wanted[key]) for key in wanted]
    ticket.tags.set(tags)
    lines = []
    if added:
        lines.append(f"{by.display_name} tagged this {', '.join(added)}")
    if removed:
        lines.append(f"{by.display_name} removed the tag {', '.join(removed)}")
    return lines


def _tag(name: str) -> Tag:
    return Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
