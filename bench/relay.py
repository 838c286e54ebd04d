"""End-to-end message latency through Parley's real path.

Visitors send over /ws/widget/; every message goes through post_message (a
database write) and reaches an agent subscribed on /ws/agent/. The benchmark
starts its own server processes on 127.0.0.1, drives them for a fixed time at a
fixed rate, and stops by itself.

    .venv/bin/python bench/relay.py --rooms 50 --rate 100 --seconds 20
    .venv/bin/python bench/relay.py --redis redis://127.0.0.1:6379/0 \
        --database postgres://postgres@127.0.0.1:5432/test --servers 2

It prints one Markdown table row for docs/benchmarks.md.
"""

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.processes import Stack, post_json, process_env

CLOCK_TICKS = 100  # USER_HZ on Linux


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def get_json(url: str, headers: dict) -> dict:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


class Room:
    """One visitor with one ticket, on one of the servers."""

    def __init__(self, stack: Stack, server: str):
        self.stack = stack
        self.server = server
        session = post_json(
            stack.http(server, "/api/widget/session/"), {"key": "demo", "name": "Bench"}
        )
        self.token = session["token"]
        first = post_json(
            stack.http(server, "/api/widget/tickets/"),
            {"body": "bench start", "client_id": str(uuid.uuid4())},
            {"Authorization": f"Visitor {self.token}"},
        )
        self.ticket = first["ticket"]
        self.socket = None
        self.acked = 0

    async def connect(self) -> None:
        self.socket = await websockets.connect(
            self.stack.ws(self.server, "/ws/widget/"), origin="https://shop.example"
        )
        await self.socket.send(json.dumps({"type": "hello", "token": self.token}))
        self.drainer = asyncio.ensure_future(self.drain())

    async def drain(self) -> None:
        # The benchmark times the agent side; here it only counts acks.
        async for raw in self.socket:
            if json.loads(raw)["type"] == "message.ack":
                self.acked += 1

    async def send(self, body: str) -> None:
        frame = {"type": "message.send", "ticket": self.ticket, "client_id": body, "body": body}
        await self.socket.send(json.dumps(frame))


async def run(args, stack: Stack, servers: list[str]) -> dict:
    rooms = [Room(stack, servers[i % len(servers)]) for i in range(args.rooms)]
    for room in rooms:
        await room.connect()

    # The agent listens on the last server, so with --servers 2 every message
    # crosses the channel layer between processes.
    agent_server = servers[-1]
    agent = await websockets.connect(
        stack.ws(agent_server, "/ws/agent/"), origin=stack.http(agent_server), max_queue=None
    )
    await agent.send(json.dumps({"type": "hello", "token": stack.agent_token("ada")}))
    for room in rooms:
        await agent.send(json.dumps({"type": "subscribe", "ticket": room.ticket, "after": 1}))
        await asyncio.sleep(0.15)  # stay under the socket's flood limit

    sent_at: dict[str, float] = {}
    latencies: list[float] = []

    async def listen() -> None:
        async for raw in agent:
            frame = json.loads(raw)
            if frame["type"] == "message.new":
                body = frame["message"]["body"]
                if body in sent_at:
                    latencies.append(time.monotonic() - sent_at.pop(body))

    listener = asyncio.ensure_future(listen())
    await asyncio.sleep(1)
    pids = [process.pid for process in stack.servers.values()]
    cpu_before = sum(cpu_seconds(pid) for pid in pids)

    interval = 1 / args.rate
    started = time.monotonic()
    count = 0
    while time.monotonic() - started < args.seconds:
        room = rooms[count % len(rooms)]
        body = f"m-{count}-{uuid.uuid4().hex[:8]}"
        sent_at[body] = time.monotonic()
        await room.send(body)
        count += 1
        # Keep the offered rate steady: sleep until this message's slot.
        delay = started + count * interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    send_seconds = time.monotonic() - started

    await asyncio.sleep(args.drain)
    cpu_used = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    listener.cancel()

    # Past the knee the server is still working through its backlog: count what
    # is stored only once every message is acked (or the settle time is up).
    deadline = time.monotonic() + args.settle
    while sum(room.acked for room in rooms) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.5)

    # Whatever the live stream lost must be in the database, by seq.
    headers = {"Authorization": f"Token {stack.agent_token('ada')}"}
    stored = 0
    for room in rooms:
        history = get_json(
            stack.http(servers[0], f"/api/agent/tickets/{room.ticket}/messages/?limit=500"), headers
        )
        # The bench's own messages, minus the opening one (routing adds a line).
        stored += sum(m["sender"]["type"] == "visitor" for m in history["messages"]) - 1
    return {
        "sent": count,
        "offered_rate": count / send_seconds,
        "delivered_live": len(latencies),
        "acked": sum(room.acked for room in rooms),
        "stored": stored,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else None,
        "p99_ms": statistics.quantiles(latencies, n=100)[98] * 1000
        if len(latencies) >= 100
        else None,
        "cpu_per_1k": cpu_used / count * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--rate", type=float, default=100, help="messages per second, all rooms")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--drain", type=float, default=5, help="seconds to wait for stragglers")
    parser.add_argument(
        "--settle", type=float, default=120, help="seconds to wait for every ack when overloaded"
    )
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--redis", default="", help="REDIS_URL; default: in-memory layer")
    parser.add_argument("--database", default="", help="PostgreSQL URL; default: SQLite")
    args = parser.parse_args()
    if args.servers > 1 and not args.redis:
        parser.error("--servers > 1 needs --redis: the in-memory layer is per process")

    with tempfile.TemporaryDirectory() as tmp:
        # Measured as deployed: DEBUG off (no query log), with a throwaway secret.
        settings = {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "PARLEY_HELLO_TIMEOUT": "30",
        }
        database_name = None
        if args.redis:
            settings["REDIS_URL"] = args.redis
        if args.database:
            database_name = f"parley_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.database, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{database_name}"')
            settings["DATABASE_URL"] = args.database.rsplit("/", 1)[0] + f"/{database_name}"
        stack = Stack(tmp=Path(tmp), env=process_env(Path(tmp), **settings))
        try:
            stack.setup()
            servers = [f"s{i}" for i in range(args.servers)]
            for name in servers:
                stack.start_daphne(name)
            result = asyncio.run(run(args, stack, servers))
        finally:
            stack.stop_all()
            if database_name:
                with psycopg.connect(args.database, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')

    setup = (
        f"{args.servers} daphne, {'Redis pub/sub' if args.redis else 'in-memory'} layer, "
        f"{'PostgreSQL' if args.database else 'SQLite'}"
    )

    def ms(value):
        return f"{value:.0f} ms" if value is not None else "n/a"

    print(json.dumps(result, indent=2))
    print(
        f"| {setup} | {args.rooms} | {result['offered_rate']:.0f}/s | "
        f"{result['delivered_live']}/{result['sent']} | {result['stored']}/{result['sent']} | "
        f"{ms(result['p50_ms'])} | {ms(result['p99_ms'])} | {result['cpu_per_1k']:.1f} s |"
    )


if __name__ == "__main__":
    main()
