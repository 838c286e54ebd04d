"""Asking the assistant as the widget does, and reading its answer's events."""

import asyncio
import json

from asgiref.sync import sync_to_async
from django.test import AsyncClient
from rest_framework.test import APIClient

from chat.visitor_auth import visitor_token


def parse_events(text: str) -> list[dict]:
    """Server-sent events as frames; the retry hint and comments are skipped."""
    frames = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" in fields:
            frame = json.loads(fields["data"])
            assert fields["event"] == frame["type"]
            frames.append(frame)
    return frames


def visitor_api(visitor) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Visitor {visitor_token(visitor)}")
    return api


class EventStream:
    """An answer read event by event, while it is still being written."""

    def __init__(self, response) -> None:
        self.chunks = aiter(response.streaming_content)
        self.buffer = ""

    async def next_event(self, timeout: float = 5) -> dict | None:
        while True:
            while "\n\n" not in self.buffer:
                try:
                    chunk = await asyncio.wait_for(anext(self.chunks), timeout)
                except StopAsyncIteration:
                    return None
                self.buffer += chunk.decode()
            block, self.buffer = self.buffer.split("\n\n", 1)
            frames = parse_events(block + "\n\n")
            if frames:
                return frames[0]

    async def rest(self):
        while (frame := await self.next_event()) is not None:
            yield frame


async def open_question(visitor, body: str, **fields) -> EventStream:
    token = await sync_to_async(visitor_token)(visitor)
    response = await AsyncClient().post(
        "/api/widget/assistant/questions/",
        {"body": body, **fields},
        content_type="application/json",
        headers={"Authorization": f"Visitor {token}", "Origin": "https://shop.example"},
    )
    assert response.status_code == 200, response.content
    return EventStream(response)


async def ask(visitor, body: str, *, origin: str = "https://shop.example", **fields):
    """POST a question; returns (response, frames) once the stream has ended."""
    token = await sync_to_async(visitor_token)(visitor)
    response = await AsyncClient().post(
        "/api/widget/assistant/questions/",
        {"body": body, **fields},
        content_type="application/json",
        headers={"Authorization": f"Visitor {token}", "Origin": origin},
    )
    if not response.streaming:
        return response, []
    text = b"".join([chunk async for chunk in response.streaming_content]).decode()
    return response, parse_events(text)
