"""The events an endpoint can subscribe to, and the JSON each delivers.

Every delivery has the same envelope: ``{"id", "type", "created_at", "data"}``;
``id`` is the event's, the same on every retry, for receivers to dedupe by.
"""

from django.conf import settings

from chat import events as chat_events
from chat.models import Message
from helpdesk.models import Ticket

CONVERSATION_CREATED = "conversation.created"
MESSAGE_CREATED = "message.created"
STATUS_CHANGED = "conversation.status_changed"
ASSIGNED = "conversation.assigned"
RATED = "conversation.rated"

EVENTS = {
    CONVERSATION_CREATED: "Conversation created",
    MESSAGE_CREATED: "Message created",
    STATUS_CHANGED: "Status changed",
    ASSIGNED: "Assigned (or unassigned)",
    RATED: "Rated by the visitor",
}

# chat.signals.ticket_changed's field names -> the event each one is.
EVENT_OF_CHANGE = {
    "created": CONVERSATION_CREATED,
    "status": STATUS_CHANGED,
    "assignee": ASSIGNED,
    "rating": RATED,
}


def conversation(ticket: Ticket) -> dict:
    visitor = ticket.visitor
    return {
        "id": ticket.pk,
        "url": f"{settings.PARLEY['SITE_URL']}/agent/#ticket-{ticket.pk}",
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "assignee": chat_events.agent_payload(ticket.assignee),
        "team": {"id": ticket.team_id, "name": ticket.team.name} if ticket.team else None,
        "widget": visitor.widget.key if visitor.widget_id else None,
        "visitor": {
            "id": str(visitor.pk),
            "name": visitor.display_name,
            "email": visitor.email,
            # The receiver's own user id, when its site signed the visitor in
            # (chat.identity): how it tells which of its customers is asking.
            "user_id": visitor.external_id if visitor.is_verified else None,
        },
        "rating": ticket.rating,
        "rating_comment": ticket.rating_comment,
        "created_at": ticket.created_at.isoformat(),
        "resolved_at": ticket.resolved_at.isoformat() if ticket.resolved_at else None,
    }


def conversation_event(ticket: Ticket, *, by: object = None) -> dict:
    """``by``: the chat.ticket_actions.Actor who made the change, when one did."""
    actor = None
    if by is not None:
        actor = {"type": str(by.kind), "name": by.name, "user": by.user.pk if by.user else None}
    return {"conversation": conversation(ticket), "by": actor}


def message_event(message: Message) -> dict:
    return {
        "conversation": conversation(message.ticket),
        "message": {
            "id": message.pk,
            "seq": message.seq,
            "sender": {"type": message.sender_type, "name": message.sender_name},
            "body": message.body,
            "internal": message.internal,
            "attachment": {
                "name": message.attachment_name,
                "type": message.attachment_type,
                "size": message.attachment_size,
            }
            if message.attachment
            else None,
            "created_at": message.created_at.isoformat(),
        },
    }
