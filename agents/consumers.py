"""``/ws/agent/``: the dashboard's live connection."""

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from chat import events, services
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

from . import presence
from .models import AgentProfile
from .selectors import (
    INBOX_STATUSES,
    agent_profile,
    agent_ticket,
    agent_tickets,
    user_for_api_token,
)
from .services import agent_set_status, broadcast_presence

INBOX_WELCOME_LIMIT = 200


class AgentConsumer(ProtocolConsumer):
    frame_handlers = {
        "message.send": "on_message_send",
        "subscribe": "on_subscribe",
        "unsubscribe": "on_unsubscribe",
        "typing": "on_typing",
        "seen": "on_seen",
        "presence.set": "on_presence_set",
    }

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
        self.authenticated = True
        await self.join(events.AGENTS_GROUP)
        was_online, tickets = await database_sync_to_async(self.start_session)()
        await self.send_json(
            events.welcome(
                you={
                    "type": "agent",
                    "id": profile.user_id,
                    "name": profile.display_name,
                    "status": profile.status,
                },
                tickets=[events.ticket_payload(ticket) for ticket in tickets],
                agents_online=await database_sync_to_async(presence.agents_online)(),
            )
        )
        if not was_online:
            await database_sync_to_async(broadcast_presence)()

    def start_session(self):
        was_online = bool(presence.present_user_ids([self.profile.user_id]))
        presence.presence_heartbeat(self.profile.user_id)
        tickets = list(agent_tickets(statuses=INBOX_STATUSES)[:INBOX_WELCOME_LIMIT])
        return was_online, tickets

    async def on_ping(self, frame: dict) -> None:
        await database_sync_to_async(presence.presence_heartbeat)(self.profile.user_id)
        await super().on_ping(frame)

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

    async def on_unsubscribe(self, frame: dict) -> None:
        await self.leave(events.ticket_group(frame_ticket_id(frame)))

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
        return services.post_message(
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
