"""A soak: many visitors and agents chatting and typing for a bounded time across
two daphnes on PostgreSQL + Redis, one daphne restarted in the middle, and an
audit at the end (issue 14).

Each party is a protocol v1 client as the widget and dashboard are: it holds
messages by seq, fills a gap over REST when ``prev_seq`` or a ``pong``'s
``tickets`` shows one, resends what was not acked with the same ``client_id``,
and reconnects with backoff (to the other daphne while its own is down;
after a busy close, 4503, with the widget's growing backoff), resuming from what
it holds. Visitors each name an address of their own in
X-Forwarded-For (the servers trust it, as behind a proxy), so the per-address
limits see 2,000 people and not one.

The audit, from the database at the end:

- every stored message is held by every party that should hold it — its
  visitor (public messages of their ticket) and the agent following the ticket
  (all of them) — with the stored body, and nothing else;
- every acked client_id is stored exactly once;
- the daphne that was not restarted has flat memory (RSS sampled every 5 s).

It runs on 127.0.0.1 only, for ``--seconds`` (3 minutes), in a fresh
``parley_bench_*`` database and Redis key prefix, both removed at the end, with
the processes it started. Progress goes to stderr; the Markdown for
docs/benchmarks.md to stdout.

    .venv/bin/python bench/soak.py
    .venv/bin/python bench/soak.py --visitors 200 --agents 10 --seconds 60
"""

import argparse
import asyncio
import collections
import contextlib
import json
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import ORIGIN, ROOT, log, raise_fd_limit, rss_bytes
from bench.relay import configuration, machine_load
from helpdesk.handshakes import CLOSE_BUSY
from tests.processes import Stack, process_env

SERVERS = ("soak-0", "soak-1")
PAGE = 200
BACKOFF_BASE, BACKOFF_CAP = 0.5, 30.0  # seconds; static/shared/protocol.js


def backoff_delay(attempt: int) -> float:
    """The widget's backoff (static/shared/protocol.js ``backoffDelay``): half of
    the ceiling fixed, half random, the ceiling doubling from 0.5 s to 30 s."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
    return ceiling / 2 + random.random() * ceiling / 2


@dataclass
class Party:
    """One visitor (one ticket) or one agent (the tickets they follow)."""

    kind: str  # "visitor" | "agent"
    token: str
    tickets: list[int]
    home: int  # index in SERVERS
    address: str = "127.0.0.1"
    held: dict[int, dict[int, str]] = field(default_factory=dict)  # ticket -> seq -> body
    contiguous: dict[int, int] = field(default_factory=dict)
    outbox: dict[str, tuple[int, str, bool]] = field(default_factory=dict)  # client_id -> ...
    acked: dict[str, int] = field(default_factory=dict)  # client_id -> seq
    socket: object = None
    ready: bool = False
    filling: set[int] = field(default_factory=set)
    pongs: int = 0
    busy_closes: int = 0  # 4503s since the last welcome, for the backoff

    def __post_init__(self):
        for ticket in self.tickets:
            self.held.setdefault(ticket, {})
            self.contiguous.setdefault(ticket, 0)


class Soak:
    def __init__(self, stack: Stack, args):
        self.stack, self.args = stack, args
        self.down: set[str] = set()
        self.counts: collections.Counter[str] = collections.Counter()
        self.rss: dict[str, list[tuple[float, int]]] = {name: [] for name in SERVERS}
        self.stopping = False
        self.fills: set[asyncio.Task] = set()  # running gap fills, held until done

    # --- setting up ------------------------------------------------------------------

    def seed(self) -> list[Party]:
        self.stack.setup()
        visitors_out, agents_out = self.stack.tmp / "visitors.json", self.stack.tmp / "agents.json"
        a = self.args
        command = [sys.executable, "bench/seed_visitors.py", str(visitors_out), str(a.visitors)]
        command += ["--chats", str(a.visitors), "--agents", str(a.agents)]
        command += ["--agents-out", str(agents_out)]
        subprocess.run(command, cwd=ROOT, env=self.stack.env, check=True, timeout=900)
        seeded = json.loads(visitors_out.read_text())
        visitors = [
            Party("visitor", v["token"], [v["ticket"]], i % 2, address=f"10.{i // 250}.{i % 250}.1")
            for i, v in enumerate(seeded)
        ]
        tickets = [v["ticket"] for v in seeded]
        share = -(-len(tickets) // a.agents)
        agents = [
            Party("agent", token, tickets[i * share : (i + 1) * share], (i + 1) % 2)
            for i, token in enumerate(json.loads(agents_out.read_text()))
        ]
        return visitors + agents

    # --- one party's connection ----------------------------------------------------------

    def url(self, party: Party, server: str) -> str:
        return self.stack.ws(server, "/ws/widget/" if party.kind == "visitor" else "/ws/agent/")

    async def connect(self, party: Party) -> None:
        """Connect (home first, else the other server), say hello, resume."""
        order = [SERVERS[party.home], SERVERS[1 - party.home]]
        for server in order:
            if server in self.down:
                continue
            try:
                headers = {"X-Forwarded-For": party.address}
                origin = ORIGIN if party.kind == "visitor" else self.stack.http(server)
                party.socket = await websockets.connect(
                    self.url(party, server), origin=origin, additional_headers=headers,
                    ping_interval=None, max_queue=None, open_timeout=30,
                )  # fmt: skip
            except (OSError, TimeoutError, websockets.WebSocketException) as error:
                self.counts[f"connects failed ({type(error).__name__}: {error})"[:90]] += 1
                continue
            hello = {"type": "hello", "token": party.token}
            if party.kind == "visitor":
                hello["resume"] = {str(t): party.contiguous[t] for t in party.tickets}
            # A socket turned away busy (4503) may be closed before its hello goes
            # out; live() reads the close.
            with contextlib.suppress(websockets.ConnectionClosed):
                await party.socket.send(json.dumps(hello))
            self.counts["connects"] += 1
            return
        party.socket = None

    async def live(self, party: Party) -> None:
        """Keep ``party`` connected until the soak stops."""
        attempt = 0
        while not self.stopping:
            await self.connect(party)
            if party.socket is None:
                attempt += 1
                await asyncio.sleep(min(8, 0.5 * 2**attempt) * random.uniform(0.5, 1))
                continue
            attempt = 0
            code = None
            try:
                async for raw in party.socket:
                    await self.on_frame(party, json.loads(raw))
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else "none"
                self.counts[f"{party.kind} sockets closed ({code})"] += 1
            party.ready = False
            if self.stopping:
                break
            if code == CLOSE_BUSY:
                # As the widget and dashboard do: back off further with each busy
                # close until a welcome, so a storm spreads out instead of coming back.
                await asyncio.sleep(backoff_delay(party.busy_closes))
                party.busy_closes += 1
                continue
            self.counts["reconnects"] += 1
            await asyncio.sleep(random.uniform(0.5, 2))

    async def on_frame(self, party: Party, frame: dict) -> None:
        kind = frame["type"]
        if kind == "welcome":
            party.busy_closes = 0
            if party.kind == "agent":
                for ticket in party.tickets:  # paced: 10 frames/s per socket at most
                    after = party.contiguous[ticket]
                    await party.socket.send(
                        json.dumps({"type": "subscribe", "ticket": ticket, "after": after})
                    )
                    await asyncio.sleep(0.12)
            party.ready = True
            for client_id, (ticket, body, internal) in list(party.outbox.items()):
                await self.send_message(party, client_id, ticket, body, internal)
        elif kind == "message.new":
            self.hold(party, frame["ticket"], frame["message"], frame["prev_seq"])
        elif kind == "message.ack":
            party.acked[frame["client_id"]] = frame["seq"]
            party.outbox.pop(frame["client_id"], None)
        elif kind == "pong":
            party.pongs += 1
            for key, last in (frame.get("tickets") or {}).items():
                ticket = int(key)
                if ticket in party.held and last > party.contiguous[ticket]:
                    self.counts["fills after pong"] += 1
                    self.fill_soon(party, ticket)
        elif kind == "resync":
            self.counts[f"resync {frame.get('reason')}"] += 1
            party.contiguous[frame["ticket"]] = 0
            self.fill_soon(party, frame["ticket"])
        elif kind == "error":
            self.counts[f"error {frame['code']}"] += 1

    def hold(self, party: Party, ticket: int, message: dict, prev_seq: int | None) -> None:
        if ticket not in party.held:
            return
        held = party.held[ticket]
        held[message["seq"]] = message["body"]
        if prev_seq is not None and prev_seq <= party.contiguous[ticket]:
            party.contiguous[ticket] = max(party.contiguous[ticket], message["seq"])
        if message["seq"] > party.contiguous[ticket]:
            self.counts["fills after a gap"] += 1
            self.fill_soon(party, ticket)

    def fill_soon(self, party: Party, ticket: int) -> None:
        if ticket not in party.filling:
            party.filling.add(ticket)
            self.fills.add(task := asyncio.ensure_future(self.fill(party, ticket)))
            task.add_done_callback(self.fills.discard)

    async def fill(self, party: Party, ticket: int) -> None:
        """Fetch everything after what is held contiguously, over REST."""
        try:
            while True:
                after = party.contiguous[ticket]
                page = await asyncio.to_thread(self.history, party, ticket, after)
                if page is None:
                    return
                for message in page["messages"]:
                    party.held[ticket][message["seq"]] = message["body"]
                top = max([after] + [m["seq"] for m in page["messages"]])
                full = len(page["messages"]) >= PAGE
                party.contiguous[ticket] = top if full else max(top, page["last_seq"])
                if not full:
                    return
        finally:
            party.filling.discard(ticket)

    def history(self, party: Party, ticket: int, after: int) -> dict | None:
        server = next((s for s in SERVERS if s not in self.down), None)
        if server is None:
            return None
        api = "widget" if party.kind == "visitor" else "agent"
        scheme = "Visitor" if party.kind == "visitor" else "Token"
        url = self.stack.http(server, f"/api/{api}/tickets/{ticket}/messages/")
        request = urllib.request.Request(
            f"{url}?after={after}&limit={PAGE}",
            headers={
                "Authorization": f"{scheme} {party.token}",
                "Origin": ORIGIN,
                "X-Forwarded-For": party.address,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                self.counts["REST fills"] += 1
                return json.load(response)
        except OSError as error:
            self.counts[f"REST fill failed {getattr(error, 'code', type(error).__name__)}"] += 1
            return None

    async def send_message(
        self, party: Party, client_id: str, ticket: int, body: str, internal: bool
    ) -> None:
        party.outbox[client_id] = (ticket, body, internal)
        if not party.ready:
            return
        frame = {"type": "message.send", "ticket": ticket, "client_id": client_id, "body": body}
        if internal:
            frame["internal"] = True
        with contextlib.suppress(websockets.ConnectionClosed):
            await party.socket.send(json.dumps(frame))

    # --- the load ----------------------------------------------------------------------------

    async def paced(self, rate: float, seconds: float, act) -> None:
        started, n = time.perf_counter(), 0
        while (due := started + n / rate) < started + seconds and not self.stopping:
            await asyncio.sleep(max(0, due - time.perf_counter()))
            await act()
            n += 1

    async def chatter(self, visitors: list[Party], agents: list[Party], seconds: float) -> None:
        a = self.args

        async def visitor_says() -> None:
            party = random.choice(visitors)
            client_id = uuid.uuid4().hex
            self.counts["visitor messages"] += 1
            await self.send_message(party, client_id, party.tickets[0], f"v {client_id}", False)

        async def agent_says() -> None:
            party = random.choice(agents)
            client_id = uuid.uuid4().hex
            internal = random.random() < 0.1
            self.counts["agent notes" if internal else "agent replies"] += 1
            ticket = random.choice(party.tickets)
            await self.send_message(party, client_id, ticket, f"a {client_id}", internal)

        async def someone_types() -> None:
            party = random.choice(visitors)
            if party.ready:
                frame = {"type": "typing", "ticket": party.tickets[0], "state": "start"}
                with contextlib.suppress(websockets.ConnectionClosed):
                    await party.socket.send(json.dumps(frame | {"draft": "typing…"}))
                    self.counts["typing frames"] += 1

        await asyncio.gather(
            self.paced(a.visitor_rate, seconds, visitor_says),
            self.paced(a.agent_rate, seconds, agent_says),
            self.paced(a.typing_rate, seconds, someone_types),
        )

    async def keepalive(self, parties: list[Party]) -> None:
        """A ping from every socket every 20 s, spread out."""
        while not self.stopping:
            for party in parties:
                if party.ready:
                    with contextlib.suppress(websockets.ConnectionClosed):
                        await party.socket.send('{"type": "ping"}')
                await asyncio.sleep(20 / len(parties))

    async def sample_memory(self) -> None:
        started = time.perf_counter()
        while not self.stopping:
            for name in SERVERS:
                process = self.stack.servers.get(name)
                if process is not None and name not in self.down:
                    with contextlib.suppress(OSError):
                        self.rss[name].append(
                            (time.perf_counter() - started, rss_bytes(process.pid))
                        )
            await asyncio.sleep(5)

    async def restart(self, name: str) -> None:
        log(f"[soak] restarting {name}")
        self.down.add(name)
        await asyncio.to_thread(self.stack.stop, name)
        await asyncio.to_thread(self.stack.start_server, name)
        self.down.discard(name)
        log(f"[soak] {name} is back")

    # --- the whole run ---------------------------------------------------------------------

    async def run(self) -> dict:
        a = self.args
        parties = self.seed()
        visitors = [p for p in parties if p.kind == "visitor"]
        agents = [p for p in parties if p.kind == "agent"]
        for name in SERVERS:
            self.stack.start_server(name)
        log(f"[soak] connecting {len(visitors)} visitors and {len(agents)} agents")
        tasks = []
        for i, party in enumerate(parties):
            tasks.append(asyncio.ensure_future(self.live(party)))
            if i % 100 == 99:
                await asyncio.sleep(1)  # connect in steps, as a day's visitors come
        while sum(p.ready for p in parties) < len(parties) * 0.99:
            await asyncio.sleep(1)
        await asyncio.sleep(len(agents[0].tickets) * 0.12 + 2)  # agents subscribe
        helpers = [
            asyncio.ensure_future(self.keepalive(parties)),
            asyncio.ensure_future(self.sample_memory()),
        ]
        log(f"[soak] chatting for {a.seconds:.0f} s ({machine_load()})")
        started = time.perf_counter()
        chatting = asyncio.ensure_future(self.chatter(visitors, agents, a.seconds))
        await asyncio.sleep(a.seconds / 2)
        await self.restart(SERVERS[1])
        await chatting
        chatted = time.perf_counter() - started
        log("[soak] settling: unacked resent, pongs and fills")
        deadline = time.perf_counter() + a.settle
        while time.perf_counter() < deadline and any(p.outbox or p.filling for p in parties):
            await asyncio.sleep(1)
        # A last ping from everyone: the tail of every watched ticket, filled
        # once its pong is in (2,000 pongs at once take a while).
        asked = [party for party in parties if party.ready]
        for party in asked:
            party.pongs = 0
            with contextlib.suppress(websockets.ConnectionClosed):
                await party.socket.send('{"type": "ping"}')
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline and (
            any(p.ready and not p.pongs for p in asked) or any(p.filling for p in parties)
        ):
            await asyncio.sleep(1)
        self.counts["parties without their last pong"] = sum(not p.pongs for p in asked)
        self.stopping = True
        for task in tasks + helpers:
            task.cancel()
        for party in parties:
            if party.socket is not None:
                with contextlib.suppress(Exception):
                    party.socket.transport.abort()
        return {"audit": self.audit(parties), "seconds": chatted, "parties": parties}

    def audit(self, parties: list[Party]) -> dict:
        rows = collections.defaultdict(dict)  # ticket -> seq -> (body, internal)
        client_ids: collections.Counter[str] = collections.Counter()
        with psycopg.connect(self.stack.env["DATABASE_URL"]) as db:
            for ticket, seq, body, internal, client_id in db.execute(
                "SELECT ticket_id, seq, body, internal, client_id FROM chat_message"
            ):
                rows[ticket][seq] = (body, internal)
                if client_id:
                    client_ids[client_id] += 1
        missing = wrong = extra = 0
        missing_by: collections.Counter[str] = collections.Counter()
        for party in parties:
            for ticket in party.tickets:
                should = {
                    seq: body
                    for seq, (body, internal) in rows[ticket].items()
                    if party.kind == "agent" or not internal
                }
                held = party.held[ticket]
                lacking = len(should.keys() - held.keys())
                missing += lacking
                if lacking:
                    state = "connected" if party.ready else "not connected"
                    missing_by[f"{party.kind}s {state} at the end"] += 1
                extra += len(held.keys() - should.keys())
                wrong += sum(held[seq] != body for seq, body in should.items() if seq in held)
        acked = [cid for party in parties for cid in party.acked]
        unacked = sum(len(party.outbox) for party in parties)
        return {
            "stored": sum(len(seqs) for seqs in rows.values()),
            "missing": missing,
            **{f"chats lacking some, of {k}": v for k, v in missing_by.items()},
            "extra": extra,
            "wrong": wrong,
            "acked": len(acked),
            "acked stored twice": sum(client_ids[cid] > 1 for cid in acked),
            "acked not stored": sum(client_ids[cid] == 0 for cid in acked),
            "never acked": unacked,
        }


def megabytes(value: int) -> str:
    return f"{value / 2**20:.0f} MB"


def report(result: dict, soak: Soak, args) -> None:
    audit = result["audit"]
    print(
        f"{args.visitors} visitors and {args.agents} agents on two daphnes (PostgreSQL + Redis), "
        f"{result['seconds']:.0f} s of chat; {SERVERS[1]} restarted halfway; "
        f"offered {args.visitor_rate:g} visitor messages/s, {args.agent_rate:g} agent "
        f"messages/s (a tenth internal), {args.typing_rate:g} typing frames/s; "
        f"{machine_load()}.\n"
    )
    print("| audit | |")
    print("|---|---|")
    for name, value in audit.items():
        print(f"| {name} | {value} |")
    print("\n| counts | |")
    print("|---|---|")
    for name, value in sorted(soak.counts.items()):
        print(f"| {name} | {value} |")
    print("\n| daphne | RSS at start | middle | end | peak |")
    print("|---|---|---|---|---|")
    for name, samples in soak.rss.items():
        if not samples:
            continue
        values = [v for _, v in samples]
        mid = values[len(values) // 2]
        note = " (restarted halfway)" if name == SERVERS[1] else ""
        print(
            f"| {name}{note} | {megabytes(values[0])} | {megabytes(mid)} | "
            f"{megabytes(values[-1])} | {megabytes(max(values))} |"
        )


async def main_async(args) -> None:
    log(f"[soak] {machine_load()}")
    with configuration("services", args) as settings, tempfile.TemporaryDirectory() as tmp:
        settings |= {
            "PARLEY_CLIENT_ADDRESS_HEADER": "X-Forwarded-For",
            "PARLEY_AUTO_ASSIGN": "false",
        }
        stack = Stack(tmp=Path(tmp), env=process_env(Path(tmp), **settings))
        soak = Soak(stack, args)
        try:
            result = await soak.run()
        finally:
            stack.stop_all()
    report(result, soak, args)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--visitors", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--settle", type=float, default=60, help="seconds to settle at most")
    parser.add_argument("--visitor-rate", type=float, default=10, help="messages/s, all visitors")
    parser.add_argument("--agent-rate", type=float, default=4, help="messages/s, all agents")
    parser.add_argument("--typing-rate", type=float, default=10, help="frames/s, all visitors")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    raise_fd_limit()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
