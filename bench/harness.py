"""The load the benchmarks put on a server, and what they read off it.

A *target* is something that relays chat frames from visitors to agents: Parley,
or the bare Channels relay in ``bench/bare_relay`` that Parley is measured
against. Both are real server processes on 127.0.0.1 (``tests.processes.Stack``),
driven over real WebSockets by the same client code with the same frames, so
the only difference between two rows of a table is the server.

A ``Load`` is one target's sockets: a visitor socket per room and agent sockets
subscribed to the rooms. ``Load.run`` sends visitor messages (and, if asked,
typing frames with a draft) at a fixed offered rate and times each from the
visitor's send to the agent's receipt. ``knee`` searches for the highest rate
a target carries with every message live and a low p99; ``idle_sockets``
measures what many open, quiet sockets cost.
"""

import asyncio
import collections
import dataclasses
import itertools
import json
import math
import resource
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from helpdesk.servers import SERVED_BY  # noqa: E402
from tests.processes import Stack  # noqa: E402

CLOCK_TICKS = 100  # USER_HZ on Linux
BODY_BYTES = 130
ORIGIN = "https://shop.example"  # any origin may use the demo widget
LOST = math.inf  # the latency of a message that never arrived live
WARM_UP = (20, 2)  # messages a second, seconds: a run to start from warm servers


def log(line: str) -> None:
    """Progress goes to stderr, so stdout carries only the table."""
    print(time.strftime("%H:%M:%S"), line, file=sys.stderr, flush=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, all its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def runnable(pid: int) -> bool:
    """Whether a thread of the process is running, waiting for a CPU or for the
    disk: on a busy machine a server starved of CPU uses little of it."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            state = task.joinpath("stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        if state in {"R", "D"}:
            return True
    return False


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def raise_fd_limit() -> int:
    """Lift this process's soft limit on open files to the hard one; the servers
    it starts inherit it. Ten thousand sockets need ten thousand descriptors on
    each end. Returns the new limit."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def padded(key: str) -> str:
    """A body of BODY_BYTES that starts with ``key`` and a space."""
    return f"{key} ".ljust(BODY_BYTES, "x")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; ``LOST`` entries sort last, so a p99 over runs
    that lost more than 1 % is itself ``LOST``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else LOST


# --- targets -------------------------------------------------------------------------


@dataclass
class Room:
    """One visitor and the conversation they write in."""

    path: str
    hello: dict | None
    ticket: int  # the id that message and typing frames name
    server: str = ""  # the Stack name of the server the visitor's socket is on


class Target:
    """A server under test: how to start it, reach it and read what it relays."""

    name: str
    application: str
    # Messages a visitor socket may send per second before the server closes it.
    max_rate_per_socket: float = math.inf
    ping_frame: dict | None = None
    # The frame that tells a visitor their message is stored, if the target stores.
    ack_type: str | None = None

    # The ASGI server it runs under unless told (helpdesk/servers.py).
    default_server = "daphne"

    def __init__(self, stack: Stack, server: str | None = None):
        self.stack = stack
        self.server = server or self.default_server

    def start(self, servers: int) -> list[str]:
        """Make sure ``servers`` server processes run; returns their names."""
        names = [f"{self.name}-{i}" for i in range(servers)]
        for name in names:
            if name not in self.stack.servers:
                self.stack.start_servers(name, application=self.application, server=self.server)
        for name in set(self.stack.servers) - set(names):
            self.stack.stop(name)
        return names

    def restart(self, name: str) -> None:
        """A fresh process in place of ``name``: whatever backlog it had is gone."""
        self.stack.stop(name)
        self.stack.start_servers(name, application=self.application, server=self.server)

    def pids(self) -> list[int]:
        return [process.pid for process in self.stack.servers.values()]

    def rooms(self, count: int, *, chats: int) -> list[Room]:
        """``count`` visitors; the first ``chats`` have a conversation (the others
        only hold a socket open)."""
        raise NotImplementedError

    async def open_agent(self, server: str, agent: int, rooms: list[Room]):
        """An agent's socket on ``server``, subscribed to ``rooms``."""
        raise NotImplementedError

    def heard(self, frame: dict) -> str | None:
        """The body or draft an agent's frame carries, if it is one of ours."""
        raise NotImplementedError

    def stored(self, rooms: list[Room]) -> tuple[set[str], bool] | None:
        """What the server stored: the first word of every visitor message, and
        whether every conversation's ``seq`` runs without a gap. None: it stores
        nothing."""
        return None


class Reference(Target):
    """The bare Channels relay (bench/bare_relay): no auth, no database."""

    name = "reference"
    application = "bench.bare_relay.asgi:application"

    def rooms(self, count: int, *, chats: int) -> list[Room]:
        return [Room(f"/ws/room/{i}/", None, i) for i in range(count)]

    async def open_agent(self, server: str, agent: int, rooms: list[Room]):
        socket = await connect(self.stack.ws(server, "/ws/agent/"))
        for room in rooms:
            await socket.send(json.dumps({"type": "subscribe", "room": room.ticket}))
        return socket

    def heard(self, frame: dict) -> str | None:
        # The relay hands on the visitor's own frame.
        return frame.get("body") or frame.get("draft")


class Parley(Target):
    """Parley as deployed: migrated, the demo data seeded, DEBUG off."""

    name = "parley"
    application = "helpdesk.asgi:application"
    default_server = SERVED_BY  # as `manage.py serve` runs it
    # helpdesk/settings.py PARLEY["FRAME_RATE"] is 10 a second per socket; stay
    # well under it, or the server closes the visitor's socket with 4429.
    max_rate_per_socket = 8
    ping_frame = {"type": "ping"}
    ack_type = "message.ack"
    AGENTS = ("ada", "grace")
    SUBSCRIBE_EVERY = 1 / 9  # an agent's socket is held to the same flood limit
    # Every visitor of the benchmark comes from 127.0.0.1, and each writes faster
    # than a person would (1 a second at 100/s over 100 rooms): limits per address
    # and per visitor are raised out of the way, not switched off, so the counting
    # still costs what it costs. So is handshake admission (50 in flight): the idle
    # case opens 128 sockets at a time, as many visitors arriving at once would
    # not, and the reference turns none away.
    SETTINGS = {
        "PARLEY_SOCKETS_PER_IP": "1000000",
        "PARLEY_RATE_MESSAGE_PER_IP": "1000000/min",
        "PARLEY_RATE_MESSAGE_PER_VISITOR": "1000000/min",
        "PARLEY_HANDSHAKES_IN_FLIGHT": "1000000",
    }

    def __init__(self, stack: Stack, server: str | None = None):
        super().__init__(stack, server)
        stack.setup()
        self.tokens = {username: stack.agent_token(username) for username in self.AGENTS}

    def rooms(self, count: int, *, chats: int) -> list[Room]:
        out = self.stack.tmp / "visitors.json"
        subprocess.run(
            [sys.executable, "bench/seed_visitors.py", str(out), str(count), "--chats", str(chats)],
            cwd=ROOT, env=self.stack.env, check=True, timeout=600,
        )  # fmt: skip
        return [
            Room("/ws/widget/", {"type": "hello", "token": visitor["token"]}, visitor["ticket"])
            for visitor in json.loads(out.read_text())
        ]

    async def open_agent(self, server: str, agent: int, rooms: list[Room]):
        socket = await connect(self.stack.ws(server, "/ws/agent/"), origin=self.stack.http(server))
        token = self.tokens[self.AGENTS[agent]]
        await socket.send(json.dumps({"type": "hello", "token": token}))
        await expect(socket, "welcome")
        for room in rooms:
            # after=1: the opening message is not replayed.
            await socket.send(json.dumps({"type": "subscribe", "ticket": room.ticket, "after": 1}))
            await asyncio.sleep(self.SUBSCRIBE_EVERY)
        return socket

    def heard(self, frame: dict) -> str | None:
        if frame["type"] == "message.new":
            return frame["message"]["body"]
        if frame["type"] == "typing":
            return frame.get("draft")
        return None

    def stored(self, rooms: list[Room]) -> tuple[set[str], bool]:
        headers = {"Authorization": f"Token {self.tokens[self.AGENTS[0]]}"}
        server = next(iter(self.stack.servers))
        bodies, gap_free = set(), True
        for room in rooms:
            seqs, after = [], 0
            while True:
                page = get_json(
                    self.stack.http(
                        server,
                        f"/api/agent/tickets/{room.ticket}/messages/?after={after}&limit=500",
                    ),
                    headers,
                )
                if not page["messages"]:
                    break
                for message in page["messages"]:
                    seqs.append(message["seq"])
                    if message["sender"]["type"] == "visitor":
                        bodies.add(message["body"].split(" ", 1)[0])
                after = seqs[-1]
            gap_free &= seqs == list(range(1, page["last_seq"] + 1))
        return bodies, gap_free


def get_json(url: str, headers: dict) -> dict:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


async def connect(url: str, origin: str = ORIGIN):
    # No client pings: a browser sends none, and they would be load of our making.
    return await websockets.connect(
        url, origin=origin, max_queue=None, ping_interval=None, open_timeout=120
    )


async def expect(socket, frame_type: str) -> dict:
    """Read frames until one of ``frame_type``."""
    while True:
        frame = json.loads(await socket.recv())
        if frame["type"] == frame_type:
            return frame


# --- load ------------------------------------------------------------------------------


@dataclass
class Run:
    """One stretch of steady load on one target, and what came of it."""

    target: str
    servers: int
    rate: float  # messages a second, as offered
    seconds: float
    sent: int = 0
    live: int = 0  # messages that reached the agent before the run's grace ran out
    latencies: list[float] = field(default_factory=list)  # one per message, LOST if not live
    typing_sent: int = 0
    typing_live: int = 0
    typing_delivered: int = 0  # typing frames that arrived at all, live or late
    processed: int = 0  # messages acked (Parley) or arrived (reference), live or late
    server_cpu: float = 0.0  # seconds, all server processes, until the run settled
    client_cpu: float = 0.0  # seconds, this process, while sending
    client_lag_ms: float = 0.0  # how far behind its schedule the client fell
    settled: bool = True  # every message arrived and was acked before the settle limit
    keys: set[str] = field(default_factory=set)

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 99) * 1000

    @property
    def frames(self) -> int:
        """Frames the server got through while its CPU was counted."""
        return self.processed + self.typing_delivered

    @property
    def cpu_per_1k(self) -> float:
        """Server CPU seconds per 1,000 frames it got through (messages and typing):
        per frame sent would flatter a run that left a backlog."""
        return self.server_cpu / self.frames * 1000 if self.frames else 0.0

    def summary(self) -> str:
        typing = f", typing {self.typing_live}/{self.typing_sent} live" if self.typing_sent else ""
        return (
            f"{self.target} on {self.servers}, {self.rate:.3g}/s: "
            f"live {self.live}/{self.sent}{typing}, "
            f"p50 {ms(self.p50_ms)}, p99 {ms(self.p99_ms)}, server CPU {self.cpu_per_1k:.2f} s/1k, "
            f"client CPU {self.client_cpu / self.seconds:.0%}, lag {self.client_lag_ms:.0f} ms"
            + ("" if self.settled else ", NOT SETTLED")
        )


def ms(value: float) -> str:
    if value == LOST:
        return "lost"
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.1f} ms"


class Load:
    """A visitor socket per room and agents subscribed to them, on one target.

    With one server a single agent hears every room. With two, each server has
    half the visitors and an agent who watches the other half's rooms, so every
    message crosses the channel layer between processes and both servers carry
    the same share of writes and deliveries.
    """

    keys = itertools.count()

    def __init__(self, target: Target, rooms: list[Room], servers: list[str]):
        self.target = target
        self.rooms = [
            dataclasses.replace(room, server=servers[i % len(servers)])
            for i, room in enumerate(rooms)
        ]
        self.visitors = []
        self.agents = []
        self.sent_at: dict[str, float] = {}
        self.arrived: dict[str, float] = {}  # key -> latency, live or late
        self.acks = 0
        self.errors: collections.Counter[str] = collections.Counter()  # error frames by code
        self.tasks: list[asyncio.Task] = []
        self.runs: list[Run] = []

    async def open(self) -> None:
        """Connect every visitor and agent, then warm the servers up (first
        queries, imports and caches) with a short run that is not reported."""
        for room in self.rooms:
            socket = await connect(self.target.stack.ws(room.server, room.path))
            if room.hello:
                await socket.send(json.dumps(room.hello))
                await expect(socket, "welcome")
            self.visitors.append(socket)
            self.tasks.append(asyncio.ensure_future(self.drain_visitor(socket)))
        servers = sorted({room.server for room in self.rooms})
        # (agent's server, server whose visitors it watches): with one server the
        # same; with two, the other one.
        watchers = list(zip(servers, servers[1:] + servers[:1], strict=True))
        # Each agent subscribes in its own task: Parley paces subscriptions per socket.
        self.agents = await asyncio.gather(
            *(
                self.target.open_agent(
                    agent_server, i, [room for room in self.rooms if room.server == watched]
                )
                for i, (agent_server, watched) in enumerate(watchers)
            )
        )
        self.tasks += [asyncio.ensure_future(self.listen(agent)) for agent in self.agents]
        if self.target.ping_frame:
            self.tasks.append(asyncio.ensure_future(self.keepalive()))
        await self.run(*WARM_UP, rooms=min(len(self.rooms), 20), reset=False)

    async def drain_visitor(self, socket) -> None:
        async for raw in socket:
            frame = json.loads(raw)
            if frame["type"] == self.target.ack_type:
                self.acks += 1
            elif frame["type"] == "error":
                self.errors[frame["code"]] += 1

    async def listen(self, socket) -> None:
        async for raw in socket:
            now = time.perf_counter()
            text = self.target.heard(json.loads(raw))
            if text:
                key = text.split(" ", 1)[0]
                sent = self.sent_at.pop(key, None)
                if sent is not None:
                    self.arrived[key] = now - sent

    async def keepalive(self) -> None:
        """Ping every socket once per 20 s, as the dashboard does (the widget every
        25 s), or the agent would drop out of presence in the middle of a run."""
        sockets = self.visitors + self.agents
        frame = json.dumps(self.target.ping_frame)
        while True:
            for socket in sockets:
                await socket.send(frame)
                await asyncio.sleep(20 / len(sockets))

    async def close(self, *, abort: bool = False) -> None:
        for task in self.tasks:
            task.cancel()
        sockets = self.visitors + self.agents
        if abort:
            for socket in sockets:
                socket.transport.abort()
        else:
            await asyncio.gather(*(socket.close() for socket in sockets))
        self.tasks, self.visitors, self.agents = [], [], []

    async def reset(self) -> None:
        """Restart the servers and reconnect. A run that did not settle leaves a
        backlog behind, which would be measured with whatever ran next, on this
        target or another."""
        log(f"  {self.target.name}: restarting, to drop the backlog")
        for server in sorted({room.server for room in self.rooms}):
            self.target.restart(server)
        await self.close(abort=True)
        await self.open()

    async def quiet(self, limit: float = 10.0) -> None:
        """Wait (at most ``limit`` seconds) until the servers are idle, so a run
        starts from rest."""
        pids = self.target.pids()
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            before = sum(cpu_seconds(pid) for pid in pids)
            await asyncio.sleep(0.5)
            used = sum(cpu_seconds(pid) for pid in pids) - before
            if used < 0.05 * len(pids) and not any(map(runnable, pids)):
                return

    async def send(self, socket, frame: dict, key: str) -> None:
        self.sent_at[key] = time.perf_counter()
        await socket.send(json.dumps(frame))

    async def paced(self, rate: float, seconds: float, send_one: Callable) -> float:
        """Call ``send_one(i)`` ``rate`` times a second for ``seconds``, on a fixed
        schedule: a late client catches up rather than lowering the rate. Returns
        how late the latest call was, in seconds: the client's own lag."""
        started = time.perf_counter()
        count, lag = 0, 0.0
        while (due := started + count / rate) < started + seconds:
            delay = due - time.perf_counter()
            lag = max(lag, -delay)
            # Yield even when late: a send to a socket with room in its buffer never
            # waits, and a loop that never waits starves the sockets reading replies.
            await asyncio.sleep(max(delay, 0))
            await send_one(count)
            count += 1
        return lag

    async def run(
        self,
        rate: float,
        seconds: float,
        *,
        rooms: int,
        typists: int = 0,
        typing_rate: float = 0.0,
        grace: float = 2.0,
        settle: float = 60.0,
        reset: bool = True,
    ) -> Run:
        """Messages at ``rate`` a second, round robin over the first ``rooms``
        rooms, and ``typing_rate`` typing frames a second from each of the first
        ``typists`` visitors. A frame is live if it arrives within the run plus
        ``grace``. Server CPU counts until every message has arrived and (Parley)
        been acked, or ``settle`` seconds, so a backlog's cost is in it too. A
        run that does not settle by then restarts the servers, if ``reset``."""
        await self.quiet()
        run = Run(self.target.name, len({r.server for r in self.rooms}), rate, seconds)
        message_keys, typing_keys = [], []
        acks_before = self.acks

        async def message(i: int) -> None:
            room = self.rooms[i % rooms]
            key = f"m{next(self.keys)}"
            message_keys.append(key)
            frame = {
                "type": "message.send",
                "ticket": room.ticket,
                "client_id": key,
                "body": padded(key),
            }
            await self.send(self.visitors[i % rooms], frame, key)

        async def typing(i: int) -> None:
            room = self.rooms[i % typists]
            key = f"t{next(self.keys)}"
            typing_keys.append(key)
            frame = {
                "type": "typing",
                "ticket": room.ticket,
                "state": "start",
                "draft": padded(key),
            }
            await self.send(self.visitors[i % typists], frame, key)

        pids = self.target.pids()
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        client_before = time.process_time()
        started = time.perf_counter()
        senders = [self.paced(rate, seconds, message)]
        if typists:
            senders.append(self.paced(typing_rate * typists, seconds, typing))
        run.client_lag_ms = max(await asyncio.gather(*senders)) * 1000
        run.client_cpu = time.process_time() - client_before
        run.seconds = time.perf_counter() - started

        def missing(keys: Iterable[str]) -> int:
            return sum(key not in self.arrived for key in keys)

        deadline = started + seconds + grace
        while missing(message_keys) + missing(typing_keys) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        run.latencies = [self.arrived.get(key, LOST) for key in message_keys]
        run.live = sum(latency != LOST for latency in run.latencies)
        run.typing_live = len(typing_keys) - missing(typing_keys)

        deadline = time.perf_counter() + settle
        expected_acks = len(message_keys) if self.target.ack_type else 0
        idle_for, cpu_mark = 0, sum(cpu_seconds(pid) for pid in pids)
        # Wait for stragglers while the servers work. A message not yet acked is
        # still in the server's hands; once every one is, frames still missing
        # after the servers have idled for a second were dropped and won't come.
        while time.perf_counter() < deadline and (
            missing(message_keys) or missing(typing_keys) or self.acks - acks_before < expected_acks
        ):
            await asyncio.sleep(0.5)
            cpu_now = sum(cpu_seconds(pid) for pid in pids)
            idle = cpu_now - cpu_mark < 0.01 * len(pids) and not any(map(runnable, pids))
            idle_for = idle_for + 1 if idle else 0
            cpu_mark = cpu_now
            if idle_for >= 2 and self.acks - acks_before >= expected_acks:
                break
        run.settled = not (missing(message_keys) or self.acks - acks_before < expected_acks)
        run.server_cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        run.typing_delivered = len(typing_keys) - missing(typing_keys)
        run.processed = (
            self.acks - acks_before if expected_acks else len(message_keys) - missing(message_keys)
        )
        run.sent, run.typing_sent = len(message_keys), len(typing_keys)
        run.keys = set(message_keys)
        for key in message_keys + typing_keys:  # late ones are not counted later
            self.sent_at.pop(key, None)
        self.runs.append(run)
        log("  " + run.summary())
        if self.errors:
            log(f"  error frames so far: {dict(self.errors)}")
        if reset and not run.settled:
            await self.reset()
        return run

    def stored(self) -> tuple[int, int, bool] | None:
        """(stored, sent, gap-free) over every run that settled; None if the target
        stores nothing."""
        found = self.target.stored(self.rooms)
        if found is None:
            return None
        bodies, gap_free = found
        sent = set().union(*(run.keys for run in self.runs if run.settled))
        return len(sent & bodies), len(sent), gap_free


# --- cases -------------------------------------------------------------------------------


@dataclass
class Knee:
    """The highest offered rate that passed, the lowest that failed, and every step."""

    passed: float | None
    failed: float | None
    steps: list[Run]
    limit: float  # the search went no higher


def passes(run: Run, p99_ms: float) -> bool:
    return run.settled and run.live == run.sent and run.p99_ms <= p99_ms


async def knee(
    load: Load,
    *,
    rooms: int,
    start: float,
    limit: float,
    p99_ms: float,
    step_seconds: float,
    precision: float = 1.15,
    attempts: int = 3,
) -> Knee:
    """Double (or halve) the rate from ``start`` until a step passes and the next
    fails, then bisect until the two are within ``precision`` of each other. A
    step passes when every message arrives live with p99 <= ``p99_ms``, in one of
    ``attempts`` tries when only the tail was too long. The
    search goes no higher than ``limit`` nor lower than ``start`` / 16. A step
    that leaves a backlog (or, with the in-memory layer, drops messages)
    restarts the target before the next (``Load.run``)."""
    limit = min(limit, rooms * load.target.max_rate_per_socket)
    floor = start / 16
    passed = failed = None
    steps = []

    async def step(rate: float) -> bool:
        for _attempt in range(attempts):
            run = await load.run(rate, step_seconds, rooms=rooms, grace=1.0, settle=30.0)
            steps.append(run)
            if passes(run, p99_ms) or not (run.settled and run.live == run.sent):
                break
            # Everything arrived, but the tail is long: a stall of a shared machine
            # (or of the client) can do that, an overloaded server does it every time.
        return passes(run, p99_ms)

    rate = min(start, limit)
    # Bracket the knee: double from a pass, halve from a failure.
    while True:
        ok = await step(rate)
        if ok:
            passed = rate
        else:
            failed = rate
        if ok and failed is None and rate < limit:
            rate = min(rate * 2, limit)
        elif not ok and passed is None and rate / 2 >= floor:
            rate = rate / 2
        else:
            break
    while passed and failed and failed / passed > precision:
        rate = math.sqrt(passed * failed)
        if await step(rate):
            passed = rate
        else:
            failed = rate
    return Knee(passed, failed, steps, limit)


@dataclass
class Idle:
    asked: int
    sockets: int  # how many were open when the connect limit ran out (or all)
    refused: int  # connects the server closed before accepting
    connect_seconds: float
    server_cpu_per_hello_ms: float
    kib_per_socket: float
    idle_core: float  # fraction of one core while idle


async def idle_sockets(
    target: Target, count: int, seconds: float, *, connect_limit: float, concurrency: int = 128
) -> Idle:
    """Open ``count`` visitor sockets (authenticated, for Parley) on one server,
    ``concurrency`` at a time and for at most ``connect_limit`` seconds, then
    leave them quiet for ``seconds``. Memory per socket is the server's RSS
    growth over all but the first ``concurrency`` sockets, which warm it up."""
    [server] = target.start(1)
    rooms = target.rooms(count, chats=0)
    [pid] = target.pids()
    sockets = []
    refused = 0
    gate = asyncio.Semaphore(concurrency)

    async def open_one(room: Room) -> None:
        nonlocal refused
        async with gate:
            try:
                socket = await connect(target.stack.ws(server, room.path))
            except (OSError, websockets.exceptions.WebSocketException):
                # Daphne closes a connection its application has not accepted
                # within 5 s (--websocket_connect_timeout): a server behind on hellos.
                refused += 1
                return
            try:
                if room.hello:
                    await socket.send(json.dumps(room.hello))
                    await expect(socket, "welcome")
            except asyncio.CancelledError:
                socket.transport.abort()
                raise
            sockets.append(socket)

    try:
        await asyncio.gather(*(open_one(room) for room in rooms[:concurrency]))
        await asyncio.sleep(1)
        warm = len(sockets)
        rss_before, cpu_before = rss_bytes(pid), cpu_seconds(pid)
        started = time.perf_counter()
        tasks = [asyncio.ensure_future(open_one(room)) for room in rooms[concurrency:]]
        _done, late = await asyncio.wait(tasks, timeout=connect_limit)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        connect_seconds = time.perf_counter() - started
        hello_cpu = cpu_seconds(pid) - cpu_before
        await asyncio.sleep(2)
        rss_after = rss_bytes(pid)
        log(
            f"  {target.name}: {len(sockets)} sockets open in {connect_seconds:.0f} s, "
            f"{refused} refused"
        )
        cpu_before = cpu_seconds(pid)
        await asyncio.sleep(seconds)
        idle_core = (cpu_seconds(pid) - cpu_before) / seconds
    finally:
        # The server goes first: ten thousand goodbyes would only be work for it.
        target.stack.stop_all()
        for socket in sockets:
            socket.transport.abort()
    opened = len(sockets) - warm
    result = Idle(
        asked=count,
        sockets=len(sockets),
        refused=refused,
        connect_seconds=connect_seconds,
        server_cpu_per_hello_ms=hello_cpu / opened * 1000,
        kib_per_socket=(rss_after - rss_before) / opened / 1024,
        idle_core=idle_core,
    )
    log(
        f"  {target.name}: {result.kib_per_socket:.1f} KiB per socket, "
        f"{result.idle_core:.1%} of a core idle, "
        f"{result.server_cpu_per_hello_ms:.1f} ms CPU per hello"
    )
    return result
