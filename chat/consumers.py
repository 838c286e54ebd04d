"""WebSocket transport for protocol v1: parse a frame, check it, call a service or
a selector, answer. Business rules live in services."""

import asyncio
import json
import logging
import math
import re
import time
from collections.abc import Callable

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpRequest, QueryDict
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled

from helpdesk.abuse import sockets, throttling
from helpdesk.abuse.addresses import rate_key, scope_address
from helpdesk.db import database_sync_to_async
from helpdesk.models import Ticket, Widget

from . import events, selectors, services
from .openings import visitor_opening
from .visitor_auth import InvalidVisitorToken, origin_allowed, visitor_from_token
from .visitor_presence import visitor_connected, visitor_disconnected, visitor_heartbeat

logger = logging.getLogger("parley.consumers")

# Close codes: the 4xxx range is ours (RFC 6455 leaves it to applications).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_FLOOD = 4429

TYPING_STATES = {"start", "stop"}
RESUME_MAX_TICKETS = 50
# Seconds a visitor socket tells typing from the visitor and widget it last read.
VISITOR_REREAD_AFTER = 30
RESUME_KEY = re.compile(r"[0-9]{1,19}")


class FrameError(Exception):
    """A frame that can't be acted on; answered with an error frame."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class TokenBucket:
    """Allows ``rate`` frames a second on average and bursts of twice that."""

    def __init__(self, rate: float):
        self.rate = rate
        self.capacity = rate * 2
        self.tokens = self.capacity
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def handshake_language(scope: dict) -> str:
    """The language LocaleMiddleware would pick for this handshake. ``?lang=``
    wins over Accept-Language: a page may show the widget in another language
    than the browser's."""
    request = HttpRequest()
    query = QueryDict(scope.get("query_string", b""))
    header = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
    request.META["HTTP_ACCEPT_LANGUAGE"] = query.get("lang") or header
    return translation.get_language_from_request(request)


def is_bounded_int(value: object, *, minimum: int) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and minimum <= value <= selectors.INTEGER_MAX
    )


def frame_ticket_id(frame: dict, *, required: bool = True) -> int | None:
    value = frame.get("ticket")
    if value is None and not required:
        return None
    if not is_bounded_int(value, minimum=1):
        raise FrameError("invalid_ticket", _("'ticket' must be a ticket id (a positive integer)."))
    return value


def frame_seq(frame: dict, field: str) -> int:
    value = frame.get(field, 0)
    if not is_bounded_int(value, minimum=0):
        raise FrameError(
            "invalid_seq", _("'%(field)s' must be a non-negative integer.") % {"field": field}
        )
    return value


def parse_resume(resume: object) -> dict[int, int]:
    """``{"<ticket id>": <last seq held>}`` -> ``{ticket id: seq}``, checked: keys
    are 1 to 19 ASCII digits, values integers from 0 to ``INTEGER_MAX``."""
    problem = FrameError(
        "invalid_resume",
        _("'resume' maps up to %(limit)d ticket ids to the last seq held.")
        % {"limit": RESUME_MAX_TICKETS},
    )
    if not isinstance(resume, dict) or len(resume) > RESUME_MAX_TICKETS:
        raise problem
    parsed = {}
    for key, after in resume.items():
        # Not str.isdigit(): it takes "²" and other digits int() refuses.
        if not RESUME_KEY.fullmatch(key) or not is_bounded_int(after, minimum=0):
            raise problem
        parsed[int(key)] = after
    return parsed


def frame_typing_state(frame: dict) -> str:
    state = frame.get("state")
    # Checked for str first: a list or an object can't be looked up in a set.
    if not isinstance(state, str) or state not in TYPING_STATES:
        raise FrameError("invalid_state", _("'state' must be 'start' or 'stop'."))
    return state


class ProtocolConsumer(AsyncJsonWebsocketConsumer):
    """What both sockets share: hello deadline, frame checks, flood control,
    error frames, group bookkeeping and forwarding of broadcast events."""

    # Frame type -> coroutine method name, for frames allowed after hello.
    frame_handlers: dict[str, str] = {}

    async def connect(self):
        self.authenticated = False
        self.joined_groups: set[str] = set()
        self.bucket = TokenBucket(settings.PARLEY["FRAME_RATE"])
        self.language = handshake_language(self.scope)
        await self.accept()
        self.hello_deadline = asyncio.get_running_loop().call_later(
            settings.PARLEY["HELLO_TIMEOUT"], self.close_if_anonymous
        )

    def close_if_anonymous(self) -> None:
        if not self.authenticated:
            self.hello_close = asyncio.ensure_future(self.close(code=CLOSE_UNAUTHENTICATED))

    async def disconnect(self, code):
        self.hello_deadline.cancel()
        for group in list(self.joined_groups):
            await self.leave(group)

    async def join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined_groups.add(group)

    async def leave(self, group: str) -> None:
        await self.channel_layer.group_discard(group, self.channel_name)
        self.joined_groups.discard(group)

    async def send_error(self, code: str, message: str, client_id: object = None) -> None:
        client_id = client_id if isinstance(client_id, str) else None
        await self.send_json(events.error(code=code, message=message, client_id=client_id))

    async def receive(self, text_data=None, bytes_data=None):
        # Error frames are read by people, in the language the socket asked for.
        with translation.override(self.language):
            await self.receive_frame(text_data)

    async def receive_frame(self, text_data: str | None) -> None:
        if not self.bucket.take():
            await self.on_flood()
            await self.close(code=CLOSE_FLOOD)
            return
        if text_data is None:
            await self.send_error("binary_not_supported", _("Send JSON text frames."))
            return
        if len(text_data) > settings.PARLEY["FRAME_MAX_BYTES"]:
            await self.send_error(
                "frame_too_large", _("The frame is larger than the server accepts.")
            )
            return
        try:
            frame = json.loads(text_data)
        except (ValueError, RecursionError):
            # RecursionError: nested deeper than the decoder goes.
            await self.send_error("malformed_json", _("The frame is not valid JSON."))
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.send_error("invalid_frame", _("A frame is a JSON object with a 'type'."))
            return
        await self.dispatch_frame(frame)

    async def dispatch_frame(self, frame: dict) -> None:
        frame_type = frame["type"]
        client_id = frame.get("client_id")
        if frame_type == "hello":
            handler = self.on_hello  # each socket authenticates its own way
        elif not self.authenticated:
            await self.send_error("hello_required", _("Send 'hello' first."))
            return
        elif frame_type == "ping":
            handler = self.on_ping
        elif frame_type in self.frame_handlers:
            handler = getattr(self, self.frame_handlers[frame_type])
        else:
            await self.send_error(
                "unknown_type", _("Unknown frame type %(type)r.") % {"type": frame_type[:40]}
            )
            return
        try:
            await handler(frame)
        except FrameError as exc:
            await self.send_error(exc.code, exc.message, client_id)
        except ValidationError as exc:
            await self.send_error(exc.code or "invalid", " ".join(exc.messages), client_id)
        except (ObjectDoesNotExist, PermissionDenied):
            # Other people's ids look exactly like ids that don't exist.
            await self.send_error("not_found", _("No such ticket."), client_id)
        except Exception:
            logger.exception("Error handling %r frame", frame_type)
            await self.send_error(
                "server_error", _("The server failed to handle this frame."), client_id
            )

    async def on_flood(self) -> None:
        """Closing for a flood (4429): what the socket's party is barred for."""

    async def on_ping(self, frame: dict) -> None:
        try:
            await self.heartbeat()
        except Exception:
            # The cache (Redis) is down, or its pooled connections died with it:
            # the pong is still owed, and the tail it carries comes from the
            # database.
            logger.exception("Heartbeat failed; answering the ping all the same")
        watched = await self.watched_last_seqs()
        await self.send_json(events.pong(tickets=watched))

    async def heartbeat(self) -> None:
        """Renew what a ping keeps alive (presence)."""

    async def watched_last_seqs(self) -> dict[int, int]:
        """The last seq of each ticket this socket watches, for ``pong``: a
        broadcast lost to a channel-layer outage is noticed on the next ping."""
        return {}

    async def dispatch(self, message: dict) -> None:
        # Channels' dispatch first closes old database connections, a trip to the
        # sync thread, before every handler: every frame received and every group
        # message passed on. These consumers use helpdesk.db's kept connection,
        # which has nothing to close, so they skip it.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def parley_event(self, message: dict) -> None:
        """Group broadcasts (``events.LAYER_MESSAGE_TYPE``) go out unchanged."""
        await self.send_json(message["event"])

    async def parley_close(self, message: dict) -> None:
        """``events.close_sockets``: logged out, deactivated or blocked elsewhere."""
        await self.close(code=message["code"])

    async def send_all(self, frames: list[dict]) -> None:
        for frame in frames:
            await self.send_json(frame)


class VisitorConsumer(ProtocolConsumer):
    """``/ws/widget/``: one visitor, possibly in several tabs."""

    frame_handlers = {
        "message.send": "on_message_send",
        "typing": "on_typing",
        "seen": "on_seen",
    }

    def __init__(self, *args, agents_online: Callable[[Widget | None], bool], **kwargs):
        # Passed in by helpdesk/asgi.py, because chat must not import the agents app.
        super().__init__(*args, **kwargs)
        self.agents_online = agents_online

    async def on_hello(self, frame: dict) -> None:
        if self.authenticated:
            raise FrameError("already_authenticated", _("'hello' was already accepted."))
        try:
            visitor = await database_sync_to_async(visitor_from_token)(frame.get("token"))
        except InvalidVisitorToken:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        origin = dict(self.scope["headers"]).get(b"origin")
        if visitor.is_blocked or not origin_allowed(
            visitor.widget, origin.decode("latin-1") if origin else None
        ):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # Barred after a flood, from any address (helpdesk/abuse/sockets.py).
        if await sockets.in_thread(sockets.barred_for)("visitor", visitor.pk):
            await self.close(code=CLOSE_FLOOD)
            return
        resume = parse_resume(frame.get("resume") or {})
        self.visitor = visitor
        self.authenticated = True
        # When the visitor and their widget were last read: typing frames are
        # told from them, with no database trip per frame (on_typing).
        self.visitor_read_at = time.monotonic()
        # Tickets this socket hears of, for pong: those in welcome, those it
        # starts, and those another tab starts (their first message.new).
        self.watching: set[int] = set()
        # Join before replaying: a message posted in between is then both replayed
        # and broadcast, and the client drops the copy by seq. The other order loses it.
        await self.join(events.visitor_group(visitor.pk))
        await self.join(events.widget_visitors_group(visitor.widget_id))
        await database_sync_to_async(visitor_connected)(visitor.pk)
        frames = await self.opening(resume)
        self.watching.update(ticket["id"] for ticket in frames[0]["tickets"])
        await self.send_all(frames)

    async def disconnect(self, code):
        await super().disconnect(code)
        if self.authenticated:
            await database_sync_to_async(visitor_disconnected)(self.visitor.pk)

    async def heartbeat(self) -> None:
        # Presence is in the cache only: renewed off the consumers' database
        # threads, where every socket's ping (one every 25 s per visitor) would
        # wait behind the database work of every socket.
        await sockets.in_thread(visitor_heartbeat)(self.visitor.pk)

    async def watched_last_seqs(self) -> dict[int, int]:
        if not self.watching:
            return {}
        return await database_sync_to_async(selectors.last_seqs)(
            self.watching, visitor=self.visitor
        )

    async def parley_event(self, message: dict) -> None:
        if message["event"]["type"] == "message.new":
            self.watching.add(message["event"]["ticket"])
        await super().parley_event(message)

    @database_sync_to_async
    def opening(self, resume: dict[int, int]) -> list[dict]:
        return visitor_opening(
            self.visitor, resume, agents_online=self.agents_online(self.visitor.widget)
        )

    async def on_flood(self) -> None:
        await sockets.in_thread(sockets.penalise)("ip", rate_key(scope_address(self.scope)))
        if self.authenticated:
            await sockets.in_thread(sockets.penalise)("visitor", self.visitor.pk)

    async def on_message_send(self, frame: dict) -> None:
        ticket_id = frame_ticket_id(frame, required=False)
        message = await self.post(ticket_id, frame.get("body"), frame.get("client_id"))
        self.watching.add(message.ticket_id)
        await self.send_json(events.message_ack(message))

    def count_message(self) -> None:
        """The visitor's messages count against one rate however they come (this
        socket, their other tabs, REST): the widget API's ``message`` limits."""
        try:
            throttling.check(
                "message",
                address_key=rate_key(scope_address(self.scope)),
                visitor_id=self.visitor.pk,
            )
        except Throttled as exc:
            raise FrameError(
                "throttled",
                _("Too many messages; try again in %(seconds)d s.")
                % {"seconds": math.ceil(exc.wait or 1)},
            ) from None

    @database_sync_to_async
    def post(self, ticket_id: int | None, body: object, client_id: object):
        # One trip to the database thread per message: the rate, then the write.
        self.count_message()
        if ticket_id is None:
            return services.start_conversation(visitor=self.visitor, body=body, client_id=client_id)
        # The tickets this socket watches are the visitor's own (a ticket never
        # changes hands); post_message locks the ticket by id and reads the visitor
        # as they are now, so a known ticket needs no read of its own.
        if ticket_id in self.watching:
            ticket = Ticket(pk=ticket_id)
        else:
            ticket = selectors.visitor_ticket(self.visitor, ticket_id)
        return services.post_message(
            ticket=ticket,
            sender=services.Sender.for_visitor(self.visitor),
            body=body,
            client_id=client_id,
        )

    async def on_typing(self, frame: dict) -> None:
        ticket_id = frame_ticket_id(frame)
        state = frame_typing_state(frame)
        draft = frame.get("draft")
        if draft is not None and not isinstance(draft, str):
            raise FrameError("invalid_draft", _("'draft' must be text."))
        # Typing frames come several a second while a visitor types: they are told
        # from what the socket knows. A ticket it does not watch, or facts older
        # than VISITOR_REREAD_AFTER (a widget's sneak peek turned off, a new
        # name), cost one read.
        stale = time.monotonic() - self.visitor_read_at > VISITOR_REREAD_AFTER
        if stale or ticket_id not in self.watching:
            await database_sync_to_async(self.reread_visitor)(ticket_id)
        groups, event = services.visitor_typing_event(
            ticket_id=ticket_id, visitor=self.visitor, state=state, draft=draft
        )
        for group in groups:
            await self.channel_layer.group_send(group, events.layer_message(event))

    def reread_visitor(self, ticket_id: int) -> None:
        """The visitor and widget as they are now, and whether ``ticket_id`` is
        theirs (else ``Ticket.DoesNotExist``)."""
        ticket = selectors.visitor_ticket(self.visitor, ticket_id)
        self.visitor = ticket.visitor
        self.visitor_read_at = time.monotonic()
        self.watching.add(ticket.pk)

    async def on_seen(self, frame: dict) -> None:
        ticket_id = frame_ticket_id(frame)
        seq = frame_seq(frame, "seq")
        await database_sync_to_async(self.mark_seen)(ticket_id, seq)

    def mark_seen(self, ticket_id: int, seq: int) -> None:
        ticket = selectors.visitor_ticket(self.visitor, ticket_id)
        services.mark_seen(ticket=ticket, side="visitor", seq=seq)
