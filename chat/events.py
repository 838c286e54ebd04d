"""Every frame the server sends, and where it is sent.

Each builder returns a JSON-ready dict. ``SERVER_EVENTS`` is the registry that
docs/protocol.md describes and the tests check payloads against; consumers and
services build frames only through these functions.
"""

import asyncio
import concurrent.futures
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from helpdesk import queue
from helpdesk.db import calling_loop
from helpdesk.layers import group_send_all
from helpdesk.models import Ticket, Widget

from . import attachments
from .models import Message
from .widget_words import widget_words

PROTOCOL_VERSION = 1

logger = logging.getLogger("parley.events")

# Channel-layer groups. Internal notes go only to ticket groups, which only agents
# join; visitors join their own visitor group and nothing else.
AGENTS_GROUP = "agents"


def ticket_group(ticket_id: int) -> str:
    return f"ticket-{ticket_id}"


def visitor_group(visitor_id: Any) -> str:
    return f"visitor-{visitor_id}"


def widget_visitors_group(widget_id: int | None) -> str:
    """Every visitor socket of one widget: only agent availability goes here, as
    each widget's team may be around or not."""
    return f"widget-visitors-{widget_id}"


def agent_group(user_id: int) -> str:
    """Every socket of one agent: closed together when the account is deactivated."""
    return f"agent-{user_id}"


def session_group(session_key: str) -> str:
    """Every socket of one login session: closed together at logout."""
    return f"session-{session_key}"


# --- payload pieces -------------------------------------------------------------------


def message_payload(message: Message) -> dict:
    return {
        "id": message.pk,
        "seq": message.seq,
        "sender": sender_payload(message),
        "body": message.body,
        "internal": message.internal,
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
        "attachment": attachment_payload(message),
    }


def sender_payload(message: Message) -> dict:
    sender = {"type": message.sender_type, "name": message.sender_name}
    if message.sender_type == Message.SenderType.AGENT and message.sender_user_id:
        # Served by the agents app; always answers, with initials until an upload.
        sender["avatar"] = reverse("agent-avatar", args=[message.sender_user_id])
    return sender


def attachment_payload(message: Message) -> dict | None:
    if not message.attachment:
        return None
    return {
        "url": attachments.link(message.pk),
        "name": message.attachment_name,
        "content_type": message.attachment_type,
        "size": message.attachment_size,
    }


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def agent_payload(user: AbstractBaseUser | None) -> dict | None:
    """An assignee as agents see them; a user who is no longer an agent keeps a name."""
    if user is None:
        return None
    profile = getattr(user, "agent_profile", None)
    return {"id": user.pk, "name": profile.display_name if profile else user.get_username()}


def ticket_payload(ticket: Ticket) -> dict:
    """What an inbox row needs. Load it with ``selectors.with_inbox_relations``, or
    each relation costs a query."""
    return {
        "id": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "assignee": agent_payload(ticket.assignee),
        "team": {"id": ticket.team.pk, "name": ticket.team.name} if ticket.team else None,
        "tags": sorted((tag.name for tag in ticket.tags.all()), key=str.casefold),
        "visitor": {
            "id": str(ticket.visitor_id),
            "name": ticket.visitor.display_name,
            "email": ticket.visitor.email,
            # The host site vouched for who this is (chat.identity).
            "verified": ticket.visitor.is_verified,
        },
        "last_seq": ticket.last_seq,
        "visitor_seen_seq": ticket.visitor_seen_seq,
        "agent_seen_seq": ticket.agent_seen_seq,
        # The inbox's unread badge: what people wrote since, no system lines.
        "agent_unread": ticket.agent_unread,
        "rating": ticket.rating,
        # Shown in the conversation's header; the visitor's words, set as text.
        "rating_comment": ticket.rating_comment,
        "created_at": iso(ticket.created_at),
        "last_message_at": iso(ticket.last_message_at),
        "resolved_at": iso(ticket.resolved_at),
        "waiting_since": iso(ticket.waiting_since),
        # "active": the assistant is answering, nobody need pick it up yet.
        "assistant": ticket.assistant,
    }


def visitor_ticket_payload(ticket: Ticket, *, places: dict[int, int] | None = None) -> dict:
    """The part of a ticket a visitor may see about their own conversation.
    ``places`` (ticket id -> place in the queue, from ``queue.positions``) spares a
    query per ticket where the caller has them."""
    return {
        "id": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "last_seq": ticket.last_public_seq,
        "agent_seen_seq": min(ticket.agent_seen_seq, ticket.last_public_seq),
        # The visitor's own rating, so another device doesn't ask again.
        "rating": ticket.rating,
        "created_at": ticket.created_at.isoformat(),
        # 1 for the next chat to be picked up; null once an agent has it.
        "queue_position": places.get(ticket.pk) if places is not None else queue.position(ticket),
        # "active": the assistant answers here (ask it, chat/assistant); "handed_off"
        # or "": people do.
        "assistant": ticket.assistant,
    }


def widget_payload(widget: Widget, *, agents_online: bool) -> dict:
    """What the widget needs to draw itself before a visitor says anything, in the
    language LocaleMiddleware picked: the widget's own greeting and offline text
    in it where the admin gave them."""
    language = translation.get_language().split("-")[0]
    words = widget_words()
    if offline := widget.offline_message_for(language):
        words["offline"] = offline
    return {
        "key": widget.key,
        "name": widget.name,
        "greeting": widget.greeting_for(language),
        "accent_color": widget.accent_color,
        "position": widget.position,
        "prechat": widget.prechat,
        "offline_form": widget.offline_form,
        "typing_preview": widget.typing_preview,
        # Questions go to the assistant first (POST assistant/questions/).
        "assistant": widget.assistant,
        "agents_online": agents_online,
        # Picked by LocaleMiddleware from Accept-Language; the widget asks for it
        # from then on, so server messages and its own words agree.
        "language": translation.get_language(),
        "words": words,
        "limits": {
            "message_length": settings.PARLEY["MESSAGE_MAX_LENGTH"],
            "attachment_bytes": settings.PARLEY["ATTACHMENT_MAX_BYTES"],
        },
    }


# --- server -> client frames -------------------------------------------------------------


def welcome(*, you: dict, tickets: list[dict], agents_online: bool) -> dict:
    return {
        "type": "welcome",
        "protocol": PROTOCOL_VERSION,
        "you": you,
        "tickets": tickets,
        "agents_online": agents_online,
    }


def message_ack(message: Message) -> dict:
    return {
        "type": "message.ack",
        "client_id": message.client_id,
        "ticket": message.ticket_id,
        "seq": message.seq,
        "id": message.pk,
        "created_at": message.created_at.isoformat(),
    }


def message_new(message: Message, *, prev_seq: int) -> dict:
    """``prev_seq`` is the seq of the message before this one that the receiver can
    see; a client holding less than that has missed something and fetches the gap.
    Visitors skip internal notes, so their ``prev_seq`` may be lower than seq - 1."""
    return {
        "type": "message.new",
        "ticket": message.ticket_id,
        "prev_seq": prev_seq,
        "message": message_payload(message),
    }


def subscribed(ticket: Ticket) -> dict:
    return {"type": "subscribed", "ticket": ticket.pk, "last_seq": ticket.last_seq}


def ticket_updated(ticket: Ticket) -> dict:
    return {"type": "ticket.updated", "ticket": ticket_payload(ticket)}


def ticket_activity(ticket: Ticket) -> dict:
    """What a message moves in an agent's inbox row when it changes nothing
    else: the row's last message, the visitor's wait and the unread badge."""
    return {
        "type": "ticket.activity",
        "ticket": ticket.pk,
        "last_seq": ticket.last_seq,
        "last_message_at": iso(ticket.last_message_at),
        "waiting_since": iso(ticket.waiting_since),
        "agent_unread": ticket.agent_unread,
    }


def visitor_ticket_updated(ticket: Ticket, *, places: dict[int, int] | None = None) -> dict:
    """The same frame type for a visitor's tabs, with only what a visitor may see."""
    return {"type": "ticket.updated", "ticket": visitor_ticket_payload(ticket, places=places)}


def typing(
    *,
    ticket_id: int,
    sender_type: str,
    name: str,
    state: str,
    user_id: int | None,
    draft: str | None = None,
) -> dict:
    """``draft``: a visitor's unsent text (the sneak peek), for agents only."""
    frame = {
        "type": "typing",
        "ticket": ticket_id,
        "sender": {"type": sender_type, "name": name, "user": user_id},
        "state": state,
    }
    if draft is not None:
        frame["draft"] = draft
    return frame


def ticket_viewers(*, ticket_id: int, agents: list[dict]) -> dict:
    """Who has the ticket open now, for the collision notice."""
    return {"type": "ticket.viewers", "ticket": ticket_id, "agents": agents}


def visitor_presence(*, visitor_id: Any, online: bool) -> dict:
    return {"type": "visitor.presence", "visitor": str(visitor_id), "online": online}


def seen(*, ticket_id: int, side: str, seq: int, unread: int | None = None) -> dict:
    """``unread``, for agents when an agent read: the ticket's unread count after
    it (``Ticket.agent_unread``)."""
    frame = {"type": "seen", "ticket": ticket_id, "side": side, "seq": seq}
    if unread is not None:
        frame["unread"] = unread
    return frame


def presence(*, agents_online: bool, agents: list[dict] | None = None) -> dict:
    frame = {"type": "presence", "agents_online": agents_online}
    if agents is not None:
        frame["agents"] = agents
    return frame


def resync(*, ticket_id: int, reason: str) -> dict:
    return {"type": "resync", "ticket": ticket_id, "reason": reason}


def error(*, code: str, message: str, client_id: str | None = None) -> dict:
    frame = {"type": "error", "code": code, "message": message}
    if client_id is not None:
        frame["client_id"] = client_id
    return frame


def pong(*, tickets: dict[int, int] | None = None) -> dict:
    """``tickets``: the last seq of each ticket the socket watches (a visitor's
    last public one), so a client can tell a message whose broadcast never came
    and fetch it without waiting for the next one (docs/protocol.md, "Delivery")."""
    if not tickets:
        return {"type": "pong"}
    return {"type": "pong", "tickets": {str(ticket_id): seq for ticket_id, seq in tickets.items()}}


SERVER_EVENTS = {
    "welcome": welcome,
    "message.ack": message_ack,
    "message.new": message_new,
    "subscribed": subscribed,
    "ticket.updated": ticket_updated,
    "ticket.activity": ticket_activity,
    "typing": typing,
    "ticket.viewers": ticket_viewers,
    "visitor.presence": visitor_presence,
    "seen": seen,
    "presence": presence,
    "resync": resync,
    "error": error,
    "pong": pong,
}


# --- sending ---------------------------------------------------------------------------

# Consumers receive group messages through their ``parley_event`` handler, which
# forwards the frame as it is.
LAYER_MESSAGE_TYPE = "parley.event"


def layer_message(event: dict) -> dict:
    return {"type": LAYER_MESSAGE_TYPE, "event": event}


# Received by ``parley_close``: the sockets in the group close with ``code``.
CLOSE_MESSAGE_TYPE = "parley.close"


def close_sockets(groups: Iterable[str], *, code: int) -> None:
    _send_now([(list(groups), {"type": CLOSE_MESSAGE_TYPE, "code": code})])


def broadcast(groups: Iterable[str], event: dict) -> None:
    """Send now, from sync code. Used for ephemeral events that have no row."""
    broadcast_many([(list(groups), event)])


def broadcast_many(frames: list[tuple[list[str], dict]]) -> None:
    """Send each ``(groups, event)`` now, from sync code, in one trip to the event
    loop: a message tells several groups, and each crossing from the database
    thread to the loop costs more than the send itself."""
    _send_now([(groups, layer_message(event)) for groups, event in frames])


def _send_now(messages: list[tuple[list[str], dict]]) -> None:
    """Send each ``(groups, layer message)``, from sync code."""
    if not messages:
        return
    layer = get_channel_layer()

    async def send_all() -> None:
        await group_send_all(
            layer, [(group, message) for groups, message in messages for group in groups]
        )

    loop = calling_loop.get()
    if loop is None:
        async_to_sync(send_all)()
        return
    # On a consumer's database call or in a request the loop is known
    # (helpdesk.db.KnownLoop): hand it the sends and let the thread go on to the
    # next frame, or answer the request, instead of waiting for them.
    # The loop starts sends in the order they were handed over. Two threads that
    # wrote one ticket in turn may hand theirs over the other way round; a client
    # then sees a gap by prev_seq and fetches it (docs/protocol.md, "Delivery").
    # A failure is logged, as a robust on_commit hook would.
    asyncio.run_coroutine_threadsafe(send_all(), loop).add_done_callback(_log_failed_send)


def _log_failed_send(future: concurrent.futures.Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("Broadcast failed", exc_info=future.exception())


def broadcast_on_commit(groups: Iterable[str], event: dict) -> None:
    """Send once the surrounding transaction commits, so nobody hears of a row
    that was rolled back."""
    groups = list(groups)
    # Robust: a layer that fails after the commit is logged, and fails nothing
    # already stored (clients catch up on pong, see ``pong``).
    transaction.on_commit(lambda: broadcast(groups, event), robust=True)
