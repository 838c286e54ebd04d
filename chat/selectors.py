"""Reads shared by the consumers, the REST views and the tasks."""

from django.db.models import QuerySet

from helpdesk.models import Ticket, Visitor, Widget

from .models import Message


def ticket_history(
    ticket: Ticket, *, after: int = 0, limit: int | None = None, include_internal: bool
) -> list[Message]:
    """Messages with ``seq > after`` in order; visitors pass ``include_internal=False``."""
    messages = Message.objects.filter(ticket=ticket, seq__gt=after).order_by("seq")
    if not include_internal:
        messages = messages.filter(internal=False)
    if limit is not None:
        messages = messages[:limit]
    return list(messages)


def visitor_tickets(visitor: Visitor) -> QuerySet[Ticket]:
    return Ticket.objects.filter(visitor=visitor).select_related("visitor").order_by("-created_at")


def visitor_ticket(visitor: Visitor, ticket_id: object) -> Ticket:
    """The visitor's own ticket; any other id raises ``Ticket.DoesNotExist``."""
    if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
        raise Ticket.DoesNotExist
    return visitor_tickets(visitor).get(pk=ticket_id)


def widget_by_key(key: object) -> Widget:
    """The widget an embed tag names; anything else raises ``Widget.DoesNotExist``."""
    if not isinstance(key, str) or not key or len(key) > 40:
        raise Widget.DoesNotExist
    return Widget.objects.get(key=key)
