"""The queue: live chats that no agent has yet.

A chat waits in it from its first message until routing (agents/routing.py) gives
it to an agent with room, an agent takes it, or it ends. Chats leave it oldest
first, each among the chats for the same team, so that is the place a visitor is
told. Offline-form and API tickets are not live chats: they go to the inbox, not
the queue.
"""

from django.db.models import Q, QuerySet

from .models import Ticket

# A chat the assistant is answering waits for nobody: it joins the queue when it
# is handed to a person (chat/assistant).
QUEUED = Q(channel=Ticket.Channel.CHAT, status=Ticket.Status.NEW, assignee=None) & ~Q(
    assistant=Ticket.Assistant.ACTIVE
)
# What counts towards an agent's maximum of concurrent chats. Pending chats wait on
# the visitor, so they leave the agent room for another.
ACTIVE = Q(channel=Ticket.Channel.CHAT, status__in=[Ticket.Status.NEW, Ticket.Status.OPEN])


def queued_tickets() -> QuerySet[Ticket]:
    """The queue in the order routing takes it."""
    return Ticket.objects.filter(QUEUED).order_by("created_at", "pk")


def is_queued(ticket: Ticket) -> bool:
    return (
        ticket.channel == Ticket.Channel.CHAT
        and ticket.status == Ticket.Status.NEW
        and ticket.assignee_id is None
        and ticket.assistant != Ticket.Assistant.ACTIVE
    )


def position(ticket: Ticket) -> int | None:
    """1 for the next chat of its team to be assigned; None when not queued."""
    if not is_queued(ticket):
        return None
    ahead = Q(created_at__lt=ticket.created_at) | Q(created_at=ticket.created_at, pk__lt=ticket.pk)
    return queued_tickets().filter(ahead, team=ticket.team_id).count() + 1


def positions(limit: int) -> dict[int, int]:
    """Ticket id -> place in the queue, for the first ``limit`` queued chats."""
    places: dict[int, int] = {}
    per_team: dict[int | None, int] = {}
    for ticket_id, team_id in queued_tickets().values_list("pk", "team_id")[:limit]:
        per_team[team_id] = per_team.get(team_id, 0) + 1
        places[ticket_id] = per_team[team_id]
    return places
