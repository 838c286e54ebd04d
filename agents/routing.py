"""Who gets a new chat.

A chat in the queue (helpdesk/queue.py) goes to an available agent with room:

- available: an active account, chosen status online, connected now, and for a
  chat of a team, a member of that team while the team is open (business hours);
- with room: fewer active chats than their ``max_concurrent_chats``;
- of those, the least loaded, and of equals the one whose last routed chat is the
  oldest, so that equals take turns.

A pass runs when a chat arrives, when an agent comes online, when a ticket ends or
changes hands, and in the heartbeat check (agents.services.after_agent_heartbeat,
every few seconds while an agent is connected) for whatever else makes room (an
admin's edit, a team opening, the idle sweep).

Race safety: a pass locks every agent profile, always in the same order, before it
counts anyone's chats, so passes in different processes take turns and two never
see the same free seat. An agent who takes a chat by hand may go over their
maximum: that is their choice, not routing's.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from chat import notify
from chat.ticket_actions import Actor, ticket_change
from helpdesk import queue
from helpdesk.business_hours import closed_team_ids
from helpdesk.models import Ticket
from helpdesk.presence import AGENTS

from .models import AgentProfile

# Chats given out per pass at most; the next pass takes the rest.
BATCH = 100
# How many visitors in the queue are told their place; those further back hear of
# it as they move up.
TOLD_LIMIT = 500
# The places visitors were last told, so a pass tells only those that changed.
TOLD_KEY = "routing:told-places"
NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass
class Seat:
    """An available agent during a pass, with what routing weighs."""

    profile: AgentProfile
    load: int
    team_ids: set[int]

    def has_room(self) -> bool:
        return self.load < self.profile.max_concurrent_chats

    def takes(self, ticket: Ticket, closed: set[int]) -> bool:
        if not self.has_room():
            return False
        return ticket.team_id is None or (
            ticket.team_id in self.team_ids and ticket.team_id not in closed
        )

    def turn(self) -> tuple:
        return (self.load, self.profile.last_assigned_at or NEVER, self.profile.pk)


def route_queue() -> int:
    """One routing pass (unless PARLEY_AUTO_ASSIGN is off), then every visitor
    whose place in the queue changed is told. Returns how many chats were
    assigned. Call it outside a transaction."""
    assigned = 0
    if settings.PARLEY["AUTO_ASSIGN"] and queue.queued_tickets().exists():
        assigned = _assign_queued_chats()
    tell_queue_places()
    return assigned


@transaction.atomic
def _assign_queued_chats() -> int:
    profiles = list(
        AgentProfile.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(user__is_active=True)
        .order_by("pk")
    )
    # Everyone full is the common case while chats wait: done before the queue is read.
    seats = _seats_with_room(profiles)
    if not seats:
        return 0
    closed = closed_team_ids(timezone.now())
    assigned = 0
    # Skipping the rows an agent is taking by hand right now: the next pass
    # finds them assigned, or queued again.
    for ticket in queue.queued_tickets().select_for_update(of=("self",), skip_locked=True)[:BATCH]:
        takers = [seat for seat in seats if seat.takes(ticket, closed)]
        if not takers:
            continue
        seat = min(takers, key=Seat.turn)
        _give(ticket, seat.profile)
        seat.load += 1
        assigned += 1
    return assigned


def _seats_with_room(profiles: list[AgentProfile]) -> list[Seat]:
    """The available agents with room among the locked ``profiles``, each with
    their load counted after the lock was taken."""
    connected = AGENTS.online_ids([profile.user_id for profile in profiles])
    available = [
        profile
        for profile in profiles
        if profile.status == AgentProfile.Status.ONLINE and profile.user_id in connected
    ]
    if not available:
        return []
    loads = dict(
        Ticket.objects.filter(queue.ACTIVE, assignee__in=[p.user_id for p in available])
        .values_list("assignee")
        .annotate(Count("pk"))
    )
    seats = [Seat(profile, loads.get(profile.user_id, 0), set()) for profile in available]
    seats = [seat for seat in seats if seat.has_room()]
    by_profile = {seat.profile.pk: seat for seat in seats}
    for profile_id, team_id in AgentProfile.teams.through.objects.filter(
        agentprofile__in=list(by_profile)
    ).values_list("agentprofile_id", "team_id"):
        by_profile[profile_id].team_ids.add(team_id)
    return seats


def _give(ticket: Ticket, profile: AgentProfile) -> None:
    profile.last_assigned_at = timezone.now()
    profile.save(update_fields=["last_assigned_at"])
    ticket_change(ticket_id=ticket.pk, by=Actor.routing(), assignee=profile.user)


def tell_queue_places() -> None:
    """Tell each visitor whose place in the queue changed since they were last
    told, including those who left it. Two processes telling at once may leave
    the record behind the truth; the next pass then tells again, never less."""
    places = queue.positions(TOLD_LIMIT)
    told: dict[int, int] = cache.get(TOLD_KEY, {})
    changed = {
        ticket_id
        for ticket_id in places.keys() | told.keys()
        if places.get(ticket_id) != told.get(ticket_id)
    }
    if not changed:
        return
    notify.queue_places(Ticket.objects.filter(pk__in=changed), places)
    cache.set(TOLD_KEY, places, timeout=None)
