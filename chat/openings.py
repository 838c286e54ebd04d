"""What a visitor's connection starts with, on either transport (the WebSocket or
the event stream): a welcome, then every message they missed."""

from django.conf import settings
from django.utils.translation import gettext as _

from helpdesk.models import Ticket, Visitor
from helpdesk.services import visitor_touch

from . import events, selectors


def replay_frames(ticket: Ticket, *, after: int, include_internal: bool) -> list[dict]:
    """``message.new`` for every message after ``after``, chained by ``prev_seq``;
    a single ``resync`` instead past ``REPLAY_LIMIT`` (``too_far_behind``), or when
    the client holds more than the server has (``ahead``: say the database was
    restored from a backup; what it holds is no longer ours). Call it after
    joining the live group, so a message stored in between arrives twice, never
    zero times."""
    if after > (ticket.last_seq if include_internal else ticket.last_public_seq):
        return [events.resync(ticket_id=ticket.pk, reason="ahead")]
    limit = settings.PARLEY["REPLAY_LIMIT"]
    messages = selectors.ticket_history(
        ticket, after=after, limit=limit + 1, include_internal=include_internal
    )
    if len(messages) > limit:
        return [events.resync(ticket_id=ticket.pk, reason="too_far_behind")]
    frames = []
    prev_seq = after
    for message in messages:
        frames.append(events.message_new(message, prev_seq=prev_seq))
        prev_seq = message.seq
    return frames


def visitor_opening(visitor: Visitor, resume: dict[int, int], *, agents_online: bool) -> list[dict]:
    """``welcome`` with the visitor's tickets, then the replay of each ticket in
    ``resume`` (ticket id -> last seq held). Ids that aren't theirs get not_found."""
    visitor_touch(visitor=visitor)
    tickets = {ticket.pk: ticket for ticket in selectors.visitor_tickets(visitor)}
    frames = [
        events.welcome(
            you={"type": "visitor", "id": str(visitor.pk), "name": visitor.name},
            tickets=[events.visitor_ticket_payload(ticket) for ticket in tickets.values()],
            agents_online=agents_online,
        )
    ]
    for ticket_id, after in resume.items():
        if ticket_id in tickets:
            frames.extend(replay_frames(tickets[ticket_id], after=after, include_internal=False))
        else:
            message = _("No such ticket: %(id)d.") % {"id": ticket_id}
            frames.append(events.error(code="not_found", message=message))
    return frames
