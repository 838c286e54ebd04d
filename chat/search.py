"""Search over tickets and what was said in them, for agents: PostgreSQL's
full-text search where the database has it, a portable match on every word
elsewhere (SQLite). Agents may see internal notes, so notes are searched too."""

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

from helpdesk.models import Ticket

from .models import Message

# The "simple" configuration neither stems nor drops stop words: visitors write
# in any language, and an order number must match as typed.
SEARCH_CONFIG = "simple"
SNIPPET_RADIUS = 60


def message_document() -> SearchVector:
    """What the query searches. Migration 0004 indexes the same expression; change
    both together, or PostgreSQL stops using the index."""
    return SearchVector("body", config=SEARCH_CONFIG)


def matching_messages(query: str) -> QuerySet[Message]:
    if connection.vendor == "postgresql":
        search = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        return Message.objects.annotate(document=message_document()).filter(document=search)
    messages = Message.objects.all()
    for word in query.split():
        messages = messages.filter(body__icontains=word)
    return messages


def search_tickets(tickets: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    """``tickets`` whose subject, visitor or messages match ``query``."""
    about = Q()
    for word in query.split():
        about &= (
            Q(subject__icontains=word)
            | Q(visitor__name__icontains=word)
            | Q(visitor__email__icontains=word)
        )
    said = Q(pk__in=matching_messages(query).values("ticket_id"))
    return tickets.filter(about | said)


def match_snippets(ticket_ids: list[int], query: str) -> dict[int, dict]:
    """For each ticket, its newest matching message: ``{seq, snippet}``."""
    found: dict[int, dict] = {}
    messages = (
        matching_messages(query)
        .filter(ticket_id__in=ticket_ids)
        .order_by("ticket_id", "-seq")
        .only("ticket_id", "seq", "body")
    )
    for message in messages:
        if message.ticket_id not in found:
            found[message.ticket_id] = {
                "seq": message.seq,
                "snippet": snippet(message.body, query.split()),
            }
    return found


def snippet(body: str, words: list[str]) -> str:
    """The text around the first word found, cut at spaces, as plain text."""
    pattern = "|".join(re.escape(word.strip('"')) for word in words if word.strip('"'))
    match = re.search(pattern, body, re.IGNORECASE) if pattern else None
    at = match.start() if match else 0
    start = max(0, at - SNIPPET_RADIUS)
    end = min(len(body), at + SNIPPET_RADIUS)
    if start > 0:
        start = body.find(" ", start, at) + 1 or start
    if end < len(body):
        end = body.rfind(" ", at, end) if body.rfind(" ", at, end) > at else end
    text = " ".join(body[start:end].split())
    return ("…" if start > 0 else "") + text + ("…" if end < len(body) else "")
