"""What the agent side does when something happens elsewhere.

An agent's sockets end with their access: logging out closes that session's
sockets, deactivating the account (or taking away the agent profile) closes all
of theirs. The dashboard then finds itself at the login page.

A committed message schedules the offline notifications
(agents/offline_notifications.py); a committed ticket change that may move the
queue runs routing."""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from chat import events
from chat.consumers import CLOSE_UNAUTHENTICATED
from chat.models import Message
from chat.signals import message_posted, ticket_changed
from chat.ticket_actions import ActorKind
from helpdesk.memo import Memo, Until
from helpdesk.models import Ticket

from .models import AgentProfile
from .presence import agents_online
from .routing import route_queue
from .tasks import notify_team_of_waiting_visitor, notify_visitor_of_replies


@receiver(user_logged_out)
def close_session_sockets(sender, request, user, **kwargs):
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        events.close_sockets([events.session_group(session_key)], code=CLOSE_UNAUTHENTICATED)


@receiver(post_save, sender=get_user_model())
def close_sockets_of_deactivated_users(sender, instance, **kwargs):
    if not instance.is_active:
        events.close_sockets([events.agent_group(instance.pk)], code=CLOSE_UNAUTHENTICATED)


@receiver(post_delete, sender=AgentProfile)
def close_sockets_of_former_agents(sender, instance, **kwargs):
    events.close_sockets([events.agent_group(instance.user_id)], code=CLOSE_UNAUTHENTICATED)


# What moves the queue or frees an agent: a new chat, a chat that changed hands,
# teams or status (an agent's reply takes a chat out of the queue; an end frees a
# seat). Routing's own assignments are followed by its own telling of the places.
# A chat the assistant hands over joins the queue then.
ROUTING_FIELDS = frozenset({"created", "status", "assignee", "team", "assistant"})


@receiver(ticket_changed)
def route_after_ticket_changes(sender, ticket, changed, by, **kwargs):
    if changed & ROUTING_FIELDS and (by is None or by.kind != ActorKind.ROUTING):
        route_queue()


@receiver(ticket_changed)
def tell_team_of_handoffs(sender, ticket, changed, by, **kwargs):
    """A chat the assistant handed over waits for a person as a new chat does:
    the team hears of it at once with nobody online, else if nobody answers."""
    if "assistant" in changed and ticket.assistant == Ticket.Assistant.HANDED_OFF:
        delay = settings.PARLEY["UNANSWERED_DELAY"] if agents_online(ticket.team_id) else 0
        notify_team_of_waiting_visitor.apply_async((ticket.pk,), countdown=delay)


def _waiting_check_key(ticket_id: int) -> str:
    return f"offline-check:waiting:{ticket_id}"


# A check due this soon may already be running, and then misses a message
# committed now; a process's clock may also be behind the worker's.
CHECK_MARGIN = 2


# The checks this process queued, until they are due: a visitor's burst comes
# through one process (their socket's), and then costs no cache read a message.
checks_queued_here = Until()


def waiting_check_due_within(ticket_id: int, delay: int) -> bool:
    """Whether a waiting-visitor check of this ticket is already queued to run
    after now and no later than ``delay`` seconds from now. That check decides
    when it runs and sees this message unread if it is, just as a check of this
    message would; so a visitor writing a burst queues one task, not one each."""
    if (left := checks_queued_here.left(ticket_id)) is not None and CHECK_MARGIN < left <= delay:
        return True
    due = cache.get(_waiting_check_key(ticket_id))
    now = time.time()
    return due is not None and now + CHECK_MARGIN < due <= now + delay


def remember_waiting_check(ticket_id: int, delay: int) -> None:
    # Shared through the cache, so the processes of a deployment queue one check
    # between them; a lost or evicted entry only queues one more.
    due = time.time() + delay
    cache.set(_waiting_check_key(ticket_id), due, timeout=delay + 1)
    checks_queued_here.remember(ticket_id, due)


# The notification hook's answer to "is anyone online?", per team, kept a second.
ONLINE = Memo(1)


def team_online(team_id: int | None) -> bool:
    """``agents_online``, asked at most once a second per team and process: a
    burst of messages costs one database query and one presence read, not one
    each. A message in the second after the last agent left may then be checked
    after UNANSWERED_DELAY rather than at once."""
    return ONLINE.get(team_id, lambda: agents_online(team_id))


@receiver(message_posted)
def schedule_offline_notifications(sender, message: Message, **kwargs):
    if message.internal:
        return
    if message.sender_type == Message.SenderType.VISITOR:
        delay = settings.PARLEY["UNANSWERED_DELAY"] if team_online(message.ticket.team_id) else 0
        if not waiting_check_due_within(message.ticket_id, delay):
            notify_team_of_waiting_visitor.apply_async((message.ticket_id,), countdown=delay)
            remember_waiting_check(message.ticket_id, delay)
    elif message.sender_type == Message.SenderType.AGENT:
        notify_visitor_of_replies.apply_async(
            (message.ticket_id, message.seq), countdown=settings.PARLEY["VISITOR_EMAIL_DELAY"]
        )
