"""Reads shared by the consumers, the REST views and the tasks."""

import functools
from collections.abc import Iterable

from django.db.models import QuerySet

from helpdesk.compiled import CompiledGet
from helpdesk.models import Ticket, Visitor, Widget

from .models import Message

# The largest id or seq a database integer holds (PostgreSQL bigint, SQLite):
# anything larger a client sends is no id or seq of ours, and would overflow the
# query it went into.
INTEGER_MAX = 2**63 - 1


def with_inbox_relations(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Everything ``events.ticket_payload`` reads, in two queries for any number."""
    return tickets.select_related(*INBOX_RELATED).prefetch_related("tags")


# What ``events.ticket_payload`` reads through foreign keys.
INBOX_RELATED = ("visitor", "assignee__agent_profile", "team")


def locked_ticket(ticket_id: int, *, related: tuple[str, ...] = INBOX_RELATED) -> Ticket:
    """The ticket, row-locked to the end of the transaction, with ``related``
    joined (not locked): by default what its inbox payload reads. Compiled once
    for each ``related``: every message runs it (helpdesk/compiled.py)."""
    return _locking(related).get(ticket_id)


@functools.cache
def _locking(related: tuple[str, ...]) -> CompiledGet:
    return CompiledGet(Ticket.objects.select_for_update(of=("self",)).select_related(*related))


def ticket_history(
    ticket: Ticket, *, after: int = 0, limit: int | None = None, include_internal: bool
) -> list[Message]:
    """Messages with ``seq > after`` in order; visitors pass ``include_internal=False``."""
    messages = _visible(ticket, include_internal).filter(seq__gt=after).order_by("seq")
    if limit is not None:
        messages = messages[:limit]
    return list(messages)


def ticket_history_before(
    ticket: Ticket, *, before: int | None, limit: int, include_internal: bool
) -> tuple[list[Message], bool]:
    """The ``limit`` messages just before ``before`` (or the newest), in order, and
    whether older ones exist: a page of history scrolled back into."""
    messages = _visible(ticket, include_internal).order_by("-seq")
    if before is not None:
        messages = messages.filter(seq__lt=before)
    page = list(messages[: limit + 1])
    return page[:limit][::-1], len(page) > limit


def _visible(ticket: Ticket, include_internal: bool) -> QuerySet[Message]:
    messages = Message.objects.filter(ticket=ticket)
    return messages if include_internal else messages.filter(internal=False)


def visitor_tickets(visitor: Visitor) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(visitor=visitor).select_related("visitor__widget")
    return tickets.order_by("-created_at")


def visitor_ticket(visitor: Visitor, ticket_id: object) -> Ticket:
    """The visitor's own ticket; any other id raises ``Ticket.DoesNotExist``."""
    if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
        raise Ticket.DoesNotExist
    return visitor_tickets(visitor).get(pk=ticket_id)


def last_seqs(ticket_ids: Iterable[int], *, visitor: Visitor | None = None) -> dict[int, int]:
    """Ticket id -> last seq, in one query, for ``pong``. With ``visitor``: only
    their own tickets still open to messages, and the last seq they may see."""
    if visitor is None:
        return dict(Ticket.objects.filter(pk__in=ticket_ids).values_list("pk", "last_seq"))
    tickets = Ticket.objects.filter(pk__in=ticket_ids, visitor=visitor).exclude(
        status=Ticket.Status.CLOSED
    )
    return dict(tickets.values_list("pk", "last_public_seq"))


def widget_by_key(key: object) -> Widget:
    """The widget an embed tag names; anything else raises ``Widget.DoesNotExist``."""
    if not isinstance(key, str) or not key or len(key) > 40:
        raise Widget.DoesNotExist
    return Widget.objects.get(key=key)
