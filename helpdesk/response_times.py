"""The times the reports (agents/reports) are built from, recorded on the ticket
when they happen: how long the visitor waited for a person's first reply, and how
long the conversation took to resolve, each overall and within the team's
business hours. Stored, not worked out at report time, because business hours
are per team, in its time zone, with spans past midnight: nothing a query can
sum over 10^5 tickets in time (Chatwoot records its reporting events the same
way)."""

from datetime import datetime

from .business_hours import open_seconds
from .models import Ticket


def record_first_response(ticket: Ticket, *, waited_from: datetime, at: datetime) -> list[str]:
    """A person's first public reply at ``at`` to a visitor waiting since
    ``waited_from`` (their first message: the bot's answers don't stop the clock).
    Returns the fields to save."""
    ticket.first_response_seconds = _seconds(waited_from, at)
    ticket.first_response_business_seconds = open_seconds(ticket.team, waited_from, at)
    return ["first_response_seconds", "first_response_business_seconds"]


def record_resolution(ticket: Ticket, *, at: datetime | None) -> list[str]:
    """The ticket ended at ``at`` (from its start), or was reopened (None: not
    resolved, until it ends again). Returns the fields to save."""
    if at is None:
        ticket.resolution_seconds = ticket.resolution_business_seconds = None
    else:
        ticket.resolution_seconds = _seconds(ticket.created_at, at)
        ticket.resolution_business_seconds = open_seconds(ticket.team, ticket.created_at, at)
    return ["resolution_seconds", "resolution_business_seconds"]


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))
