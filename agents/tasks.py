"""Work of the agent side run by the Celery worker: offline notifications
(agents/offline_notifications.py) and the periodic housekeeping (beat, see
CELERY_BEAT_SCHEDULE). Each may run twice (late acknowledgement, retries): sending
is once per purpose, and housekeeping checks again before it changes anything."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from chat.ticket_actions import resolve_if_idle
from helpdesk.celery import EMAIL_RETRY

from . import accounts, offline_notifications
from .requeue import requeue_unattended
from .routing import route_queue
from .selectors import idle_ticket_ids
from .services import broadcast_presence_if_changed


@shared_task(name="agents.tasks.send_agent_invite", **EMAIL_RETRY)
def send_agent_invite(user_id: int, invited_at: str) -> None:
    accounts.invite_email(user_id=user_id, invited_at=invited_at)


@shared_task(**EMAIL_RETRY)
def notify_team_of_waiting_visitor(ticket_id: int) -> None:
    offline_notifications.email_team_about_waiting_visitor(ticket_id)


@shared_task(**EMAIL_RETRY)
def notify_visitor_of_replies(ticket_id: int, seq: int) -> None:
    offline_notifications.email_visitor_unseen_replies(ticket_id, seq)


@shared_task
def resolve_idle_tickets() -> int:
    """Resolve open tickets quiet for PARLEY_AUTO_RESOLVE_AFTER whose visitor is not
    waiting for an answer; returns how many."""
    after = settings.PARLEY["AUTO_RESOLVE_AFTER"]
    if not after:
        return 0
    quiet_since = timezone.now() - timedelta(seconds=after)
    return sum(
        resolve_if_idle(ticket_id=ticket_id, quiet_since=quiet_since)
        for ticket_id in idle_ticket_ids(quiet_since)
    )


@shared_task(name="agents.tasks.requeue_unattended_chats", time_limit=300)
def requeue_unattended_chats() -> int:
    """Beat's side of agents.requeue, for when no dashboard is open to run it.
    Only where presence is shared (Redis): the embedded default's worker has a
    cache of its own, with nobody connected in it, and would take every chat
    from everyone; there the heartbeat check alone runs it."""
    if not settings.REDIS_URL:
        return 0
    requeued = requeue_unattended()
    if requeued:
        route_queue()
    return requeued


@shared_task
def sweep_presence() -> None:
    """Tell everyone about presence that changed without a word: an agent whose
    server process died is offline once their heartbeat expires."""
    broadcast_presence_if_changed()
