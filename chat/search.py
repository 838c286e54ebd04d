"""Search over tickets and what was said in them, for agents: PostgreSQL's
full-text search where the database has it, a portable match on every word
elsewhere (SQLite). Agents may see internal notes, so notes are searched too."""

import re
import shlex

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull

from helpdesk.models import Ticket, Visitor

from .models import Message

# The "simple" configuration neither stems nor drops stop words: visitors write
# in any language, and an order number must match as typed.
SEARCH_CONFIG = "simple"
SNIPPET_RADIUS = 60
# Hits of a term (tickets by subject or visitor, messages) from which it is
# common: looked for ticket by ticket in page order rather than by its ids.
COMMON_HITS = 2000


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
    if connection.vendor == "postgresql":
        return _found_indexed(term)
    return _in_ticket_or_visitor(term) | Q(
        pk__in=_messages().filter(_said(term)).values("ticket_id")
    )


def _in_ticket_or_visitor(term: str) -> Q:
    return (
        Q(subject__icontains=term)
        | Q(visitor__name__icontains=term)
        | Q(visitor__email__icontains=term)
    )


def _found_indexed(term: str) -> Q:
    """``_found`` in a shape PostgreSQL answers from indexes (migration 0006's
    trigram indexes, 0004's full-text one), chosen by how common ``term`` is.

    Written as one condition, the subject and visitor matches read every ticket
    and every visitor, and the message match reads every matching message
    before the first page can be cut. So a rare term is looked up in the
    indexes (the ids of the few tickets it is in), and a common one is checked
    ticket by ticket in the page's own order (agents/api.py TicketPagination),
    where a page fills after a few dozen tickets. Which one is decided by
    counting the term's hits, at most ``COMMON_HITS`` of them."""
    visitors = Visitor.objects.filter(Q(name__icontains=term) | Q(email__icontains=term))
    messages = _messages().filter(_said(term))
    # Unordered, or each part is sorted in full before the probe's limit applies.
    hits = (
        Ticket.objects.filter(subject__icontains=term)
        .order_by()
        .values("pk")
        .union(
            Ticket.objects.filter(visitor__in=visitors.values("pk")).order_by().values("pk"),
            messages.order_by().values("ticket_id"),
            all=True,
        )
    )
    if len(hits[:COMMON_HITS]) < COMMON_HITS:
        return Q(pk__in=hits)
    # A scalar subquery, not EXISTS: PostgreSQL may turn EXISTS into a hash of every
    # matching message, which is the cost this shape is here to avoid.
    first_message = messages.filter(ticket_id=OuterRef("pk")).order_by().values("pk")[:1]
    return _in_ticket_or_visitor(term) | Q(IsNull(Subquery(first_message), False))


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
