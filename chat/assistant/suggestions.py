"""A reply drafted for an agent from the knowledge base: the same retrieval and
answer backend as the assistant, on the visitor's latest words. The agent
accepts, edits or dismisses it; nothing is sent or stored here."""

import asyncio
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.conf import settings

from chat.models import Message
from helpdesk.knowledge import retrieval
from helpdesk.knowledge.models import Language
from helpdesk.models import Ticket

from .answering import sources_of
from .backends import Backend, BackendError, Refused, configured_backend

# The visitor's last few lines make the query: the question is often split.
QUERY_MESSAGES = 3


@dataclass(frozen=True)
class Suggestion:
    body: str
    sources: list[dict]
    language: str


def ticket_language(ticket: Ticket) -> str:
    """The language the assistant last answered in, else the visitor's locale."""
    last = ticket.assistant_answers.order_by("-created_at").values_list("language", flat=True)
    language = last.first() or (ticket.visitor.metadata.get("locale") or "")[:2].lower()
    return language if language in Language.values else Language.EN


def suggest_reply(ticket: Ticket, *, backend: Backend | None = None) -> Suggestion | None:
    """A draft answering the visitor's latest messages, or None when no passage is
    good enough or the backend can't write one in time."""
    lines = list(
        Message.objects.filter(
            ticket=ticket, sender_type=Message.SenderType.VISITOR, internal=False
        )
        .order_by("-seq")
        .values_list("body", flat=True)[:QUERY_MESSAGES]
    )
    if not lines:
        return None
    config = settings.PARLEY["ASSISTANT"]
    language = ticket_language(ticket)
    query = "\n".join(reversed(lines))
    hits = [
        hit
        for hit in retrieval.search(query, language, limit=config["PASSAGES"])
        if hit.score >= config["MIN_SCORE"]
    ]
    if not hits:
        return None
    backend = backend or configured_backend(paced=False)
    try:
        body = async_to_sync(_write)(backend, query, hits, language, config)
    except (BackendError, Refused, TimeoutError):
        return None
    if not body:
        return None
    widget = ticket.visitor.widget
    sources = sources_of(hits, widget.key) if widget is not None else []
    return Suggestion(body=body, sources=sources, language=language)


async def _write(backend: Backend, query: str, hits, language: str, config: dict) -> str:
    pieces = []
    stream = backend.stream(query, hits, language)
    try:
        async with asyncio.timeout(config["ANSWER_TIMEOUT"]):
            async for piece in stream:
                pieces.append(piece)
                if sum(map(len, pieces)) >= config["ANSWER_MAX_CHARS"]:
                    break
    finally:
        await stream.aclose()
    return "".join(pieces).strip()[: config["ANSWER_MAX_CHARS"]]
