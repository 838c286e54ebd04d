"""One answer, produced and streamed as server-sent events.

The answer is produced by a task of its own, not by the response that streams
it: a visitor whose connection drops mid-answer does not stop it, the answer is
stored through ``post_message`` when it is complete, and the widget gets it by
the normal replay (``seq``). Only a stop request (``services.request_stop``)
cuts an answer short; what was written until then is stored.

Events, in order (docs/protocol.md): ``question``, ``token``…, ``sources``,
``done`` for an answer; ``question``, ``handoff``, ``done`` when a person takes
over (a backend that fails mid-answer may have sent ``token``s before its
``handoff``: the stored line in ``done`` replaces them).
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from chat import events
from helpdesk.knowledge import retrieval
from helpdesk.knowledge.api import absolute
from helpdesk.knowledge.views import article_url
from helpdesk.models import Widget

from . import services
from .backends import Backend, BackendError, Refused, configured_backend
from .models import Answer

logger = logging.getLogger("parley.assistant")

# Seconds between checks for a stop request while an answer streams.
STOP_CHECK_INTERVAL = 0.25
# Slack on top of ANSWER_TIMEOUT before the response gives up on its producer.
WATCHDOG_SLACK = 10

# Answers whose visitors left: kept referenced so they finish (and are stored).
_running: set[asyncio.Task] = set()


def sse(event: dict) -> str:
    return f"event: {event['type']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"


def sources_of(hits: list[retrieval.Hit], widget_key: str) -> list[dict]:
    return [
        {
            "article": hit.article_id,
            "title": hit.title,
            "heading": hit.heading,
            "url": absolute(article_url(widget_key, hit)),
            "score": round(hit.score, 3),
        }
        for hit in retrieval.best_articles(hits)
    ]


def done_event(answer: Answer) -> dict:
    return {
        "type": "done",
        "outcome": answer.outcome,
        "ticket": answer.ticket_id,
        "message": events.message_payload(answer.reply) if answer.reply else None,
    }


class Answering:
    """Produces one answer to ``question`` and hands its events to ``emit``."""

    def __init__(
        self,
        question: services.Question,
        emit: Callable[[dict], None],
        *,
        agents_online: Callable[[Widget | None], bool],
        backend: Backend | None = None,
    ) -> None:
        self.question = question
        self.emit = emit
        self.agents_online = agents_online
        self.backend = backend or configured_backend()
        self.config = settings.PARLEY["ASSISTANT"]
        self.widget_key = question.ticket.visitor.widget.key

    async def run(self) -> None:
        try:
            await self._run()
        except Exception:
            # A bug must not leave the visitor waiting: hand over, and say why in the log.
            logger.exception("assistant failed on question %s", self.question.message.pk)
            await self.hand_off(Answer.HandoffReason.BACKEND_ERROR)

    async def _run(self) -> None:
        question = self.question
        if question.answer is not None:
            return self.replay(question.answer)
        text = question.message.body
        if services.wants_person(text):
            return await self.hand_off(Answer.HandoffReason.ASKED)
        hits = await database_sync_to_async(retrieval.search)(
            text, question.language, limit=self.config["PASSAGES"]
        )
        good = [hit for hit in hits if hit.score >= self.config["MIN_SCORE"]]
        if not good:
            return await self.hand_off(Answer.HandoffReason.NO_ANSWER)
        try:
            written, stopped = await self.write(text, good)
        except Refused:
            return await self.hand_off(Answer.HandoffReason.REFUSED)
        except (BackendError, TimeoutError) as exc:
            logger.warning("assistant backend %s failed: %s", self.backend.name, exc)
            return await self.hand_off(Answer.HandoffReason.BACKEND_ERROR)
        if not written and not stopped:
            return await self.hand_off(Answer.HandoffReason.NO_ANSWER)
        sources = sources_of(good, self.widget_key)
        self.emit({"type": "sources", "sources": sources})
        if not written:
            # Stopped before a word: nothing to store.
            self.emit(
                {
                    "type": "done",
                    "outcome": "stopped",
                    "ticket": question.ticket.pk,
                    "message": None,
                }
            )
            return None
        answer = await database_sync_to_async(services.store_reply)(
            question=question,
            body=services.reply_body(
                written, sources, question.language, settings.PARLEY["MESSAGE_MAX_LENGTH"]
            ),
            outcome=Answer.Outcome.STOPPED if stopped else Answer.Outcome.ANSWERED,
            backend=self.backend.name,
            sources=sources,
        )
        self.emit(done_event(answer))
        return None

    async def write(self, text: str, hits: list[retrieval.Hit]) -> tuple[str, bool]:
        """Stream the backend's answer as ``token`` events, within ANSWER_TIMEOUT;
        returns what was written and whether the visitor stopped it."""
        limit = self.config["ANSWER_MAX_CHARS"]
        loop = asyncio.get_running_loop()
        next_check = loop.time() + STOP_CHECK_INTERVAL
        written = ""
        pieces = self.backend.stream(text, hits, self.question.language)
        try:
            async with asyncio.timeout(self.config["ANSWER_TIMEOUT"]):
                async for piece in pieces:
                    piece = piece[: limit - len(written)]
                    if piece:
                        written += piece
                        self.emit({"type": "token", "text": piece})
                    if len(written) >= limit:
                        break
                    if loop.time() >= next_check:
                        next_check = loop.time() + STOP_CHECK_INTERVAL
                        if await sync_to_async(services.stop_requested)(self.question.message.pk):
                            return written.strip(), True
            # A stop that came with the last piece still counts.
            stopped = await sync_to_async(services.stop_requested)(self.question.message.pk)
            return written.strip(), stopped
        finally:
            await pieces.aclose()

    async def hand_off(self, reason: str) -> None:
        widget = self.question.ticket.visitor.widget
        online = await database_sync_to_async(self.agents_online)(widget)
        answer = await database_sync_to_async(services.hand_off)(
            question=self.question,
            reason=reason,
            agents_online=online,
            backend=self.backend.name,
        )
        self.emit(
            {
                "type": "handoff",
                "reason": reason,
                "agents_online": online,
                "offline_form": not online and widget.offline_form,
            }
        )
        self.emit(done_event(answer))

    def replay(self, answer: Answer) -> None:
        """A retried question gets the answer already stored, not a second one."""
        if answer.reply is not None and answer.outcome != Answer.Outcome.HANDOFF:
            self.emit({"type": "token", "text": answer.reply.body})
            self.emit({"type": "sources", "sources": answer.sources})
        self.emit(done_event(answer))


def question_event(question: services.Question) -> dict:
    return {
        "type": "question",
        "ticket": question.ticket.pk,
        "message": events.message_payload(question.message),
    }


async def answer_stream(
    question: services.Question, *, agents_online: Callable[[Widget | None], bool]
) -> AsyncIterator[str]:
    """The response body: events from the producer as they come. The producer
    always ends with ``done``; should it not within its own deadline plus some
    slack, the stream ends anyway."""
    queue: asyncio.Queue[dict] = asyncio.Queue()
    producer = Answering(question, queue.put_nowait, agents_online=agents_online)
    task = asyncio.create_task(producer.run())
    _running.add(task)
    task.add_done_callback(_running.discard)
    yield "retry: 2000\n\n"
    yield sse(question_event(question))
    deadline = settings.PARLEY["ASSISTANT"]["ANSWER_TIMEOUT"] + WATCHDOG_SLACK
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + deadline
    while True:
        try:
            event = await asyncio.wait_for(queue.get(), max(0.0, ends_at - loop.time()))
        except TimeoutError:
            # The request's language is no longer active while its body streams.
            with translation.override(question.language):
                message = _("No answer came in time.")
            yield sse({"type": "error", "code": "timeout", "message": message})
            return
        yield sse(event)
        if event["type"] == "done":
            return
