"""WebSockets or REST? The same chat carried to the visitor five ways, measured.

N visitors chat with an agent: each visitor writes every ``--period`` seconds
(their turns spread evenly), and the agent answers each message at once on the
agent socket. What differs is only how the *visitor* is connected:

- ``websocket``: ``/ws/widget/``, sending and receiving on the socket;
- ``sse``: the server-sent-events fallback (``GET /api/widget/stream/``, read as
  a stream), sending by ``POST .../messages/``;
- ``poll 1 s`` and ``poll 5 s``: ``GET .../messages/?after=<seq>`` every 1 or 5
  seconds, sending by POST;
- ``long poll``: ``GET .../messages/?after=<seq>&wait=25`` asked again as soon as
  it answers, sending by POST.

For each it reports the delivery latency of the agent's replies to the visitor
(agent's send to the visitor's receipt, p50/p99) and of the visitor's messages
to the agent, the server's CPU (user + system, /proc) per delivered message
(both directions count), and the HTTP requests the visitors made per delivered
message while chatting (opening the socket or the stream, once per visit, is
not counted). HTTP clients keep their connections alive, as a browser does: two
per visitor (one waits, one sends). Everything runs on 127.0.0.1 against one
server (as `manage.py serve` runs it) that the script starts, on the embedded
default (or PostgreSQL + Redis with ``--config services``), and stops by itself.

    .venv/bin/python bench/transports.py
    .venv/bin/python bench/transports.py --visitors 20 --seconds 40 --repeat 3 \
        --plot docs/transports.png

Every transport runs ``--repeat`` times, interleaved (so drift on a shared
machine hits all alike); the table gives the median of each figure over them.
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import ORIGIN, Parley, Room, cpu_seconds, log, percentile
from bench.relay import configuration, stack

LONG_POLL_WAIT = 25
# Each visitor is its own address in life; here all share 127.0.0.1, so the
# per-address limits would be one visitor's. The per-visitor limits stay.
PER_ADDRESS_LIMITS_OFF = {
    f"PARLEY_RATE_{scope}_PER_IP": "off" for scope in ("READ", "MESSAGE", "STREAM", "SESSION")
}


class HTTP:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1, as a browser holds it.
    Counts every request it sends in ``counter``."""

    def __init__(self, port: int, counter: list[int]):
        self.port = port
        self.counter = counter
        self.reader = self.writer = None

    async def _send(self, method: str, path: str, headers: dict, body: bytes) -> None:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        self.counter[0] += 1

    async def _head(self) -> tuple[int, dict]:
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("closed by the server")
        status = int(status_line.split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    async def _chunks(self, headers: dict):
        if headers.get("transfer-encoding") == "chunked":
            while size := int((await self.reader.readline()).strip() or b"0", 16):
                yield await self.reader.readexactly(size)
                await self.reader.readexactly(2)
            await self.reader.readexactly(2)
        elif "content-length" in headers:
            yield await self.reader.readexactly(int(headers["content-length"]))
        else:  # no length: the body runs to the end of the connection
            yield await self.reader.read()
            self.close()

    async def request(
        self, method: str, path: str, headers: dict, payload: dict | None = None
    ) -> tuple[int, dict]:
        body = json.dumps(payload).encode() if payload is not None else b""
        try:
            await self._send(method, path, headers, body)
            status, head = await self._head()
        except (ConnectionError, asyncio.IncompleteReadError):
            # The server closed an idle keep-alive connection: open a new one.
            self.close()
            await self._send(method, path, headers, body)
            status, head = await self._head()
        content = b"".join([chunk async for chunk in self._chunks(head)])
        if head.get("connection") == "close":
            self.close()
        return status, json.loads(content) if content else {}

    async def stream(self, path: str, headers: dict):
        """The body of a GET as it comes, chunk by chunk."""
        await self._send("GET", path, headers, b"")
        status, head = await self._head()
        if status != 200:
            raise RuntimeError(f"stream answered {status}")
        async for chunk in self._chunks(head):
            yield chunk

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Tally:
    """One run of one transport."""

    transport: str
    sent_to_visitors: dict[str, float] = field(default_factory=dict)  # body -> sent at
    sent_to_agent: dict[str, float] = field(default_factory=dict)
    to_visitor: list[float] = field(default_factory=list)  # seconds, one per delivery
    to_agent: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=lambda: [0])
    server_cpu: float = 0.0

    def delivered_to_visitor(self, body: str) -> None:
        sent = self.sent_to_visitors.pop(body, None)
        if sent is not None:
            self.to_visitor.append(time.monotonic() - sent)

    def delivered_to_agent(self, body: str) -> None:
        sent = self.sent_to_agent.pop(body, None)
        if sent is not None:
            self.to_agent.append(time.monotonic() - sent)

    @property
    def delivered(self) -> int:
        return len(self.to_visitor) + len(self.to_agent)

    def figures(self) -> dict:
        return {
            "to_visitor_p50_ms": percentile(self.to_visitor, 50) * 1000,
            "to_visitor_p99_ms": percentile(self.to_visitor, 99) * 1000,
            "to_agent_p50_ms": percentile(self.to_agent, 50) * 1000,
            "to_agent_p99_ms": percentile(self.to_agent, 99) * 1000,
            "cpu_ms_per_message": self.server_cpu / max(self.delivered, 1) * 1000,
            "requests_per_message": self.requests[0] / max(self.delivered, 1),
            "delivered": self.delivered,
            "lost": len(self.sent_to_visitors) + len(self.sent_to_agent),
        }


class Visitor:
    """One visitor on one transport: ``start`` connects, ``send`` writes a
    message, replies are reported to the tally as they arrive."""

    def __init__(self, room: Room, port: int, tally: Tally):
        self.room = room
        self.port = port
        self.tally = tally
        self.token = room.hello["token"]
        self.headers = {"Authorization": f"Visitor {self.token}", "Origin": ORIGIN}
        self.tasks: list[asyncio.Task] = []
        self.seen = 1  # the opening message

    def heard(self, message: dict) -> None:
        self.seen = max(self.seen, message["seq"])
        if message["sender"]["type"] == "agent":
            self.tally.delivered_to_visitor(message["body"])

    async def start(self) -> None:
        raise NotImplementedError

    async def send(self, body: str) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


class RestSender(Visitor):
    """Sends by POST on a connection of its own."""

    async def start(self) -> None:
        self.sender = HTTP(self.port, self.tally.requests)

    async def send(self, body: str) -> None:
        status, _ = await self.sender.request(
            "POST",
            f"/api/widget/tickets/{self.room.ticket}/messages/",
            self.headers,
            {"body": body, "client_id": uuid.uuid4().hex},
        )
        if status != 201:
            log(f"send answered {status}")

    async def stop(self) -> None:
        await super().stop()
        self.sender.close()


class SocketVisitor(Visitor):
    async def start(self) -> None:
        self.socket = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/ws/widget/", origin=ORIGIN, ping_interval=None
        )
        self.tally.requests[0] += 1  # the upgrade
        await self.socket.send(json.dumps(self.room.hello))
        self.tasks.append(asyncio.ensure_future(self.read()))

    async def read(self) -> None:
        async for raw in self.socket:
            frame = json.loads(raw)
            if frame["type"] == "message.new":
                self.heard(frame["message"])

    async def send(self, body: str) -> None:
        frame = {"type": "message.send", "ticket": self.room.ticket, "body": body}
        await self.socket.send(json.dumps(frame | {"client_id": uuid.uuid4().hex}))

    async def stop(self) -> None:
        await super().stop()
        await self.socket.close()


class StreamVisitor(RestSender):
    async def start(self) -> None:
        await super().start()
        self.receiver = HTTP(self.port, self.tally.requests)
        self.tasks.append(asyncio.ensure_future(self.read()))

    async def read(self) -> None:
        # The stream ends after PARLEY_STREAM_MAX_AGE; resume from what is held.
        while True:
            query = urlencode({"resume": json.dumps({str(self.room.ticket): self.seen})})
            buffer = ""
            async for chunk in self.receiver.stream(f"/api/widget/stream/?{query}", self.headers):
                buffer += chunk.decode()
                while "\n\n" in buffer:
                    block, buffer = buffer.split("\n\n", 1)
                    for line in block.splitlines():
                        if line.startswith("data: "):
                            frame = json.loads(line[6:])
                            if frame["type"] == "message.new":
                                self.heard(frame["message"])

    async def stop(self) -> None:
        await super().stop()
        self.receiver.close()


class PollVisitor(RestSender):
    """Asks for history after what it holds: every ``interval`` seconds, or with
    ``wait`` (a long poll) again as soon as an answer comes."""

    def __init__(self, *args, interval: float = 0, wait: int = 0):
        super().__init__(*args)
        self.interval = interval
        self.wait = wait

    async def start(self) -> None:
        await super().start()
        self.receiver = HTTP(self.port, self.tally.requests)
        self.tasks.append(asyncio.ensure_future(self.read()))

    async def read(self) -> None:
        # Visitors start their polls at random phases, as real page loads do.
        await asyncio.sleep(self.interval * (hash(self.token) % 1000) / 1000)
        path = f"/api/widget/tickets/{self.room.ticket}/messages/"
        while True:
            started = time.monotonic()
            query = {"after": self.seen} | ({"wait": self.wait} if self.wait else {})
            status, page = await self.receiver.request(
                "GET", f"{path}?{urlencode(query)}", self.headers
            )
            if status == 200:
                for message in page["messages"]:
                    self.heard(message)
            else:
                log(f"poll answered {status}")
            if self.interval:
                await asyncio.sleep(max(0, started + self.interval - time.monotonic()))

    async def stop(self) -> None:
        await super().stop()
        self.receiver.close()


TRANSPORTS = {
    "websocket": SocketVisitor,
    "sse": StreamVisitor,
    "long poll": lambda *a: PollVisitor(*a, wait=LONG_POLL_WAIT),
    "poll 1 s": lambda *a: PollVisitor(*a, interval=1),
    "poll 5 s": lambda *a: PollVisitor(*a, interval=5),
}


async def agent_answers(socket, tally: Tally) -> None:
    """The agent: each visitor message heard is answered at once."""
    async for raw in socket:
        frame = json.loads(raw)
        if frame["type"] != "message.new" or frame["message"]["sender"]["type"] != "visitor":
            continue
        tally.delivered_to_agent(frame["message"]["body"])
        reply = f"reply-{uuid.uuid4().hex[:12]}"
        tally.sent_to_visitors[reply] = time.monotonic()
        frame = {"type": "message.send", "ticket": frame["ticket"], "body": reply}
        await socket.send(json.dumps(frame | {"client_id": uuid.uuid4().hex}))


async def run_one(name: str, target: Parley, server: str, rooms, agent, args) -> Tally:
    tally = Tally(name)
    port = target.stack.ports[server]
    visitors = [TRANSPORTS[name](room, port, tally) for room in rooms]
    for visitor in visitors:
        await visitor.start()
    answering = asyncio.ensure_future(agent_answers(agent, tally))
    await asyncio.sleep(2)  # streams and first polls settle
    tally.requests[0] = 0
    cpu_before = sum(cpu_seconds(pid) for pid in target.pids())

    started = time.monotonic()
    ends = started + args.seconds
    await asyncio.gather(
        *(
            chat(visitor, tally, started + args.period * i / len(visitors), ends, args.period)
            for i, visitor in enumerate(visitors)
        )
    )
    # Long enough for the slowest poll to fetch the last replies.
    await asyncio.sleep(args.drain)
    tally.server_cpu = sum(cpu_seconds(pid) for pid in target.pids()) - cpu_before
    answering.cancel()
    for visitor in visitors:
        await visitor.stop()
    await asyncio.sleep(1)  # the server lets the last connections go
    return tally


async def chat(visitor: Visitor, tally: Tally, first: float, ends: float, period: float) -> None:
    """The visitor's turns: from ``first``, every ``period`` seconds, until ``ends``."""
    at = first
    while at < ends:
        await asyncio.sleep(max(0, at - time.monotonic()))
        body = f"visitor-{uuid.uuid4().hex[:12]}"
        tally.sent_to_agent[body] = time.monotonic()
        await visitor.send(body)
        at += period


async def measure(args) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {name: [] for name in args.transports}
    with (
        configuration(args.config, args) as settings,
        tempfile.TemporaryDirectory() as tmp,
    ):
        target = stack(Path(tmp), Parley, settings | PER_ADDRESS_LIMITS_OFF)
        try:
            [server] = target.start(1)
            rooms = target.rooms(args.visitors, chats=args.visitors)
            agent = await target.open_agent(server, 0, rooms)
            for repeat in range(args.repeat):
                for name in args.transports:
                    tally = await run_one(name, target, server, rooms, agent, args)
                    figures = tally.figures()
                    results[name].append(figures)
                    log(f"[{repeat + 1}/{args.repeat}] {name}: {json.dumps(figures)}")
            await agent.close()
        finally:
            target.stack.stop_all()
    return results


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def table(results: dict[str, list[dict]], args) -> str:
    def ms(value: float) -> str:
        if value == float("inf"):
            return "lost"
        return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"

    lines = [
        f"{args.visitors} visitors, each writing every {args.period:g} s for {args.seconds:g} s, "
        f"the agent answering each at once; one server, {args.config}; "
        f"median of {args.repeat} runs per transport",
        "",
        "| visitor's transport | reply to visitor p50 | p99 | visitor to agent p50 | p99 "
        "| server CPU per message | HTTP requests per message | delivered (lost) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        lines.append(
            f"| {name} | {ms(median(runs, 'to_visitor_p50_ms'))} "
            f"| {ms(median(runs, 'to_visitor_p99_ms'))} "
            f"| {ms(median(runs, 'to_agent_p50_ms'))} | {ms(median(runs, 'to_agent_p99_ms'))} "
            f"| {median(runs, 'cpu_ms_per_message'):.1f} ms "
            f"| {median(runs, 'requests_per_message'):.2f} "
            f"| {median(runs, 'delivered'):.0f} ({median(runs, 'lost'):.0f}) |"
        )
    return "\n".join(lines)


def plot(results: dict[str, list[dict]], path: Path, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    figure, (latency, cost) = plt.subplots(1, 2, figsize=(11, 4.2))
    positions = range(len(names))
    p50 = [median(results[name], "to_visitor_p50_ms") for name in names]
    p99 = [median(results[name], "to_visitor_p99_ms") for name in names]
    latency.bar([p - 0.2 for p in positions], p50, width=0.4, label="p50")
    latency.bar([p + 0.2 for p in positions], p99, width=0.4, label="p99")
    latency.set_yscale("log")
    latency.set_ylabel("agent's reply to the visitor (ms, log scale)")
    latency.set_xticks(list(positions), names)
    latency.legend()
    latency.set_title("Delivery latency")

    cpu = [median(results[name], "cpu_ms_per_message") for name in names]
    requests = [median(results[name], "requests_per_message") for name in names]
    bars = cost.bar(list(positions), cpu, color="tab:gray")
    for bar, count in zip(bars, requests, strict=True):
        cost.annotate(
            f"{count:.2f} req/msg",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    cost.set_ylabel("server CPU per delivered message (ms)")
    cost.set_xticks(list(positions), names)
    cost.set_title("Server cost (HTTP requests per message above the bars)")
    figure.suptitle(
        f"WebSockets or REST? {args.visitors} visitors chatting, one server ({args.config}), "
        f"median of {args.repeat} runs",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--visitors", type=int, default=20)
    parser.add_argument(
        "--period", type=float, default=4, help="seconds between a visitor's messages"
    )
    parser.add_argument("--seconds", type=float, default=30, help="of chatting, per run")
    parser.add_argument(
        "--drain", type=float, default=7, help="seconds to wait for the last replies"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--transports", default=",".join(TRANSPORTS))
    parser.add_argument("--config", choices=["embedded", "services"], default="embedded")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--plot", type=Path, help="also draw the figures into this PNG")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args()
    args.transports = args.transports.split(",")
    if unknown := set(args.transports) - set(TRANSPORTS):
        parser.error(f"unknown transports: {', '.join(sorted(unknown))}")

    results = asyncio.run(measure(args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.plot:
        plot(results, args.plot, args)
    print(table(results, args))


if __name__ == "__main__":
    main()
