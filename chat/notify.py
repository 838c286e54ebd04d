"""Who hears of what. The one place that picks the recipients of a stored message
and of a changed ticket: agents' inboxes, the ticket's watchers (agents who have
it open), the visitor's tabs, and the listeners of ``ticket_changed`` (routing).

Services call these inside their transaction; nothing is sent unless it commits,
and everything one commit tells goes to the channel layer in one trip.
Transports (consumers, views, tasks, admin) never broadcast ticket news
themselves: they call a service, which calls this.
"""

from collections.abc import Iterable

from django.db import transaction

from helpdesk.models import Ticket

from . import events, signals
from .models import Message

# What the widget shows of a ticket; other changes stay among agents. The place in
# the queue is told separately (``queue_places``), as it moves for other tickets.
# "visitor": a conversation that came with a sign-in (chat.identity) shows up on
# the person's other devices at once.
VISITOR_SEES = frozenset({"status", "assistant", "visitor"})


def message_posted(
    message: Message, *, prev_public_seq: int, changed: Iterable[str] = (), by: object = None
) -> None:
    """``message`` is stored. ``changed`` names the ticket's fields that moved with
    it (a reply that opens the chat, the changes an action line records); ``by``
    is who changed them, for the listeners of ``ticket_changed``."""
    ticket = message.ticket
    frames = [
        ([events.ticket_group(ticket.pk)], events.message_new(message, prev_seq=message.seq - 1))
    ]
    if not message.internal:
        frames.append(
            (
                [events.visitor_group(ticket.visitor_id)],
                events.message_new(message, prev_seq=prev_public_seq),
            )
        )
    changed = frozenset(changed)
    if not changed:
        # Every inbox shows the ticket's last message and wait. A message that
        # changes nothing else tells only those fields: the whole row, with its
        # relations and tags, cost about a sixth of a message (docs/benchmarks.md).
        frames.append(([events.AGENTS_GROUP], events.ticket_activity(ticket)))
    _tell_changes(ticket, changed, by, frames)


def ticket_changed(ticket: Ticket, *, changed: Iterable[str], by: object = None) -> None:
    """``ticket`` changed without a message (a rating)."""
    _tell_changes(ticket, frozenset(changed), by, [])


def queue_places(tickets: Iterable[Ticket], places: dict[int, int]) -> None:
    """Tell each of ``tickets``' visitors their place in the queue (none: they left
    it). Called by routing after a pass, with the places it computed once."""
    events.broadcast_many(
        [
            (
                [events.visitor_group(ticket.visitor_id)],
                events.visitor_ticket_updated(ticket, places=places),
            )
            for ticket in tickets
        ]
    )


def _tell_changes(
    ticket: Ticket, changed: frozenset[str], by: object, frames: list[tuple[list[str], dict]]
) -> None:
    if changed:
        # Every inbox shows the whole row, so agents hear of every change.
        frames.append(([events.AGENTS_GROUP], events.ticket_updated(ticket)))
    if changed & VISITOR_SEES:
        frames.append(
            ([events.visitor_group(ticket.visitor_id)], events.visitor_ticket_updated(ticket))
        )
    # Robust: a channel layer that fails (Redis down) must not turn a stored
    # message into an error for its sender, who then gets the ack it is owed; the
    # peers learn of the tail from their next pong (docs/protocol.md, "Delivery").
    transaction.on_commit(lambda: events.broadcast_many(frames), robust=True)
    if changed:
        # Robust: a listener (routing) that fails must not fail a change that is
        # already committed; the heartbeat check's routing pass catches up.
        transaction.on_commit(
            lambda: signals.ticket_changed.send(
                sender=Ticket, ticket=ticket, changed=changed, by=by
            ),
            robust=True,
        )
