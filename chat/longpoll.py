"""Long-polling on history: ``GET .../messages/?after=<seq>&wait=<seconds>``, for
clients that can hold neither a WebSocket nor an event stream open.

The DRF view does everything a history read does (token, origin, rate limit,
the visitor's own ticket, the query) and, when nothing is past ``after`` yet,
answers 200 with a body that is still to come. The wait happens while that body
streams, on the event loop, after the middleware has returned: a view that
waited would hold a thread for the whole wait (whitenoise's middleware is sync
only, so every view call passes through a thread). The body joins the group
first and reads the database again, so a message that commits between the
view's read and the join still answers at once; it ends on the ticket's next
``message.new``, or after ``wait`` seconds with an empty page.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.http import StreamingHttpResponse
from rest_framework.renderers import JSONRenderer

from . import events


@dataclass(frozen=True)
class LongPoll:
    """A history read with nothing new yet, to be answered once there is.
    ``page`` builds the answer from the database when called."""

    group: str
    ticket_id: int
    seconds: int
    page: Callable[[], dict]


def held_response(poll: LongPoll) -> StreamingHttpResponse:
    response = StreamingHttpResponse(answer(poll), content_type="application/json")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx would otherwise wait for the whole body
    return response


async def answer(poll: LongPoll) -> AsyncIterator[bytes]:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(poll.group, channel)
    try:
        page = await database_sync_to_async(poll.page)()
        if not page["messages"]:
            await message_for(layer, channel, poll)
            page = await database_sync_to_async(poll.page)()
    finally:
        # Also runs when the client goes away and Django cancels the body.
        await layer.group_discard(poll.group, channel)
    yield JSONRenderer().render(page)


async def message_for(layer, channel: str, poll: LongPoll) -> None:
    """Returns on the ticket's next message (or when the visitor's sockets are
    told to close), or after ``poll.seconds``."""
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + poll.seconds
    while (left := ends_at - loop.time()) > 0:
        try:
            message = await asyncio.wait_for(layer.receive(channel), left)
        except TimeoutError:
            return
        if message["type"] == events.CLOSE_MESSAGE_TYPE:
            return
        event = message.get("event", {})
        if event.get("type") == "message.new" and event.get("ticket") == poll.ticket_id:
            return
