"""Reads for the agent side."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, Q, QuerySet
from rest_framework.authtoken.models import Token

from chat.selectors import with_inbox_relations
from helpdesk.models import Ticket

from .models import AgentProfile, CannedResponse

INBOX_STATUSES = [Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING]
# Waiting for an agent: nobody has it, and the assistant is not answering it (a
# chat it answers shows under "all" until it is handed over).
UNASSIGNED = Q(assignee=None) & ~Q(assistant=Ticket.Assistant.ACTIVE)
# The dashboard's views of the inbox; "resolved" holds closed tickets too.
VIEWS = ["unassigned", "mine", "all", "resolved"]


def agent_profile(user: AbstractBaseUser | None) -> AgentProfile | None:
    """The user's agent profile if they may work the dashboard, else None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return AgentProfile.objects.filter(user=user).select_related("user").first()


def agent_account_active(user_id: int) -> bool:
    """Whether the user may still work the dashboard: active, with a profile. One
    query; asked again by open sockets, since a queryset update that deactivates
    someone sends no signal."""
    return AgentProfile.objects.filter(user_id=user_id, user__is_active=True).exists()


def user_for_api_token(key: object) -> AbstractBaseUser | None:
    if not isinstance(key, str) or not key or len(key) > 64:
        return None
    token = Token.objects.filter(key=key).select_related("user").first()
    return token.user if token else None


def agent_tickets(*, statuses: list[str] | None = None) -> QuerySet[Ticket]:
    """Tickets an agent may see. Every agent sees every ticket for now; teams and
    roles narrow this in one place, here."""
    tickets = Ticket.objects.select_related("visitor").order_by("-last_message_at", "-id")
    if statuses:
        tickets = tickets.filter(status__in=statuses)
    return tickets


def agent_ticket(ticket_id: object) -> Ticket:
    if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
        raise Ticket.DoesNotExist
    return agent_tickets().get(pk=ticket_id)


def inbox_view(view: str | None, *, user: AbstractBaseUser | None) -> QuerySet[Ticket]:
    """One of ``VIEWS`` (None: every ticket, any status), with what ticket
    payloads read."""
    tickets = with_inbox_relations(agent_tickets())
    if view is None:
        return tickets
    if view == "resolved":
        return tickets.filter(status__in=Ticket.ENDED_STATUSES)
    tickets = tickets.filter(status__in=INBOX_STATUSES)
    if view == "unassigned":
        return tickets.filter(UNASSIGNED)
    if view == "mine":
        return tickets.filter(assignee=user)
    return tickets


def open_tickets_by_wait() -> QuerySet[Ticket]:
    """The open inbox as the dashboard shows it: the longest wait first, then the
    latest activity."""
    return inbox_view("all", user=None).order_by(
        F("waiting_since").asc(nulls_last=True), F("last_message_at").desc(nulls_last=True), "-id"
    )


def inbox_counts(*, user: AbstractBaseUser) -> dict[str, int]:
    """How many tickets each view holds, in one query."""
    open_ = Q(status__in=INBOX_STATUSES)
    return Ticket.objects.aggregate(
        unassigned=Count("pk", filter=open_ & UNASSIGNED),
        mine=Count("pk", filter=open_ & Q(assignee=user)),
        all=Count("pk", filter=open_),
        resolved=Count("pk", filter=Q(status__in=Ticket.ENDED_STATUSES)),
    )


def visible_canned(user: AbstractBaseUser) -> QuerySet[CannedResponse]:
    return CannedResponse.objects.filter(Q(owner=None) | Q(owner=user))


def idle_ticket_ids(quiet_since: datetime) -> list[int]:
    """Open tickets nobody has written in since ``quiet_since`` and whose visitor
    is not waiting for an answer: the ones auto-resolve may close."""
    return list(
        Ticket.objects.filter(
            # A chat the assistant answered stays new (no person opened it).
            Q(status__in=[Ticket.Status.OPEN, Ticket.Status.PENDING])
            | Q(status=Ticket.Status.NEW, assistant=Ticket.Assistant.ACTIVE),
            waiting_since__isnull=True,
            last_message_at__lt=quiet_since,
        ).values_list("pk", flat=True)
    )
