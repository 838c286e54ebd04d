"""The assistant's writes: taking a visitor's question, storing its answer (a
bot line through the one write path), handing the chat to a person, ratings."""

import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException

from chat import selectors, ticket_actions
from chat.models import Message
from chat.services import Sender, post_message, start_conversation
from helpdesk.models import Ticket, Visitor

from . import signals
from .models import Answer

# How long a stop request waits for the answer it names (longer than any answer).
STOP_TTL = 600

# Phrases that ask for a person, in either language, wherever the widget runs.
WANTS_PERSON = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in [
        r"\b(talk|speak|chat|connect me|put me through)\b.{0,25}\b(person|human|agent|someone"
        r"|somebody|representative|operator|support team|staff)\b",
        r"\b(real|live|actual) (person|human|agent)\b",
        r"^\W*(human|agent|person|operator)\W*(please)?\W*$",
        r"\b(mit )?(einem|einer|einen|jemandem)\b.{0,25}\b(mensch(en)?|mitarbeiter(in)?|person"
        r"|berater(in)?|agent(en)?)\b.{0,25}\b(sprechen|reden|chatten|verbinden|schreiben)\b",
        r"\b(echten?|lebendigen?|richtigen?) (mensch(en)?|person|mitarbeiter(in)?)\b",
        r"\bmitarbeiter(in)? bitte\b",
    ]
]


class AssistantOff(APIException):
    status_code = 409
    default_code = "assistant_off"
    default_detail = "The assistant does not answer in this conversation."


def wants_person(text: str) -> bool:
    return any(pattern.search(text) for pattern in WANTS_PERSON)


def may_answer(ticket: Ticket) -> bool:
    """The assistant answers until the chat is handed over or a person joins it."""
    return (
        ticket.assistant == Ticket.Assistant.ACTIVE
        and ticket.assignee_id is None
        and ticket.first_response_at is None
        and not ticket.is_closed
    )


@dataclass(frozen=True)
class Question:
    """A question stored and ready to answer; ``answer`` if it already was (a
    retried request)."""

    message: Message
    ticket: Ticket
    language: str
    answer: Answer | None


def ask(
    *, visitor: Visitor, body: str, language: str, client_id: str | None, ticket_id: int | None
) -> Question:
    """Store the visitor's question through the one write path: the first message
    of a new chat, or the next in a chat the assistant is answering. Resending
    a ``client_id`` finds the stored question (and its answer, if it has one)."""
    widget = visitor.widget
    if widget is None or not widget.assistant:
        raise AssistantOff(_("This widget has no assistant."))
    # Until the question is committed (and its message_posted sent): not a line
    # that hands the chat over (signals.py).
    marker = signals.asking.set(True)
    try:
        message = _store_question(visitor, body, client_id, ticket_id)
    finally:
        signals.asking.reset(marker)
    ticket = Ticket.objects.select_related("visitor__widget").get(pk=message.ticket_id)
    if message.sender_type != Message.SenderType.VISITOR:
        raise AssistantOff(_("A person has taken over this conversation."))
    answer = Answer.objects.select_related("reply").filter(question=message).first()
    if answer is None and not may_answer(ticket):
        raise AssistantOff(_("A person has taken over this conversation."))
    return Question(message=message, ticket=ticket, language=language, answer=answer)


def _store_question(
    visitor: Visitor, body: str, client_id: str | None, ticket_id: int | None
) -> Message:
    with transaction.atomic():
        if ticket_id is None:
            message = start_conversation(
                visitor=visitor, body=body, client_id=client_id, assistant=True
            )
        else:
            ticket = selectors.visitor_ticket(visitor, ticket_id)
            if not may_answer(ticket):
                raise AssistantOff(_("A person has taken over this conversation."))
            message = post_message(
                ticket=ticket, sender=Sender.for_visitor(visitor), body=body, client_id=client_id
            )
    return message


def bot_name(language: str) -> str:
    with translation.override(language):
        return _("Assistant")


def reply_body(text: str, sources: list[dict], language: str, limit: int) -> str:
    """The stored line: the answer, then its sources as plain text, so history,
    replay and transcripts show where it came from."""
    if not sources:
        return text[:limit]
    with translation.override(language):
        heading = _("Sources:")
    lines = "\n".join(f"- {source['title']}: {source['url']}" for source in sources)
    tail = f"\n\n{heading}\n{lines}"
    return text[: max(0, limit - len(tail))].rstrip() + tail


def store_reply(
    *,
    question: Question,
    body: str,
    outcome: str,
    backend: str = "",
    sources: list[dict] | None = None,
    handoff_reason: str = "",
) -> Answer:
    """The assistant's line for ``question``, stored once: a second call for the
    same question (a retried request that raced the first) returns the first."""
    with transaction.atomic():
        # Two answers to one question (a retry that raced the first) take turns
        # on the ticket's lock, so the second finds the first's and stores nothing.
        selectors.locked_ticket(question.ticket.pk)
        existing = Answer.objects.filter(question=question.message).first()
        if existing is not None:
            return existing
        reply = post_message(
            ticket=question.ticket,
            sender=Sender.bot(bot_name(question.language)),
            body=body,
            client_id=f"assistant:{question.message.pk}",
        )
        return Answer.objects.create(
            ticket=question.ticket,
            question=question.message,
            reply=reply,
            outcome=outcome,
            handoff_reason=handoff_reason,
            backend=backend,
            language=question.language,
            sources=sources or [],
        )


def stop_key(question_id: int) -> str:
    return f"assistant:stop:{question_id}"


def request_stop(*, visitor: Visitor, question_id: int) -> None:
    """Ask the process writing the answer to ``question_id`` to stop. The flag is
    in the shared cache, so the stop reaches the answer on whichever server
    process writes it; it checks between pieces of text."""
    question = Message.objects.filter(
        pk=question_id, ticket__visitor=visitor, sender_type=Message.SenderType.VISITOR
    ).first()
    if question is None:
        raise Message.DoesNotExist
    cache.set(stop_key(question.pk), True, timeout=STOP_TTL)


def stop_requested(question_id: int) -> bool:
    return bool(cache.get(stop_key(question_id)))


def rate(*, answer: Answer, helpful: bool, agent=None) -> Answer:
    """A thumbs up or down, the visitor's or (with ``agent``) an agent's; a new
    rating replaces that side's old one."""
    if agent is None:
        answer.visitor_helpful = helpful
        answer.save(update_fields=["visitor_helpful"])
    else:
        answer.agent_helpful = helpful
        answer.agent_rated_by = agent
        answer.save(update_fields=["agent_helpful", "agent_rated_by"])
    return answer


def handoff_body(*, reason: str, agents_online: bool, offline_form: bool, language: str) -> str:
    with translation.override(language):
        why = {
            Answer.HandoffReason.NO_ANSWER: _("I couldn't find the answer in our help articles."),
            Answer.HandoffReason.REFUSED: _("I couldn't find the answer in our help articles."),
            Answer.HandoffReason.BACKEND_ERROR: _("Sorry, I can't answer that right now."),
        }.get(reason, "")
        if agents_online:
            then = _("I've asked a person from our team to take over; they can see this chat.")
        elif offline_form:
            then = _(
                "Nobody from our team is online right now. Leave your email address and "
                "we'll answer by email."
            )
        else:
            then = _("Nobody from our team is online right now; someone will answer here soon.")
    return f"{why} {then}".strip()


def hand_off(*, question: Question, reason: str, agents_online: bool, backend: str = "") -> Answer:
    """The assistant steps back: it says so in the thread, and the chat joins the
    queue and routing like any new chat (chat.ticket_actions)."""
    widget = question.ticket.visitor.widget
    with transaction.atomic():
        answer = store_reply(
            question=question,
            body=handoff_body(
                reason=reason,
                agents_online=agents_online,
                offline_form=widget is not None and widget.offline_form,
                language=question.language,
            ),
            outcome=Answer.Outcome.HANDOFF,
            handoff_reason=reason,
            backend=backend,
        )
        ticket_actions.ticket_change(
            ticket_id=question.ticket.pk,
            by=ticket_actions.Actor.assistant(),
            assistant=Ticket.Assistant.HANDED_OFF,
        )
    return answer


def talk_to_person(
    *, visitor: Visitor, ticket_id: int, language: str, agents_online: bool
) -> Ticket:
    """The visitor's "talk to a person" button: the same handoff as a question
    that asks for one, without a question."""
    ticket = selectors.visitor_ticket(visitor, ticket_id)
    if ticket.assistant != Ticket.Assistant.ACTIVE:
        return ticket
    with transaction.atomic():
        post_message(
            ticket=ticket,
            sender=Sender.bot(bot_name(language)),
            body=handoff_body(
                reason=Answer.HandoffReason.ASKED,
                agents_online=agents_online,
                offline_form=visitor.widget is not None and visitor.widget.offline_form,
                language=language,
            ),
        )
        return ticket_actions.ticket_change(
            ticket_id=ticket.pk,
            by=ticket_actions.Actor.assistant(),
            assistant=Ticket.Assistant.HANDED_OFF,
        )
