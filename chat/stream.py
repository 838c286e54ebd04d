"""The fallback transport: protocol v1's server frames as server-sent events, for
visitors whose network will not carry a WebSocket.

The stream carries exactly what ``/ws/widget/`` would send after ``hello`` (a
welcome, replays, then live frames), so the widget handles both alike. Sends,
typing and read receipts go over REST, whose answers stand in for
``message.ack``. The widget reads the stream with ``fetch``, not ``EventSource``,
so the token travels in a header and never in a URL.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Callable

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views import View
from rest_framework import exceptions

from helpdesk.abuse import throttling
from helpdesk.abuse.addresses import rate_key, request_address
from helpdesk.models import Visitor, Widget

from . import events
from .consumers import FrameError, parse_resume
from .openings import visitor_opening
from .visitor_auth import VisitorTokenAuthentication, check_origin
from .visitor_presence import visitor_connected, visitor_disconnected, visitor_heartbeat

KEEPALIVE_SECONDS = 15
# RESUME_MAX_TICKETS pairs of a 19-digit id and a 19-digit seq fit well within it.
RESUME_QUERY_MAX_LENGTH = 4096


def sse(frame: dict) -> str:
    return f"event: {frame['type']}\ndata: {json.dumps(frame, separators=(',', ':'))}\n\n"


def error_response(status: int, code: str, message: str, wait: float | None = None) -> JsonResponse:
    response = JsonResponse({"code": code, "message": message}, status=status)
    if wait is not None:
        response["Retry-After"] = str(int(wait))
    return response


def resume_query(text: str) -> object:
    """The ``resume`` parameter's JSON. Too long, not JSON, or nested deeper than
    the decoder goes (RecursionError) is the client's mistake: a 400."""
    problem = FrameError("invalid_resume", _("'resume' is not a JSON object of ticket ids."))
    if len(text) > RESUME_QUERY_MAX_LENGTH:
        raise problem
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise problem from None


class VisitorStreamView(View):
    """``GET /api/widget/stream/?resume=<JSON>`` with ``Authorization: Visitor
    <token>``. ``resume`` is hello's: ``{"<ticket id>": <last seq held>}``.

    The server ends each stream after ``STREAM_MAX_AGE`` seconds so that long
    lived connections are recycled through proxies; the client reconnects with
    what it holds, exactly as after a dropped socket.
    """

    # Wired by helpdesk/urls.py, because chat must not import the agents app.
    agents_online: Callable[[Widget | None], bool] | None = None

    async def get(self, request: HttpRequest) -> HttpResponse:
        try:
            visitor = await database_sync_to_async(self.authenticate)(request)
            resume = parse_resume(resume_query(request.GET.get("resume") or "{}"))
        except exceptions.APIException as exc:
            wait = getattr(exc, "wait", None)
            return error_response(exc.status_code, exc.get_codes(), str(exc.detail), wait)
        except FrameError as exc:
            return error_response(400, exc.code, exc.message)

        layer = get_channel_layer()
        channel = await layer.new_channel()
        groups = [events.visitor_group(visitor.pk), events.widget_visitors_group(visitor.widget_id)]
        # Join before replaying, as the socket does: nothing slips in between.
        for group in groups:
            await layer.group_add(group, channel)
        opening = await database_sync_to_async(
            lambda: visitor_opening(
                visitor, resume, agents_online=self.agents_online(visitor.widget)
            )
        )()
        response = StreamingHttpResponse(
            self.frames(layer, channel, groups, opening, visitor.pk),
            content_type="text/event-stream",
        )
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # nginx would otherwise hold events back
        return response

    def authenticate(self, request: HttpRequest) -> Visitor:
        """The same checks as the widget REST API: address, token, blocked,
        origin, rate limits."""
        throttling.check_address(request)
        result = VisitorTokenAuthentication().authenticate(request)
        if result is None:
            raise exceptions.NotAuthenticated(_("Send Authorization: Visitor <token>."))
        visitor = result[1]
        check_origin(visitor.widget, request.headers.get("Origin"))
        throttling.check(
            "stream",
            address_key=rate_key(request_address(request)),
            visitor_id=visitor.pk,
        )
        return visitor

    async def frames(
        self, layer, channel: str, groups: list[str], opening: list[dict], visitor_id: object
    ) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        ends_at = loop.time() + settings.PARLEY["STREAM_MAX_AGE"]
        await database_sync_to_async(visitor_connected)(visitor_id)
        try:
            # A retry hint, then the same frames a socket would get.
            yield "retry: 2000\n\n"
            for frame in opening:
                yield sse(frame)
            while (left := ends_at - loop.time()) > 0:
                try:
                    message = await asyncio.wait_for(
                        layer.receive(channel), min(KEEPALIVE_SECONDS, left)
                    )
                except TimeoutError:
                    await database_sync_to_async(visitor_heartbeat)(visitor_id)
                    yield ": keepalive\n\n"
                    continue
                if message["type"] == events.CLOSE_MESSAGE_TYPE:
                    break
                yield sse(message["event"])
        finally:
            # Also runs when the client goes away and Django cancels the stream.
            for group in groups:
                await layer.group_discard(group, channel)
            await database_sync_to_async(visitor_disconnected)(visitor_id)
