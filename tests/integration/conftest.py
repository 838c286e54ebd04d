"""Real processes: daphne servers (and later Celery workers) against a real
PostgreSQL database and Redis, created for the test run and dropped after it."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import websockets

from ..conftest import skip_or_fail
from ..services_up import main as services_up

ROOT = Path(__file__).resolve().parents[2]
ADMIN_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not answer in {timeout}s:\n{log.read_text()[-3000:]}")


@dataclass
class Stack:
    """A PostgreSQL database, Redis and the Parley processes that use them."""

    tmp: Path
    env: dict
    servers: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def start_daphne(self, name: str) -> str:
        port = self.ports.setdefault(name, free_port())
        log = self.tmp / f"daphne-{name}.log"
        self.servers[name] = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "helpdesk.asgi:application"],
            cwd=ROOT, env=self.env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for_http(self.http(name, "/healthz/"), self.servers[name], log)
        return self.http(name)

    def stop_daphne(self, name: str) -> None:
        process = self.servers.pop(name)
        process.terminate()
        process.wait(timeout=15)

    def http(self, name: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def ws(self, name: str, path: str) -> str:
        return f"ws://127.0.0.1:{self.ports[name]}{path}"

    def agent_token(self, username: str) -> str:
        output = self.manage("drf_create_token", username)
        return re.search(r"Generated token (\w+)", output).group(1)

    def stop_all(self) -> None:
        for name in list(self.servers):
            self.stop_daphne(name)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if services_up(ADMIN_DATABASE_URL, REDIS_URL) != 0:
        skip_or_fail(
            "integration tests need PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL)"
        )
    name = f"parley_it_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = ADMIN_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"
    tmp = tmp_path_factory.mktemp("stack")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "PARLEY_VAR_DIR": str(tmp),
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
    }
    stack = Stack(tmp=tmp, env=env)
    try:
        stack.manage("migrate", "--noinput", "-v0")
        stack.manage("seed_demo")
        yield stack
    finally:
        stack.stop_all()
        with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def post_json(url: str, payload: dict, headers: dict | None = None) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


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
        import asyncio

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
