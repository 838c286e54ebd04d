"""Real processes: daphne servers and Celery workers against a real PostgreSQL
database and Redis, created for the test run and dropped after it, and a real
SMTP server for what they email."""

import asyncio
import contextlib
import email
import json
import os
import time
import uuid
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import psycopg
import pytest
import websockets
from aiosmtpd.controller import Controller

from ..conftest import skip_or_fail
from ..processes import Stack, free_port, process_env
from ..services_up import main as services_up

ADMIN_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

pytestmark = pytest.mark.integration


@contextlib.contextmanager
def services_stack(tmp: Path, prepare: str = "", **settings: str) -> Iterator[Stack]:
    """Parley on a PostgreSQL database of its own and Redis, set up with the demo
    data and then ``prepare`` (Stack.setup); ``settings`` go into the processes'
    environment."""
    if services_up(ADMIN_DATABASE_URL, REDIS_URL) != 0:
        skip_or_fail(
            "integration tests need PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL)"
        )
    name = f"parley_it_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = ADMIN_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"
    env = process_env(
        tmp,
        DATABASE_URL=database_url,
        # Presence, groups and queued tasks of earlier runs stay out.
        PARLEY_REDIS_PREFIX=name,
        # A test may bring a Redis of its own (RedisServer) as REDIS_URL.
        **({"REDIS_URL": REDIS_URL} | settings),
    )
    stack = Stack(tmp=tmp, env=env)
    try:
        stack.setup(prepare)
        yield stack
    finally:
        stack.stop_all()
        with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Inbox:
    """An SMTP server's catch: every email it was handed, parsed."""

    def __init__(self):
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def about(self, predicate, timeout: float = 60) -> list[Message]:
        """The emails ``predicate`` picks, once there is one. (The demo data's own
        waiting visitors get emails too.)"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := [message for message in self.messages if predicate(message)]:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no such email after {timeout}s")


@contextlib.contextmanager
def smtp_server(handler) -> Iterator[int]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that hands what it receives to
    ``handler``; yields its port."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def mailing_settings(smtp_port: int, **settings: str) -> dict[str, str]:
    """Settings for a stack that emails through the server on ``smtp_port``, with
    a visitor's wait told to the team after a second."""
    return {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "PARLEY_UNANSWERED_DELAY": "1",
        **settings,
    }


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stack")
    # Agents pick chats by hand here, so each test decides who has which; routing
    # across servers has its own stack (test_routing.py).
    with services_stack(
        tmp, EMAIL_FILE_PATH=str(tmp / "mail"), PARLEY_AUTO_ASSIGN="false"
    ) as stack:
        yield stack


class Socket:
    """A protocol v1 client over a real WebSocket."""

    def __init__(self, connection):
        self.connection = connection

    @classmethod
    async def open(cls, url: str, origin: str) -> "Socket":
        return cls(await websockets.connect(url, origin=origin, open_timeout=10))

    async def send(self, frame: dict) -> None:
        await self.connection.send(json.dumps(frame))

    async def receive(self, timeout: float = 10) -> dict:
        return json.loads(await asyncio.wait_for(self.connection.recv(), timeout))

    async def receive_until(self, frame_type: str, timeout: float = 10) -> list[dict]:
        frames = []
        while not frames or frames[-1]["type"] != frame_type:
            frames.append(await self.receive(timeout))
        return frames

    async def receive_message(self, seq: int, timeout: float = 10) -> dict:
        """The message with ``seq``, skipping other frames (acks, presence, own echoes)."""
        while True:
            frame = await self.receive(timeout)
            if frame["type"] == "message.new" and frame["message"]["seq"] == seq:
                return frame["message"]

    async def close(self) -> None:
        await self.connection.close()
