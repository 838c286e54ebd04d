"""Search over tickets and what was said in them, for agents: PostgreSQL's
full-text search where the database has it, a portable match on every word
elsewhere (SQLite). Agents may see internal notes, so notes are searched too."""

import re
import shlex

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


def search_terms(query: str) -> tuple[list[str], list[str]]:
    """Words and "quoted phrases" to find, and those after a ``-`` to leave out."""
    try:
        parts = shlex.split(query)
    except ValueError:  # an unclosed quote: take the words as they are
        parts = query.replace('"', " ").split()
    wanted = [part for part in parts if not part.startswith("-") and part.strip()]
    unwanted = [part[1:] for part in parts if part.startswith("-") and part[1:].strip()]
    return wanted, unwanted


def _messages() -> QuerySet[Message]:
    if connection.vendor == "postgresql":
        return Message.objects.annotate(document=message_document())
    return Message.objects.all()


def _said(term: str) -> Q:
    """A message containing ``term``: as whole words on PostgreSQL (a phrase keeps
    its order), as a substring elsewhere."""
    if connection.vendor == "postgresql":
        phrase = f'"{term}"' if " " in term else term
        return Q(document=SearchQuery(phrase, search_type="websearch", config=SEARCH_CONFIG))
    return Q(body__icontains=term)


def _found(term: str) -> Q:
    """A ticket with ``term`` in its subject, its visitor or any of its messages."""
    return (
        Q(subject__icontains=term)
        | Q(visitor__name__icontains=term)
        | Q(visitor__email__icontains=term)
        | Q(pk__in=_messages().filter(_said(term)).values("ticket_id"))
    )


def search_tickets(tickets: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    """``tickets`` holding every wanted term somewhere (subject, visitor or a
    message, not necessarily the same one) and no unwanted one."""
    wanted, unwanted = search_terms(query)
    for term in wanted:
        tickets = tickets.filter(_found(term))
    for term in unwanted:
        tickets = tickets.exclude(_found(term))
    return tickets


def match_snippets(ticket_ids: list[int], query: str) -> dict[int, dict]:
    """For each ticket, its newest message with a wanted term: ``{seq, snippet}``."""
    wanted, _ = search_terms(query)
    if not wanted:
        return {}
    said = Q()
    for term in wanted:
        said |= _said(term)
    messages = (
        _messages()
        .filter(said, ticket_id__in=ticket_ids)
        .order_by("ticket_id", "-seq")
        .only("ticket_id", "seq", "body")
    )
    found: dict[int, dict] = {}
    for message in messages:
        if message.ticket_id not in found:
            found[message.ticket_id] = {
                "seq": message.seq,
                "snippet": snippet(message.body, wanted),
            }
    return found


def snippet(body: str, terms: list[str]) -> str:
    """The text around the first term found, cut at spaces, as plain text."""
    pattern = "|".join(re.escape(term) for term in terms)
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
