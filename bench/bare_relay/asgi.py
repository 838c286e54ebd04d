"""The bare relay as an ASGI application, for daphne.

``/ws/room/<room>/`` is a visitor: it joins its room's group, and every frame it
sends goes to everyone in the room. ``/ws/agent/`` joins the rooms it names in
``{"type": "subscribe", "room": ...}`` frames and receives what they relay. Any
HTTP request answers 200, so the harness can tell when the server is up.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bare_relay.settings")
django.setup()

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class RoomConsumer(AsyncJsonWebsocketConsumer):
    """A visitor: joins its room and relays each frame to it."""

    async def connect(self):
        self.room = f"room-{self.scope['url_route']['kwargs']['room']}"
        self.rooms = {self.room}
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for room in self.rooms:
            await self.channel_layer.group_discard(room, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.channel_layer.group_send(self.room, {"type": "relay.frame", "frame": content})

    async def relay_frame(self, message):
        await self.send_json(message["frame"])


class AgentConsumer(RoomConsumer):
    """An agent: hears every room it subscribes to."""

    async def connect(self):
        self.rooms = set()
        await self.accept()

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "subscribe":
            room = f"room-{content['room']}"
            self.rooms.add(room)
            await self.channel_layer.group_add(room, self.channel_name)


async def health(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


application = ProtocolTypeRouter(
    {
        "http": health,
        "websocket": URLRouter(
            [
                path("ws/room/<str:room>/", RoomConsumer.as_asgi()),
                path("ws/agent/", AgentConsumer.as_asgi()),
            ]
        ),
    }
)
