"""A chat never waits on someone who left: one assigned to an agent who has been
away or offline for PARLEY_REQUEUE_AFTER goes back to the queue, with a line for
the team (chat.ticket_actions.requeue_if_unattended), and routing gives it to
someone available.

Run by the heartbeat check (agents.services.after_agent_heartbeat, every few
seconds while a dashboard is open) and by beat where presence is shared
(agents.tasks.requeue_unattended_chats). "Away or offline since" is when a check
first saw the assignee unavailable, kept in the cache for the installation: at
most one check's interval later than they really left, and forgotten as soon
as they are back.
"""

import time

from django.conf import settings
from django.core.cache import cache

from chat.ticket_actions import requeue_if_unattended
from helpdesk.models import Ticket
from helpdesk.presence import AGENTS

from .models import AgentProfile

# user id -> when a check first saw them unavailable with chats assigned (unix time)
AWAY_SINCE_KEY = "routing:away-since"
WAITING_STATUSES = [Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING]


def requeue_unattended(*, now: float | None = None) -> int:
    """Requeue the chats of assignees unavailable for PARLEY_REQUEUE_AFTER
    seconds (0: never); returns how many."""
    after = settings.PARLEY["REQUEUE_AFTER"]
    if not after:
        return 0
    now = time.time() if now is None else now
    waiting = Ticket.objects.filter(status__in=WAITING_STATUSES, assignee__isnull=False)
    assignees = set(waiting.values_list("assignee_id", flat=True).distinct())
    choosing_online = list(
        AgentProfile.objects.filter(
            user_id__in=assignees, user__is_active=True, status=AgentProfile.Status.ONLINE
        ).values_list("user_id", flat=True)
    )
    available = AGENTS.online_ids(choosing_online) if choosing_online else set()
    told = cache.get(AWAY_SINCE_KEY) or {}
    away_since = {user_id: told.get(user_id, now) for user_id in assignees - set(available)}
    if away_since != told:
        cache.set(AWAY_SINCE_KEY, away_since, timeout=None)
    gone = [user_id for user_id, since in away_since.items() if now - since >= after]
    if not gone:
        return 0
    return sum(
        requeue_if_unattended(ticket_id=ticket_id, assignee_id=assignee_id)
        for ticket_id, assignee_id in waiting.filter(assignee_id__in=gone)
        .order_by("pk")
        .values_list("pk", "assignee_id")
    )
