"""``/ws/agent/``: the dashboard's live connection."""

import asyncio
import logging
import time

from django.conf import settings
from django.utils.translation import gettext as _

from chat import events, selectors, services
from chat.consumers import (
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHENTICATED,
    FrameError,
    ProtocolConsumer,
    frame_seq,
    frame_ticket_id,
    frame_typing_state,
)
from chat.openings import replay_frames
from chat.ticket_actions import agent_reply
from helpdesk.abuse import sockets
from helpdesk.db import database_sync_to_async
from helpdesk.presence import AGENTS, check_interval

from . import presence, viewers
from .models import AgentProfile
from .selectors import (
    agent_account_active,
    agent_profile,
    agent_ticket,
    open_tickets_by_wait,
    user_for_api_token,
)
from .services import (
    after_agent_heartbeat,
    agent_came_online,
    agent_set_status,
    broadcast_presence,
)

logger = logging.getLogger("parley.consumers")

# The whole open inbox, so the dashboard counts and sorts its views itself.
INBOX_WELCOME_LIMIT = 500


class AgentConsumer(ProtocolConsumer):
    frame_handlers = {
        "message.send": "on_message_send",
        "subscribe": "on_subscribe",
        "unsubscribe": "on_unsubscribe",
        "typing": "on_typing",
        "seen": "on_seen",
        "presence.set": "on_presence_set",
    }

    async def dispatch_frame(self, frame: dict) -> None:
        if self.authenticated and not await self.account_still_active():
            # Deactivated in a way that sent no signal (a queryset update, SSO).
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await super().dispatch_frame(frame)

    async def account_still_active(self) -> bool:
        """Asked before every frame, but the database at most once per
        ACCOUNT_CHECK_INTERVAL per socket: a burst of messages costs one query."""
        now = time.monotonic()
        if now - self.account_checked_at < settings.PARLEY["ACCOUNT_CHECK_INTERVAL"]:
            return True
        active = await database_sync_to_async(agent_account_active)(self.profile.user_id)
        self.account_checked_at = now
        return active

    async def on_hello(self, frame: dict) -> None:
        if self.authenticated:
            raise FrameError("already_authenticated", _("'hello' was already accepted."))
        user = self.scope.get("user")
        if not getattr(user, "is_authenticated", False) and "token" in frame:
            user = await database_sync_to_async(user_for_api_token)(frame["token"])
        if not getattr(user, "is_authenticated", False):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        profile = await database_sync_to_async(agent_profile)(user)
        if profile is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.profile = profile
        self.account_checked_at = time.monotonic()
        self.authenticated = True
        self.viewing: set[int] = set()
        self.presence_checks = asyncio.ensure_future(self.check_presence())
        await self.join(events.AGENTS_GROUP)
        # Logging out or deactivating the account closes these sockets.
        await self.join(events.agent_group(profile.user_id))
        session = self.scope.get("session")
        if session is not None and session.session_key:
            await self.join(events.session_group(session.session_key))
        await self.send_json(await database_sync_to_async(self.welcome)())
        if await database_sync_to_async(AGENTS.connect)(profile.user_id):
            await database_sync_to_async(agent_came_online)()

    async def check_presence(self) -> None:
        """While this dashboard is open, the installation's presence check
        (``after_agent_heartbeat``: at most one per interval across every
        process) runs every ``check_interval()``: an agent whose server process
        died is told offline within PRESENCE_TTL, not a ping interval later."""
        while True:
            await asyncio.sleep(check_interval())
            try:
                await database_sync_to_async(after_agent_heartbeat)()
            except Exception:
                logger.exception("Presence check failed")

    def welcome(self) -> dict:
        tickets = open_tickets_by_wait()[:INBOX_WELCOME_LIMIT]
        return events.welcome(
            you={
                "type": "agent",
                "id": self.profile.user_id,
                "name": self.profile.display_name,
                "status": self.profile.status,
            },
            tickets=[events.ticket_payload(ticket) for ticket in tickets],
            agents_online=presence.agents_online(),
        )

    async def disconnect(self, code):
        await super().disconnect(code)
        if not self.authenticated:
            return
        self.presence_checks.cancel()
        for ticket_id in list(self.viewing):
            await self.stop_viewing(ticket_id)
        if await database_sync_to_async(AGENTS.disconnect)(self.profile.user_id):
            await database_sync_to_async(broadcast_presence)()

    async def heartbeat(self) -> None:
        # Cache work only (presence, who has each ticket open: a round trip per
        # ticket the agent follows), kept off the consumers' database threads,
        # where it held every socket's next frame behind it (chat.consumers does
        # the same for visitors).
        await sockets.in_thread(self.renew)()

    async def watched_last_seqs(self) -> dict[int, int]:
        if not self.viewing:
            return {}
        return await database_sync_to_async(selectors.last_seqs)(self.viewing)

    def renew(self) -> None:
        AGENTS.heartbeat(self.profile.user_id)
        for ticket_id in self.viewing:
            if viewers.viewer_refresh(
                ticket_id, user_id=self.profile.user_id, name=self.profile.display_name
            ):
                self.tell_viewers(ticket_id, viewers.ticket_viewers(ticket_id))

    async def on_subscribe(self, frame: dict) -> None:
        ticket_id = frame_ticket_id(frame)
        after = frame_seq(frame, "after")
        ticket = await database_sync_to_async(agent_ticket)(ticket_id)
        # Join first, then replay: see VisitorConsumer.on_hello.
        await self.join(events.ticket_group(ticket.pk))
        await self.send_all(
            await database_sync_to_async(replay_frames)(ticket, after=after, include_internal=True)
        )
        await self.send_json(events.subscribed(ticket))
        if ticket.pk not in self.viewing:
            self.viewing.add(ticket.pk)
            await database_sync_to_async(self.start_viewing)(ticket.pk)

    def start_viewing(self, ticket_id: int) -> None:
        agents = viewers.viewer_join(
            ticket_id, user_id=self.profile.user_id, name=self.profile.display_name
        )
        self.tell_viewers(ticket_id, agents)

    async def on_unsubscribe(self, frame: dict) -> None:
        ticket_id = frame_ticket_id(frame)
        await self.leave(events.ticket_group(ticket_id))
        if ticket_id in self.viewing:
            await self.stop_viewing(ticket_id)

    async def stop_viewing(self, ticket_id: int) -> None:
        self.viewing.discard(ticket_id)
        agents = await database_sync_to_async(viewers.viewer_leave)(
            ticket_id, user_id=self.profile.user_id
        )
        await database_sync_to_async(self.tell_viewers)(ticket_id, agents)

    @staticmethod
    def tell_viewers(ticket_id: int, agents: list[dict]) -> None:
        events.broadcast(
            [events.ticket_group(ticket_id)],
            events.ticket_viewers(ticket_id=ticket_id, agents=agents),
        )

    async def on_message_send(self, frame: dict) -> None:
        ticket_id = frame_ticket_id(frame)
        internal = frame.get("internal", False)
        if not isinstance(internal, bool):
            raise FrameError("invalid_internal", _("'internal' must be true or false."))
        message = await database_sync_to_async(self.post)(
            ticket_id, frame.get("body"), frame.get("client_id"), internal
        )
        await self.send_json(events.message_ack(message))

    def post(self, ticket_id: int, body: object, client_id: object, internal: bool):
        return agent_reply(
            ticket=agent_ticket(ticket_id),
            sender=services.Sender.for_agent(self.profile.user, self.profile.display_name),
            body=body,
            client_id=client_id,
            internal=internal,
        )

    async def on_typing(self, frame: dict) -> None:
        ticket_id = frame_ticket_id(frame)
        state = frame_typing_state(frame)
        ticket = await database_sync_to_async(agent_ticket)(ticket_id)
        event = events.typing(
            ticket_id=ticket.pk,
            sender_type="agent",
            name=self.profile.display_name,
            state=state,
            user_id=self.profile.user_id,
        )
        for group in (events.ticket_group(ticket.pk), events.visitor_group(ticket.visitor_id)):
            await self.channel_layer.group_send(group, events.layer_message(event))

    async def on_seen(self, frame: dict) -> None:
        ticket_id = frame_ticket_id(frame)
        seq = frame_seq(frame, "seq")
        ticket = await database_sync_to_async(agent_ticket)(ticket_id)
        await database_sync_to_async(services.mark_seen)(ticket=ticket, side="agent", seq=seq)

    async def on_presence_set(self, frame: dict) -> None:
        status = frame.get("status")
        if status not in AgentProfile.Status.values:
            raise FrameError("invalid_status", _("'status' must be 'online' or 'away'."))
        await database_sync_to_async(agent_set_status)(profile=self.profile, status=status)
