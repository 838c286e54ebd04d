"""Where a Parley server process spends its time under the relay load: py-spy samples the
server while ``bench/relay.py``'s load runs, and the busiest functions are printed.

Profile before optimising: docs/benchmarks.md, "Message path (issue 10)", says
what earlier profiles showed and what each change bought.

    .venv/bin/python bench/profile.py --config services --rate 50 --seconds 20
    .venv/bin/python bench/profile.py --config embedded --typists 50 --keep stacks.txt

py-spy reads the server's memory from outside (root, or ptrace allowed); it is
in requirements.txt. Everything stops by itself.
"""

import argparse
import asyncio
import collections
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import CLOCK_TICKS, Parley, log
from bench.relay import configuration, open_load, stack
from helpdesk.servers import SERVERS

# Frames of these files are the server's plumbing, not Parley's work: a sample is
# counted against the innermost frame outside them.
PLUMBING = ("asyncio/", "threading.py", "concurrent/futures/", "selectors.py")


def user_and_system(pid: int) -> tuple[float, float]:
    """A process's user and system CPU seconds so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS


def summarise(collapsed: Path, top: int) -> None:
    """The functions most often on the stack (inclusive) and at its top
    (exclusive), as shares of the samples in which the server ran Python (the
    samples are of the thread holding the GIL)."""
    inclusive: collections.Counter[str] = collections.Counter()
    exclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = stack_text.split(";")
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own = [frame for frame in frames if not any(part in frame for part in PLUMBING)]
        exclusive[(own or frames)[-1]] += count
    if not total:
        log("no samples: the server was idle")
        return
    for title, counter in (("inclusive", inclusive), ("exclusive", exclusive)):
        print(f"\n{title}, of {total} busy samples:")
        for frame, count in counter.most_common(top):
            print(f"{100 * count / total:6.1f} %  {frame}")


async def profile(args) -> None:
    with configuration(args.config, args) as settings, tempfile.TemporaryDirectory() as tmp:
        target = stack(Path(tmp), Parley, settings, args.server)
        try:
            log(f"[{args.config}] starting Parley, {args.rooms} rooms")
            load = await open_load(target, target.rooms(args.rooms, chats=args.rooms), 1)
            collapsed = Path(tmp) / "collapsed.txt"
            command = [
                shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy")),
                "record", "--pid", str(target.pids()[0]), "--rate", str(args.sample_rate),
                "--duration", str(int(args.seconds)), "--format", "raw",
                "--output", str(collapsed), "--nonblocking", "--function",
                *(["--threads"] if args.all_threads else ["--gil"]),
            ]  # fmt: skip
            sampler = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            await asyncio.sleep(1)  # py-spy attaches
            user, system = user_and_system(target.pids()[0])
            run = await load.run(
                args.rate,
                args.seconds - 2,
                rooms=args.rooms,
                typists=args.typists,
                typing_rate=args.typing_rate,
            )
            after = user_and_system(target.pids()[0])
            log(
                f"server CPU per message: user {1000 * (after[0] - user) / run.processed:.2f} ms, "
                f"system {1000 * (after[1] - system) / run.processed:.2f} ms "
                f"({run.processed} messages; py-spy's own cost included)"
            )
            sampler.wait(timeout=args.seconds + 60)
            await load.close()
            if args.keep:
                shutil.copy(collapsed, args.keep)
            summarise(collapsed, args.top)
        finally:
            target.stack.stop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=("embedded", "services"), default="embedded")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--rate", type=float, default=50, help="messages a second, all rooms")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--server", choices=SERVERS, help=f"default: {Parley.default_server}")
    parser.add_argument("--typists", type=int, default=0)
    parser.add_argument("--typing-rate", type=float, default=2.0, help="frames a second each")
    parser.add_argument("--sample-rate", type=int, default=200, help="samples a second")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--all-threads",
        action="store_true",
        help="sample every running thread, not only the one holding the GIL (shows C code "
        "that released it, and which thread is busy)",
    )
    parser.add_argument(
        "--keep", help="copy the collapsed stacks here (for speedscope or flamegraph.pl)"
    )
    asyncio.run(profile(parser.parse_args()))


if __name__ == "__main__":
    main()
