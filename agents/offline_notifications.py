"""Nobody waits in silence. When a visitor writes and no agent is around (or
nobody answers within UNANSWERED_DELAY), the assignee, or else the team, gets an
email. When an agent's reply sits unseen by a visitor who has left for
VISITOR_EMAIL_DELAY, the visitor gets one email with every unseen reply and a
link back into the chat. Nobody is emailed about what they have already seen.

The checks run in Celery tasks (agents/tasks.py), scheduled when a message is
committed (agents/signals.py); each decides again when it runs, so a reply or a
read receipt in the meantime cancels it.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet

from chat.models import Message
from chat.visitor_auth import reopen_token
from helpdesk.models import Ticket
from helpdesk.notifications import language_for, send_once
from helpdesk.presence import VISITORS

from .models import AgentProfile


def public_messages(ticket: Ticket, sender_type: str, *, after: int) -> QuerySet[Message]:
    """What ``sender_type`` said to the other side after seq ``after``, in order."""
    return Message.objects.filter(
        ticket=ticket, internal=False, sender_type=sender_type, seq__gt=after
    ).order_by("seq")


def team_for(ticket: Ticket) -> list[str]:
    """Who hears about a waiting visitor: the assignee; for an unassigned ticket,
    its team's agents, or every agent when it has no team."""
    if ticket.assignee is not None and ticket.assignee.is_active:
        return [ticket.assignee.email]
    agents = AgentProfile.objects.filter(user__is_active=True).select_related("user")
    if ticket.team_id is not None:
        agents = agents.filter(teams=ticket.team_id)
    return [agent.user.email for agent in agents]


def email_team_about_waiting_visitor(ticket_id: int) -> bool:
    """Once per wait: the visitor's messages no agent has read yet."""
    ticket = Ticket.objects.select_related("visitor", "assignee").filter(pk=ticket_id).first()
    if ticket is None or ticket.waiting_since is None or ticket.has_ended:
        return False  # deleted, answered or over
    if ticket.assistant == Ticket.Assistant.ACTIVE:
        return False  # the assistant answers; a handoff tells the team
    waiting = public_messages(ticket, Message.SenderType.VISITOR, after=ticket.agent_seen_seq)
    unread = list(waiting.filter(created_at__gte=ticket.waiting_since))
    if not unread:
        return False
    return send_once(
        f"waiting:{ticket.pk}:{ticket.waiting_since.isoformat()}",
        to=team_for(ticket),
        template="waiting_visitor",
        context={
            "ticket": ticket,
            "visitor_name": ticket.visitor.display_name,
            "messages": unread,
            "link": f"{settings.PARLEY['SITE_URL']}/agent/#ticket-{ticket.pk}",
        },
    )


def email_visitor_unseen_replies(ticket_id: int, seq: int) -> bool:
    """For the newest reply only (a burst of replies makes one email), if the
    visitor has an email, is not in the widget and has not read it."""
    ticket = Ticket.objects.select_related("visitor__widget").filter(pk=ticket_id).first()
    if ticket is None:
        return False  # deleted meanwhile
    visitor = ticket.visitor
    unseen = list(public_messages(ticket, Message.SenderType.AGENT, after=ticket.visitor_seen_seq))
    if not visitor.email or not unseen or unseen[-1].seq != seq:
        return False
    if VISITORS.is_online(visitor.pk):
        return False  # the widget is open: the reply is on their screen
    return send_once(
        f"replies:{ticket.pk}:{seq}",
        to=[visitor.email],
        template="visitor_replies",
        context={
            "ticket": ticket,
            "visitor_name": visitor.name,
            "messages": unseen,
            "link": reopen_link(ticket),
            "site": ticket.visitor.widget.name if ticket.visitor.widget else "",
        },
        language=language_for(visitor.metadata.get("locale", "")),
    )


def reopen_link(ticket: Ticket) -> str:
    """The page the visitor last chatted from, with a token the widget there turns
    back into their chat. Empty when no such page is known. The page is what the
    widget reported, so it must be on a site the widget may be used on: otherwise
    anyone could have a support email link to a page of their choosing."""
    page = str(ticket.visitor.metadata.get("page_url", "")).split("#", 1)[0]
    parts = urlsplit(page)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return ""
    widget = ticket.visitor.widget
    if widget is not None and not widget.allows_origin(f"{parts.scheme}://{parts.netloc}"):
        return ""
    return f"{page}#parley-reopen={reopen_token(ticket)}"
