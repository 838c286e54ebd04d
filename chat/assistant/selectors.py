"""Reads of the assistant's record: a ticket's answers with their sources, and
deflection (chats the assistant closed without a person) per day."""

from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate

from chat.models import Message
from helpdesk.models import Ticket

from .models import Answer


def ticket_answers(ticket: Ticket) -> QuerySet[Answer]:
    return (
        Answer.objects.filter(ticket=ticket)
        .select_related("question", "reply")
        .order_by("question__seq")
    )


def answer_payload(answer: Answer) -> dict:
    return {
        "question": {"id": answer.question_id, "seq": answer.question.seq},
        "reply": {"id": answer.reply_id, "seq": answer.reply.seq} if answer.reply else None,
        "outcome": answer.outcome,
        "handoff_reason": answer.handoff_reason,
        "backend": answer.backend,
        "language": answer.language,
        "sources": answer.sources,
        "visitor_helpful": answer.visitor_helpful,
        "agent_helpful": answer.agent_helpful,
        "created_at": answer.created_at.isoformat(),
    }


def deflection_per_day(*, since: datetime) -> list[dict]:
    """Per day a chat ended (``resolved_at``), since ``since``: the chats the
    assistant answered, and of those the ones it closed without a person (never
    handed over, no agent ever wrote), with the handoffs of the day."""
    agent_wrote = Message.objects.filter(
        ticket=OuterRef("pk"), sender_type=Message.SenderType.AGENT
    )
    ended = (
        Ticket.objects.filter(resolved_at__gte=since)
        .exclude(assistant=Ticket.Assistant.NONE)
        .annotate(day=TruncDate("resolved_at"), agent_wrote=Exists(agent_wrote))
        .values("day")
        .annotate(
            assistant_chats=Count("pk"),
            deflected=Count("pk", filter=Q(assistant=Ticket.Assistant.ACTIVE, agent_wrote=False)),
            handed_off=Count("pk", filter=Q(assistant=Ticket.Assistant.HANDED_OFF)),
        )
        .order_by("day")
    )
    return [{**row, "day": _iso(row["day"])} for row in ended]


def _iso(day: date | str) -> str:
    return day if isinstance(day, str) else day.isoformat()
