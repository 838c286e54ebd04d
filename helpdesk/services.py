"""Writes of the ticket lifecycle."""

from django.utils import timezone

from .models import Ticket, Visitor


def ticket_open(
    *, visitor: Visitor, channel: str, subject: str = "", assistant: bool = False
) -> Ticket:
    """Create a ticket, for the team of the widget the visitor came through. Its
    messages are added with ``chat.services.post_message``. ``assistant``: the
    assistant answers it first, so it stays out of the queue until handed over."""
    widget = visitor.widget
    return Ticket.objects.create(
        visitor=visitor,
        channel=channel,
        subject=subject.strip()[:200],
        team_id=widget.team_id if widget else None,
        assistant=Ticket.Assistant.ACTIVE if assistant else Ticket.Assistant.NONE,
    )


def visitor_touch(*, visitor: Visitor, metadata: dict | None = None, **fields: str) -> Visitor:
    """Record that the visitor is back, with what the widget reported about them."""
    visitor.last_seen_at = timezone.now()
    update_fields = ["last_seen_at"]
    if metadata:
        visitor.metadata = {**visitor.metadata, **metadata}
        update_fields.append("metadata")
    for name, value in fields.items():
        if value:
            setattr(visitor, name, value)
            update_fields.append(name)
    visitor.save(update_fields=update_fields)
    return visitor
