"""One address flooding the widget, and what it costs everyone else (issue 14).

Parley on PostgreSQL + Redis (a fresh database and key prefix, removed at the
end), one server process on 127.0.0.1 (as `manage.py serve` runs it) behind a
pretend proxy: every client names its address in X-Forwarded-For
(PARLEY_CLIENT_ADDRESS_HEADER), so one machine can be many addresses. Then:

- **quiet**: ``--pairs`` visitors, each from an address of their own, send a
  message every ``--every`` seconds (under the per-visitor limit) to one agent
  subscribed to all of them; p50/p99 from the visitor's send to the agent's
  receipt;
- **flood**: the same again, while one other address sends ``--frames`` socket
  frames a second (message.send into its own chat, reconnecting at once
  whenever it is closed) and ``--requests`` REST messages a second into the same
  chat, as one visitor, from a client process of its own;

and reports the p99 ratio, what became of the flood's frames, requests and
connects, and how many of its messages were stored against the rate allowed
(the widget API's MESSAGE limit per visitor, which every transport shares).

    .venv/bin/python bench/flood.py
    .venv/bin/python bench/flood.py --seconds 60 --frames 1000 --requests 50
"""

import argparse
import asyncio
import collections
import concurrent.futures
import contextlib
import json
import multiprocessing
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import django
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    ORIGIN,
    Parley,
    cpu_seconds,
    get_json,
    log,
    percentile,
    raise_fd_limit,
)
from bench.relay import configuration, machine_load
from helpdesk.settings import RATE_LIMIT_DEFAULTS
from tests.processes import Stack, process_env

FLOODER = "203.0.113.66"


def victim_address(i: int) -> str:
    return f"198.51.100.{i + 1}"


class Pairs:
    """Visitors, each from an address of their own, writing to one agent."""

    def __init__(self, parley: Parley, server: str, rooms):
        self.parley, self.server, self.rooms = parley, server, rooms
        self.sent_at: dict[str, float] = {}
        self.latency: dict[str, float] = {}

    async def open(self) -> None:
        url = self.parley.stack.ws(self.server, "/ws/widget/")
        self.visitors = []
        for i, room in enumerate(self.rooms):
            socket = await websockets.connect(
                url,
                origin=ORIGIN,
                additional_headers={"X-Forwarded-For": victim_address(i)},
                ping_interval=None,
                max_queue=None,
            )
            await socket.send(json.dumps(room.hello))
            self.visitors.append(socket)
        self.agent = await self.parley.open_agent(self.server, 0, self.rooms)
        self.listening = asyncio.ensure_future(self.listen())

    async def listen(self) -> None:
        async for raw in self.agent:
            frame = json.loads(raw)
            if frame["type"] == "message.new":
                key = frame["message"]["body"].split(" ", 1)[0]
                if (sent := self.sent_at.pop(key, None)) is not None:
                    self.latency[key] = time.perf_counter() - sent

    async def run(self, seconds: float, every: float) -> list[float]:
        """Each visitor writes every ``every`` seconds, staggered; the latencies
        of the run (inf for a message that never came)."""
        keys = []

        async def visitor(i: int, socket) -> None:
            await asyncio.sleep(every * i / len(self.visitors))
            started = time.perf_counter()
            n = 0
            while (due := started + n * every) < started + seconds:
                await asyncio.sleep(max(0, due - time.perf_counter()))
                key = f"v{uuid.uuid4().hex[:12]}"
                keys.append(key)
                self.sent_at[key] = time.perf_counter()
                frame = {"type": "message.send", "ticket": self.rooms[i].ticket}
                await socket.send(json.dumps(frame | {"client_id": key, "body": f"{key} hello"}))
                n += 1

        await asyncio.gather(*(visitor(i, s) for i, s in enumerate(self.visitors)))
        await asyncio.sleep(3)
        return [self.latency.get(key, float("inf")) for key in keys]

    async def keepalive(self) -> None:
        while True:
            await asyncio.sleep(20)
            for socket in [*self.visitors, self.agent]:
                await socket.send('{"type": "ping"}')


async def flood_sockets(url: str, room, rate: float, seconds: float, counts) -> None:
    """``rate`` sends a second (a frame, or a connect when the socket was closed)
    from the flooder's address, paced on a fixed schedule."""
    headers = {"X-Forwarded-For": FLOODER}
    started, n, socket = time.perf_counter(), 0, None
    while (due := started + n / rate) < started + seconds:
        await asyncio.sleep(max(0, due - time.perf_counter()))
        n += 1
        if socket is None:
            try:
                socket = await websockets.connect(
                    url, origin=ORIGIN, additional_headers=headers, ping_interval=None,
                    max_queue=None, open_timeout=10,
                )  # fmt: skip
            except websockets.InvalidStatus as refused:
                counts[f"socket handshakes refused {refused.response.status_code}"] += 1
                continue
            except (OSError, websockets.WebSocketException):
                counts["socket handshakes failed"] += 1
                continue
            counts["sockets accepted"] += 1
            with contextlib.suppress(websockets.ConnectionClosed):
                await socket.send(json.dumps(room.hello))
            continue
        frame = {"type": "message.send", "ticket": room.ticket, "client_id": uuid.uuid4().hex}
        try:
            await socket.send(json.dumps(frame | {"body": "flood"}))
            counts["socket frames"] += 1
        except websockets.ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
            counts[f"sockets closed {code}"] += 1
            socket = None
    if socket is not None:
        with contextlib.suppress(Exception):
            await socket.close()


async def flood_requests(url: str, token: str, rate: float, seconds: float, counts) -> None:
    headers = {
        "Authorization": f"Visitor {token}",
        "Origin": ORIGIN,
        "Content-Type": "application/json",
        "X-Forwarded-For": FLOODER,
    }

    def post() -> int:
        body = json.dumps({"body": "flood", "client_id": uuid.uuid4().hex}).encode()
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    # Open loop: a request is started on time whether or not earlier ones have
    # answered, up to 100 at once; those still waiting for a thread when the
    # flood ends are never sent, and counted so.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=100)
    futures = []
    started, n = time.perf_counter(), 0
    while (due := started + n / rate) < started + seconds:
        await asyncio.sleep(max(0, due - time.perf_counter()))
        futures.append(pool.submit(post))
        n += 1
    pool.shutdown(wait=False, cancel_futures=True)
    for future in futures:
        if future.cancelled():
            counts["requests never sent (client busy)"] += 1
        else:
            counts[f"requests {await asyncio.wrap_future(future)}"] += 1


def ready() -> bool:
    return True


def flood_from_elsewhere(ws_url: str, http_url: str, room, args) -> collections.Counter[str]:
    """Both floods at once, in the process this runs in; what became of them."""
    counts: collections.Counter[str] = collections.Counter()

    async def both() -> None:
        await asyncio.gather(
            flood_sockets(ws_url, room, args.frames, args.seconds, counts),
            flood_requests(http_url, room.hello["token"], args.requests, args.seconds, counts),
        )

    asyncio.run(both())
    return counts


def stored_from(parley: Parley, server: str, ticket: int, after: int) -> int:
    """Visitor messages of ``ticket`` after seq ``after``."""
    headers = {"Authorization": f"Token {parley.tokens[parley.AGENTS[0]]}"}
    count = 0
    while True:
        path = f"/api/agent/tickets/{ticket}/messages/?after={after}&limit=500"
        page = get_json(parley.stack.http(server, path), headers)
        if not page["messages"]:
            return count
        count += sum(m["sender"]["type"] == "visitor" for m in page["messages"])
        after = page["messages"][-1]["seq"]


def last_seq(parley: Parley, server: str, ticket: int) -> int:
    headers = {"Authorization": f"Token {parley.tokens[parley.AGENTS[0]]}"}
    path = f"/api/agent/tickets/{ticket}/messages/?limit=1"
    return get_json(parley.stack.http(server, path), headers)["last_seq"]


def ms(values: list[float], q: float) -> str:
    value = percentile(values, q)
    return "lost" if value == float("inf") else f"{value * 1000:.0f} ms"


async def measure(args) -> None:
    from helpdesk.abuse.throttling import parse_rate

    per_visitor = parse_rate(RATE_LIMIT_DEFAULTS["message"][1])
    log(f"[flood] {machine_load()}")
    with configuration("services", args) as settings, tempfile.TemporaryDirectory() as tmp:
        settings |= {"PARLEY_CLIENT_ADDRESS_HEADER": "X-Forwarded-For"}
        stack = Stack(tmp=Path(tmp), env=process_env(Path(tmp), **settings))
        try:
            parley = Parley(stack)
            server = parley.start(1)[0]
            rooms = parley.rooms(args.pairs + 1, chats=args.pairs + 1)
            flooder, victims = rooms[-1], rooms[:-1]
            pairs = Pairs(parley, server, victims)
            await pairs.open()
            keepalive = asyncio.ensure_future(pairs.keepalive())
            log(f"[flood] warm-up, then {args.seconds:.0f} s quiet")
            await pairs.run(5, args.every)
            pid = stack.servers[server].pid
            cpu = cpu_seconds(pid)
            quiet = await pairs.run(args.seconds, args.every)
            quiet_cpu = (cpu_seconds(pid) - cpu) / args.seconds
            log(f"[flood] quiet: p50 {ms(quiet, 50)}, p99 {ms(quiet, 99)}")

            before = last_seq(parley, server, flooder.ticket)
            # The flood comes from a process of its own: its hundreds of connects
            # and request threads a second would otherwise stall the loop that
            # times the pairs, and their latency would be the client's.
            with concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            ) as flooding:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(flooding, ready)  # started and this module imported
                rates = f"{args.frames} frames/s and {args.requests} requests/s"
                log(f"[flood] {rates} from one address")
                started, cpu = time.perf_counter(), cpu_seconds(pid)
                flood = loop.run_in_executor(
                    flooding,
                    flood_from_elsewhere,
                    stack.ws(server, "/ws/widget/"),
                    stack.http(server, f"/api/widget/tickets/{flooder.ticket}/messages/"),
                    flooder,
                    args,
                )
                loud = await pairs.run(args.seconds, args.every)
                counts = await flood
            flood_seconds = time.perf_counter() - started
            flood_cpu = (cpu_seconds(pid) - cpu) / flood_seconds
            # Fixed windows: a run that crosses a window's edge may store the rate twice.
            now = time.time()
            span = per_visitor.seconds
            windows = int(now // span) - int((now - flood_seconds) // span) + 1
            stored = stored_from(parley, server, flooder.ticket, before)
            keepalive.cancel()
        finally:
            stack.stop_all()

    print(f"Flood from one address ({machine_load()}); {args.pairs} other visitor-agent pairs,")
    print(f"one message every {args.every:g} s each, for {args.seconds:g} s:\n")
    print("| | p50 | p99 | lost |")
    print("|---|---|---|---|")
    for name, values in (("quiet", quiet), ("during the flood", loud)):
        lost = sum(v == float("inf") for v in values)
        print(f"| {name} | {ms(values, 50)} | {ms(values, 99)} | {lost} of {len(values)} |")
    ratio = percentile(loud, 99) / percentile(quiet, 99)
    print(f"\np99 during the flood / quiet: **{ratio:.2f}x**; the server's CPU:")
    print(f"{quiet_cpu:.0%} of a core quiet, {flood_cpu:.0%} during the flood")
    print(f"({flood_seconds:.0f} s, the requests' answers included).\n")
    print("| the flood | count |")
    print("|---|---|")
    for name, count in sorted(counts.items()):
        print(f"| {name} | {count} |")
    allowed = int(per_visitor.count * windows)
    limit = f"{per_visitor.count} per {per_visitor.seconds} s window"
    print(f"| messages stored | {stored} (allowed {limit}: {allowed} in {flood_seconds:.0f} s) |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument(
        "--every", type=float, default=4.0, help="seconds between a visitor's messages"
    )
    parser.add_argument("--frames", type=float, default=1000)
    parser.add_argument("--requests", type=float, default=50)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    # The bench reads Parley's defaults (the rate it reports against) as the
    # servers do; its own process touches no database.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    django.setup()
    raise_fd_limit()
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
