"""Reads for the agent side."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from rest_framework.authtoken.models import Token

from helpdesk.models import Ticket

from .models import AgentProfile

INBOX_STATUSES = [Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING]


def agent_profile(user: AbstractBaseUser | None) -> AgentProfile | None:
    """The user's agent profile if they may work the dashboard, else None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return AgentProfile.objects.filter(user=user).select_related("user").first()


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
