"""Parley's message path against a bare Channels relay, side by side (issue 10).

For each configuration — the embedded default (SQLite, in-memory layer) and, when
PostgreSQL and Redis answer, the services one (PostgreSQL, Redis pub/sub layer) —
it starts Parley, under the ASGI server ``manage.py serve`` uses (uvicorn), and
the reference relay (bench/bare_relay) under daphne, as the issue's reference is,
as processes on 127.0.0.1 (``--server`` and ``--reference-server`` pick either
server, as helpdesk/servers.py starts it), puts the same load on both with the
same client, and measures:

- relay: ``--rooms`` visitor sockets, one agent subscribed to every room, 130-byte
  messages at ``--rate`` for ``--seconds``: delivered live, stored (Parley, read
  back over REST), p50/p99 from the visitor's send to the agent's receipt, and
  server CPU per 1,000 messages from /proc/<pid>/stat;
- knee: the highest offered rate at which every message arrives live with
  p99 <= ``--knee-p99`` ms, in short steps; on the services configuration also
  two Parley servers against one;
- typing: ``--typists`` visitors sending typing frames with a draft at
  ``--typing-rate`` each, beside messages at ``--typing-message-rate``; CPU per
  typing frame and message p99 with and without typing;
- idle: ``--idle-sockets`` authenticated visitor sockets on one process: memory
  per socket and CPU while idle (the embedded configuration unless told).

Everything runs on 127.0.0.1 and stops by itself. Progress goes to stderr; the
table, in Markdown for docs/benchmarks.md, to stdout.

    .venv/bin/python bench/relay.py                         # every case (make bench)
    .venv/bin/python bench/relay.py --cases relay --configs embedded
    .venv/bin/python bench/relay.py --cases knee --configs services
    .venv/bin/python bench/relay.py --cases idle --idle-sockets 2000
"""

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    Idle,
    Knee,
    Load,
    Parley,
    Reference,
    Room,
    Run,
    Target,
    idle_sockets,
    knee,
    log,
    ms,
    raise_fd_limit,
)
from bench.routing import own_database
from helpdesk.servers import SERVERS
from tests import services_up
from tests.processes import Stack, process_env

CASES = ("relay", "knee", "typing", "idle")
CONFIGS = ("embedded", "services")


@contextlib.contextmanager
def configuration(name: str, args) -> Iterator[dict]:
    """The environment both servers get for a configuration. Services: a fresh
    PostgreSQL database and a fresh Redis key prefix, both removed at the end."""
    common = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PARLEY_HELLO_TIMEOUT": "60",
    }
    if name == "embedded":
        yield common
        return
    prefix = f"parley-bench-{uuid.uuid4().hex[:8]}"
    with own_database(args.database) as database_url:
        try:
            yield common | {
                "DATABASE_URL": database_url,
                "REDIS_URL": args.redis,
                "PARLEY_REDIS_PREFIX": prefix,
            }
        finally:
            client = redis.Redis.from_url(args.redis)
            for key in client.scan_iter(f"{prefix}*"):
                client.delete(key)


def machine_load() -> str:
    """The load average, and the share of the last minute in which some task
    waited for a CPU (Linux pressure stall information)."""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    pressure = Path("/proc/pressure/cpu")
    if not pressure.exists():
        return f"load average {load}"
    some = dict(item.split("=") for item in pressure.read_text().splitlines()[0].split()[1:])
    return f"load average {load}; CPU pressure {some['avg60']} % (last minute)"


def stack(tmp: Path, target: type[Target], settings: dict, server: str | None = None) -> Target:
    folder = tmp / f"{target.name}-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    if target is Reference:
        settings = settings | {"DJANGO_SETTINGS_MODULE": "bench.bare_relay.settings"}
    else:
        settings = settings | Parley.SETTINGS
    return target(Stack(tmp=folder, env=process_env(folder, **settings)), server)


def server_of(target: type[Target], args) -> str:
    return args.reference_server if target is Reference else args.server


async def open_load(target: Target, rooms: list[Room], servers: int) -> Load:
    """Sockets for ``rooms`` spread over ``servers`` server processes, warmed up."""
    load = Load(target, rooms, target.start(servers))
    await load.open()
    return load


async def measure(config: str, args) -> dict:
    """Every case asked for, on one configuration; returns the results by case."""
    # Other work on the machine shows in every figure; say how much there was.
    results: dict = {"config": config, "machine": [machine_load()]}
    log(f"[{config}] {results['machine'][0]}")
    with configuration(config, args) as settings, tempfile.TemporaryDirectory() as tmp:
        if set(args.cases) & {"relay", "knee", "typing"}:
            log(f"[{config}] starting the servers")
            targets = [
                stack(Path(tmp), kind, settings, server_of(kind, args))
                for kind in (Reference, Parley)
            ]
            try:
                await message_cases(config, args, targets, results)
            finally:
                for target in targets:
                    target.stack.stop_all()
        if "idle" in args.cases and config in args.idle_configs:
            results["idle"] = {}
            for kind in (Reference, Parley):
                log(f"[{config}] idle: {args.idle_sockets} sockets on {kind.name}")
                target = stack(Path(tmp), kind, settings, server_of(kind, args))
                results["idle"][kind.name] = await idle_sockets(
                    target,
                    args.idle_sockets,
                    args.idle_seconds,
                    connect_limit=args.idle_connect_limit,
                )
    results["machine"].append(machine_load())
    log(f"[{config}] {results['machine'][1]}")
    return results


async def message_cases(config: str, args, targets: list[Target], results: dict) -> None:
    """Relay, knee and typing on one server each, then (services) the knee of two."""
    count = max(args.rooms, args.typists if "typing" in args.cases else 0)
    loads = {}
    for target in targets:
        rooms = target.rooms(count, chats=count)
        log(f"[{config}] {target.name}: {count} visitors connecting, agent subscribing")
        loads[target.name] = await open_load(target, rooms, servers=1)

    if "relay" in args.cases:
        log(f"[{config}] relay: {args.rooms} rooms at {args.rate}/s for {args.seconds} s")
        results["relay"] = {
            name: await load.run(args.rate, args.seconds, rooms=args.rooms, grace=5.0)
            for name, load in loads.items()
        }
    if "knee" in args.cases:
        log(f"[{config}] knee: every message live, p99 <= {args.knee_p99} ms")
        results["knee"] = {name: await find_knee(load, args) for name, load in loads.items()}
    results["stored"] = loads["parley"].stored()
    log(f"[{config}] stored (relay and knee runs): {results['stored']}")

    if "typing" in args.cases:
        results["typing"] = {}
        last = list(loads.values())[-1]
        for name, load in loads.items():
            log(
                f"[{config}] typing on {name}: {args.typing_message_rate}/s messages, "
                f"then with {args.typists} typists at {args.typing_rate}/s"
            )
            base = await load.run(
                args.typing_message_rate, args.typing_seconds, rooms=args.rooms, grace=5.0
            )
            typed = await load.run(
                args.typing_message_rate,
                args.typing_seconds,
                rooms=args.rooms,
                typists=args.typists,
                typing_rate=args.typing_rate,
                grace=5.0,
                settle=20.0,
                # Nothing else runs on the last target's sockets: no need to reconnect.
                reset=load is not last,
            )
            results["typing"][name] = (base, typed)
    for load in loads.values():
        await load.close(abort=not load.runs[-1].settled)

    if "knee" in args.cases and config == "services":
        parley = targets[1]
        # A fresh process: typing may have left a backlog behind.
        parley.restart(f"{parley.name}-0")
        log(f"[{config}] knee of two Parley servers, an agent on each")
        two = await open_load(parley, loads["parley"].rooms[: args.rooms], servers=2)
        results["knee2"] = await find_knee(two, args)
        results["stored2"] = two.stored()
        await two.close()


async def find_knee(load: Load, args) -> Knee:
    return await knee(
        load,
        rooms=args.rooms,
        start=args.knee_start,
        limit=args.knee_limit,
        p99_ms=args.knee_p99,
        step_seconds=args.step_seconds,
    )


# --- the table ---------------------------------------------------------------------------


def ratio(parley: float | None, reference: float | None) -> str:
    if not parley or not reference or parley == float("inf") or reference == float("inf"):
        return ""
    return f"{parley / reference:.2f}x"


def knee_text(result: Knee) -> str:
    if result.passed is None:
        return f"< {result.failed:.3g}/s"
    if result.failed is None:
        return f"≥ {result.passed:.3g}/s (search limit)"
    return f"{result.passed:.3g}/s (fails at {result.failed:.3g}/s)"


def idle_cpu(result: Idle) -> str:
    """The share of a core, and (scaled linearly, as daphne's per-connection
    timers and pings are) what 10,000 sockets would take."""
    per_10k = result.idle_core / result.sockets * 10_000
    return f"{result.idle_core:.1%} of a core ({per_10k:.1%} per 10,000)"


def live(run: Run) -> str:
    return f"{run.live}/{run.sent}"


def table(all_results: list[dict], args) -> str:
    rows = []

    def row(config: str, case: str, reference: str, parley: str, vs: str, target: str) -> None:
        rows.append(f"| {config} | {case} | {reference} | {parley} | {vs} | {target} |")

    for results in all_results:
        c = results["config"]
        if "relay" in results:
            ref, par = results["relay"]["reference"], results["relay"]["parley"]
            case = f"relay, {args.rooms} rooms at {args.rate:g}/s for {args.seconds:g} s"
            row(c, f"{case}: delivered live", live(ref), live(par), "", "all")
            row(c, "… p50", ms(ref.p50_ms), ms(par.p50_ms), ratio(par.p50_ms, ref.p50_ms), "≤ 5 ms")
            row(
                c, "… p99", ms(ref.p99_ms), ms(par.p99_ms), ratio(par.p99_ms, ref.p99_ms), "≤ 20 ms"
            )
            row(
                c,
                "… server CPU per 1,000 messages",
                f"{ref.cpu_per_1k:.2f} s",
                f"{par.cpu_per_1k:.2f} s",
                ratio(par.cpu_per_1k, ref.cpu_per_1k),
                "≤ 2x reference",
            )
        if results.get("stored"):
            stored, sent, gap_free = results["stored"]
            row(
                c,
                "stored, read back over REST (every settled relay and knee run)",
                "n/a",
                f"{stored}/{sent}, seq {'gap-free' if gap_free else 'HAS GAPS'}",
                "",
                "= sent",
            )
        if "knee" in results:
            ref, par = results["knee"]["reference"], results["knee"]["parley"]
            # A reference that reached the search limit may carry more.
            bound = "≤ " if ref.failed is None and par.passed else ""
            row(
                c,
                f"knee: every message live, p99 ≤ {args.knee_p99:g} ms",
                knee_text(ref),
                knee_text(par),
                bound + ratio(par.passed, ref.passed),
                "≥ 0.5x reference",
            )
        if "knee2" in results:
            two, one = results["knee2"], results["knee"]["parley"]
            stored, sent, gap_free = results["stored2"]
            row(
                c,
                "knee of two Parley servers (x one)",
                "n/a",
                f"{knee_text(two)}; stored {stored}/{sent}",
                ratio(two.passed, one.passed),
                "≥ 1.6x one",
            )
        if "typing" in results:
            (ref_base, ref), (par_base, par) = (
                results["typing"]["reference"],
                results["typing"]["parley"],
            )
            case = f"typing, {args.typists} visitors x {args.typing_rate:g}/s with a draft"
            row(
                c,
                f"{case}: delivered live",
                f"{ref.typing_live}/{ref.typing_sent}",
                f"{par.typing_live}/{par.typing_sent}",
                "",
                "all",
            )
            ref_cpu, par_cpu = typing_cpu_ms(ref_base, ref), typing_cpu_ms(par_base, par)
            row(
                c,
                "… server CPU per typing frame (that arrived)",
                typing_cpu_text(ref_cpu, ref),
                typing_cpu_text(par_cpu, par),
                ratio(par_cpu, ref_cpu),
                "≤ 0.5 ms",
            )
            row(
                c,
                f"… message p99 at {args.typing_message_rate:g}/s, without → with typing",
                f"{ms(ref_base.p99_ms)} → {ms(ref.p99_ms)}",
                f"{ms(par_base.p99_ms)} → {ms(par.p99_ms)}",
                ratio(par.p99_ms, par_base.p99_ms),
                "≤ 2x without",
            )
        if "idle" in results:
            ref, par = results["idle"]["reference"], results["idle"]["parley"]
            case = f"{args.idle_sockets:,} idle sockets on one process"
            if min(ref.sockets, par.sockets) < args.idle_sockets:
                case += (
                    f" ({ref.sockets:,} and {par.sockets:,} opened within "
                    f"{args.idle_connect_limit:g} s)"
                )
            row(
                c,
                f"{case}: memory per socket",
                f"{ref.kib_per_socket:.1f} KiB",
                f"{par.kib_per_socket:.1f} KiB",
                ratio(par.kib_per_socket, ref.kib_per_socket),
                "≤ 50 KiB",
            )
            row(
                c,
                f"… CPU while idle ({args.idle_seconds:g} s), as measured and per 10,000",
                idle_cpu(ref),
                idle_cpu(par),
                ratio(par.idle_core / par.sockets, ref.idle_core / ref.sockets),
                "≤ 5 % of a core",
            )
            row(
                c,
                "… server CPU per connect and hello",
                f"{ref.server_cpu_per_hello_ms:.2f} ms",
                f"{par.server_cpu_per_hello_ms:.2f} ms",
                ratio(par.server_cpu_per_hello_ms, ref.server_cpu_per_hello_ms),
                "n/a",
            )
    header = (
        "| configuration | case | reference | Parley | Parley / reference | target |\n"
        "|---|---|---|---|---|---|"
    )
    return "\n".join([header, *rows])


def typing_cpu_ms(base: Run, typed: Run) -> float:
    """Server CPU per typing frame: what the run with typing cost beyond what its
    messages cost without typing, over the typing frames that got through (all
    of them, unless the server was saturated)."""
    messages_cpu = base.server_cpu / max(base.processed, 1) * typed.processed
    return (typed.server_cpu - messages_cpu) / max(typed.typing_delivered, 1) * 1000


def typing_cpu_text(cpu_ms: float, typed: Run) -> str:
    """A server that dropped typing frames spent its CPU on the few that arrived:
    say how few."""
    if typed.typing_delivered == typed.typing_sent:
        return f"{cpu_ms:.2f} ms"
    return f"{cpu_ms:.2f} ms ({typed.typing_delivered} of {typed.typing_sent} arrived)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES)
    )
    parser.add_argument(
        "--configs", default="", help="embedded, services (default: embedded, and services if up)"
    )
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--rate", type=float, default=100, help="messages a second, all rooms")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--knee-p99", type=float, default=50, help="ms")
    parser.add_argument("--knee-start", type=float, default=50, help="messages a second")
    parser.add_argument("--knee-limit", type=float, default=1600, help="messages a second")
    parser.add_argument("--step-seconds", type=float, default=5)
    parser.add_argument("--typists", type=int, default=200)
    parser.add_argument("--typing-rate", type=float, default=4, help="frames a second each")
    parser.add_argument("--typing-message-rate", type=float, default=50)
    parser.add_argument("--typing-seconds", type=float, default=8)
    parser.add_argument("--idle-sockets", type=int, default=10_000)
    parser.add_argument("--idle-seconds", type=float, default=20)
    parser.add_argument(
        "--idle-connect-limit",
        type=float,
        default=120,
        help="seconds to open the idle sockets; what is open then is measured",
    )
    parser.add_argument(
        "--idle-configs", default="embedded", help="configurations to run the idle case on"
    )
    parser.add_argument(
        "--server", choices=SERVERS, help=f"Parley's (default: {Parley.default_server}, as served)"
    )
    parser.add_argument(
        "--reference-server",
        choices=SERVERS,
        help=f"the bare relay's (default: {Reference.default_server}, the issue's reference)",
    )
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args()
    args.cases = [case for case in args.cases.split(",") if case]
    args.idle_configs = args.idle_configs.split(",")
    if unknown := set(args.cases) - set(CASES):
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    typing_per_socket = args.typing_rate + args.typing_message_rate / args.rooms
    per_socket = max(args.rate / args.rooms, typing_per_socket)
    if per_socket > Parley.max_rate_per_socket:
        parser.error(
            f"{per_socket:g} frames a second per visitor socket: Parley closes a socket "
            f"past its flood limit; use more --rooms or lower rates"
        )
    if args.configs:
        configs = args.configs.split(",")
    else:
        up = services_up.main(args.database, args.redis) == 0
        configs = ["embedded", "services"] if up else ["embedded"]
        if not up:
            log("PostgreSQL or Redis not reachable: the embedded configuration only.")
    raise_fd_limit()

    started = time.monotonic()
    all_results = []
    for config in configs:
        config_started = time.monotonic()
        all_results.append(asyncio.run(measure(config, args)))
        log(f"[{config}] done in {time.monotonic() - config_started:.0f} s")
    log(f"all done in {time.monotonic() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(all_results, default=figures, indent=1))
    print(table(all_results, args))


def figures(value: object) -> object:
    """JSON for the results' dataclasses, without per-message lists."""
    if isinstance(value, Run):
        fields = dataclasses.asdict(value)
        del fields["latencies"], fields["keys"]
        return fields | {
            "p50_ms": value.p50_ms,
            "p99_ms": value.p99_ms,
            "cpu_per_1k": value.cpu_per_1k,
        }
    if isinstance(value, Idle | Knee):
        return (
            dataclasses.asdict(value)
            if isinstance(value, Idle)
            else {
                "passed": value.passed,
                "failed": value.failed,
                "limit": value.limit,
                "steps": value.steps,
            }
        )
    raise TypeError(type(value))


if __name__ == "__main__":
    main()
