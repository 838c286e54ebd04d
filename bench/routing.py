"""What routing costs: a pass over an empty queue, an agent's heartbeat, a pass
while everyone is busy, giving out a backlog, and what it adds to a new chat's
first message.

Routing (agents/routing.py) runs synchronously in the web process: after every new
chat's first message commits, when an agent comes online, when a ticket changes,
and on every agent's heartbeat (each dashboard pings every 20 s), together with
the presence check. The script sets Django up in this process against a
database of its own (a temporary SQLite file, or a fresh PostgreSQL database that
it drops at the end), with the in-memory channel layer and the local-memory
cache, times each case with time.perf_counter, and stops by itself.

    .venv/bin/python bench/routing.py
    .venv/bin/python bench/routing.py --database postgres://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/routing.py --agents 200

It prints one Markdown table for docs/benchmarks.md.
"""

import argparse
import contextlib
import gc
import logging
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import time as clock
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MAX_CHATS = 5  # each agent's max_concurrent_chats (the default)
TEAMS = ("Billing", "Sales", "Technical")


@contextlib.contextmanager
def own_database(admin_url: str) -> Iterator[str | None]:
    """A fresh PostgreSQL database on the server of ``admin_url``, dropped at the
    end; None (SQLite) without ``admin_url``."""
    if not admin_url:
        yield None
        return
    name = f"parley_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def set_up_django(database_url: str | None, var_dir: Path, agents: int) -> None:
    """Parley's own settings, read from an environment set here: the embedded
    default (in-memory layer, locmem cache, filesystem broker), DEBUG off as
    deployed, and the given database."""
    for name in ("REDIS_URL", "DATABASE_URL", "CELERY_TASK_ALWAYS_EAGER", "PARLEY_AUTO_ASSIGN"):
        os.environ.pop(name, None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings"
    os.environ["PARLEY_VAR_DIR"] = str(var_dir)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("PARLEY_SITE_URL", "http://127.0.0.1:8000")  # required with DEBUG off
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)

    import django
    from django.conf import settings

    django.setup()
    # Each first message queues an email check on the filesystem broker, which has
    # no host to connect to; kombu says so once, in the middle of the table.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    # Presence is two cache keys per agent, and locmem forgets keys beyond
    # MAX_ENTRIES (300 by default), which would take agents offline mid-run.
    cache_options = settings.CACHES["default"].setdefault("OPTIONS", {})
    cache_options["MAX_ENTRIES"] = max(cache_options.get("MAX_ENTRIES", 300), 4 * agents + 100)
    # Agents stay connected for the whole run without heartbeats.
    settings.PARLEY["PRESENCE_TTL"] = 3600


def loop_seconds() -> float:
    """A bare 10-million-step Python loop, the yardstick docs/benchmarks.md gives
    for the machine: a VM's speed drifts, so it is taken before and after."""
    started = time.perf_counter()
    for _ in range(10_000_000):
        pass
    return time.perf_counter() - started


@dataclass
class Series:
    """Wall-clock seconds of each timed run, and the queries of one run."""

    seconds: list[float]
    queries: int
    result: object = None
    # Differences of paired runs: only their median means much.
    paired: bool = False

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float | None:
        if len(self.seconds) < 20:
            return None
        return statistics.quantiles(self.seconds, n=20)[18]


def measure(
    run: Callable[[], object],
    *,
    budget: float,
    most: int,
    least: int = 20,
    reset: Callable[[], None] | None = None,
) -> Series:
    """Times ``run`` at least ``least`` and at most ``most`` times, stopping once
    ``budget`` seconds are spent; ``reset`` runs untimed before each run. A first,
    untimed run warms up; a second counts the queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if reset:
        reset()
    run()
    if reset:
        reset()
    with CaptureQueriesContext(connection) as captured:
        result = run()
    seconds: list[float] = []
    gc.collect()
    deadline = time.perf_counter() + budget
    while len(seconds) < most and (len(seconds) < least or time.perf_counter() < deadline):
        if reset:
            reset()
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return Series(seconds, len(captured), result)


class Helpdesk:
    """The data the cases run on: agents (some in teams) connected, a widget per
    team and one without, ended chats as history, chats that keep every agent
    full, and a queue, each switched on and off by status."""

    def __init__(self, *, agents: int, queued: int, ended: int):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password

        from agents.models import AgentProfile
        from helpdesk.models import OpeningHours, Team, Ticket, Widget
        from helpdesk.presence import AGENTS

        teams = [Team.objects.create(name=name) for name in TEAMS]
        # One team with hours (open around the clock), so the pass reads some.
        OpeningHours.objects.bulk_create(
            OpeningHours(team=teams[0], weekday=day, opens=clock(0), closes=clock(0))
            for day in range(7)
        )
        self.widgets = [Widget.objects.create(name="Shop", key="bench")] + [
            Widget.objects.create(name=team.name, key=f"bench-{team.pk}", team=team)
            for team in teams
        ]

        users = get_user_model().objects.bulk_create(
            get_user_model()(
                username=f"agent{i}", email=f"agent{i}@example.com", password=make_password(None)
            )
            for i in range(agents)
        )
        profiles = AgentProfile.objects.bulk_create(
            AgentProfile(user=user, display_name=f"Agent {i}", max_concurrent_chats=MAX_CHATS)
            for i, user in enumerate(users)
        )
        # A quarter in no team, the rest in one, every fifth in a second one too.
        memberships = []
        for i, profile in enumerate(profiles):
            if i % 4 == 0:
                continue
            memberships.append((profile, teams[i % 3]))
            if i % 5 == 0:
                memberships.append((profile, teams[(i + 1) % 3]))
        AgentProfile.teams.through.objects.bulk_create(
            AgentProfile.teams.through(agentprofile=profile, team=team)
            for profile, team in memberships
        )
        self.in_teams = len({profile.pk for profile, _ in memberships})
        for user in users:
            AGENTS.connect(user.pk)

        self._chats([users[i % agents] for i in range(ended)], status=Ticket.Status.CLOSED)
        self.busy = self._chats(
            [user for user in users for _ in range(MAX_CHATS)], status=Ticket.Status.RESOLVED
        )
        self.queued = self._chats(
            [None] * queued,
            teams=[None if i % 2 == 0 else teams[i % 3] for i in range(queued)],
            status=Ticket.Status.RESOLVED,
        )
        self.users = users

    def _chats(self, assignees: list, *, status: str, teams: list | None = None) -> list[int]:
        """Chats with their first visitor message, one per assignee (or None)."""
        from django.utils import timezone

        from chat.models import Message
        from helpdesk.models import Ticket, Visitor

        visitors = Visitor.objects.bulk_create(
            Visitor(widget=self.widgets[0], name=f"Visitor {i}") for i in range(len(assignees))
        )
        now = timezone.now()
        tickets = Ticket.objects.bulk_create(
            Ticket(
                visitor=visitor,
                subject="Hello?",
                status=status,
                assignee=assignee,
                team=team,
                last_seq=1,
                last_public_seq=1,
                last_message_at=now,
            )
            for visitor, assignee, team in zip(
                visitors, assignees, teams or [None] * len(assignees), strict=True
            )
        )
        Message.objects.bulk_create(
            Message(
                ticket=ticket,
                seq=1,
                sender_type=Message.SenderType.VISITOR,
                sender_name=ticket.visitor.name,
                body="Hello?",
            )
            for ticket in tickets
        )
        return [ticket.pk for ticket in tickets]

    def agents_full(self, full: bool) -> None:
        from helpdesk.models import Ticket

        status = Ticket.Status.OPEN if full else Ticket.Status.RESOLVED
        Ticket.objects.filter(pk__in=self.busy).update(status=status)

    def queue_waiting(self, waiting: bool) -> None:
        """Puts the queued chats back as they arrived (or takes them out), and tells
        their visitors their places, as their arrival did."""
        from agents.models import AgentProfile
        from agents.routing import tell_queue_places
        from chat.models import Message
        from helpdesk.models import Ticket

        Message.objects.filter(ticket__in=self.queued, seq__gt=1).delete()
        Ticket.objects.filter(pk__in=self.queued).update(
            status=Ticket.Status.NEW if waiting else Ticket.Status.RESOLVED,
            assignee=None,
            last_seq=1,
        )
        AgentProfile.objects.update(last_assigned_at=None)
        tell_queue_places()

    def check_online(self) -> None:
        from helpdesk.presence import AGENTS

        online = AGENTS.online_ids([user.pk for user in self.users])
        if len(online) != len(self.users):
            raise SystemExit(f"only {len(online)} of {len(self.users)} agents are online")


class NewChats:
    """A new visitor's first message, each on a widget in turn. Each chat is
    deleted after its run (untimed), so every run starts from the same queue and
    the same loads."""

    def __init__(self, helpdesk: Helpdesk):
        self.helpdesk = helpdesk
        self.count = 0

    def prepare(self) -> None:
        from helpdesk.models import Visitor

        widget = self.helpdesk.widgets[self.count % len(self.helpdesk.widgets)]
        self.count += 1
        self.visitor = Visitor.objects.create(widget=widget, name="New visitor")

    def run(self) -> None:
        from chat.services import start_conversation

        self.message = start_conversation(
            visitor=self.visitor, body="Hello, is anyone there?", client_id=str(uuid.uuid4())
        )

    def clean_up(self) -> bool:
        """Deletes the chat; whether it was assigned."""
        from agents.routing import tell_queue_places
        from helpdesk.models import Ticket

        assigned = Ticket.objects.filter(pk=self.message.ticket_id, assignee__isnull=False).exists()
        self.visitor.delete()  # with the ticket and its messages
        tell_queue_places()
        return assigned

    def compare(self, *, budget: float, most: int = 300) -> tuple[Series, Series, Series]:
        """Auto-assign off, on, and the difference: off and on take turns run by
        run, so that drift (the SQLite file growing, other work on the machine)
        falls on both alike, and each pair gives one difference. ``result`` is
        the share of chats that were assigned."""
        from django.conf import settings
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        seconds: dict[bool, list[float]] = {False: [], True: []}
        queries: dict[bool, int] = {}
        assigned = {False: 0, True: 0}

        def once(on: bool, *, timed: bool = True, counted: bool = False) -> None:
            settings.PARLEY["AUTO_ASSIGN"] = on
            self.prepare()
            with CaptureQueriesContext(connection) if counted else contextlib.nullcontext() as qs:
                started = time.perf_counter()
                self.run()
                if timed:
                    seconds[on].append(time.perf_counter() - started)
            if counted:
                queries[on] = len(qs)
            assigned[on] += self.clean_up()

        try:
            for on in (False, True):
                once(on, timed=False)  # warming up
            for on in (False, True):
                once(on, timed=False, counted=True)
            gc.collect()
            deadline = time.perf_counter() + budget
            while len(seconds[True]) < most and (
                len(seconds[True]) < 20 or time.perf_counter() < deadline
            ):
                for on in (False, True) if len(seconds[True]) % 2 else (True, False):
                    once(on)
        finally:
            settings.PARLEY["AUTO_ASSIGN"] = True
        runs = len(seconds[True]) + 2
        off = Series(seconds[False], queries[False], assigned[False] / runs)
        on = Series(seconds[True], queries[True], assigned[True] / runs)
        difference = Series(
            [b - a for a, b in zip(off.seconds, on.seconds, strict=True)],
            on.queries - off.queries,
            paired=True,
        )
        return off, on, difference


def backlog_run() -> tuple[int, int]:
    """Passes until one assigns nothing, as chats arriving or beat would run them;
    (chats assigned, passes)."""
    from agents.routing import route_queue

    assigned = passes = 0
    while True:
        passes += 1
        given = route_queue()
        if not given:
            return assigned, passes
        assigned += given


def run_cases(helpdesk: Helpdesk, budget: float) -> list[tuple]:
    """(case, Series, divisor) rows, in the order of the table."""
    from django.core.cache import cache

    from agents.routing import route_queue
    from agents.services import HEARTBEAT_CHECK_KEY, after_agent_heartbeat

    def heartbeat_check() -> None:
        """The check one dashboard in check_interval() seconds runs; the
        others find it taken and return."""
        cache.delete(HEARTBEAT_CHECK_KEY)
        after_agent_heartbeat()

    rows = []
    new_chats = NewChats(helpdesk)

    # The common state: nobody waits, agents have room.
    helpdesk.agents_full(False)
    helpdesk.queue_waiting(False)
    helpdesk.check_online()
    rows.append(("`route_queue()`, queue empty", measure(route_queue, budget=budget, most=3000), 1))
    rows.append(
        (
            "`after_agent_heartbeat()` check, queue empty",
            measure(heartbeat_check, budget=budget, most=3000),
            1,
        )
    )
    off, on, routing = new_chats.compare(budget=budget)
    if off.result != 0 or on.result != 1:
        raise SystemExit(f"assigned: {off.result:.0%} with auto-assign off, {on.result:.0%} on")
    rows.append(("`start_conversation`, auto-assign off, queue empty", off, 1))
    rows.append(("`start_conversation`, auto-assign on, an agent free (assigned)", on, 1))
    rows.append(("… routing's share (on minus off, paired runs)", routing, 1))

    # Everyone busy, the queue long: every new chat, ticket change and heartbeat
    # repeats this.
    helpdesk.agents_full(True)
    helpdesk.queue_waiting(True)
    helpdesk.check_online()
    busy = measure(route_queue, budget=budget, most=1000)
    if busy.result:
        raise SystemExit("a chat was assigned although every agent is full")
    rows.append((f"`route_queue()`, {len(helpdesk.queued)} waiting, everyone busy", busy, 1))
    rows.append(
        (
            f"`after_agent_heartbeat()` check, {len(helpdesk.queued)} waiting, everyone busy",
            measure(heartbeat_check, budget=budget, most=1000),
            1,
        )
    )
    off, on, routing = new_chats.compare(budget=budget)
    if off.result != 0 or on.result != 0:
        raise SystemExit("a new chat was assigned although every agent is full")
    waiting = f"{len(helpdesk.queued)} waiting"
    rows.append((f"`start_conversation`, auto-assign off, {waiting}", off, 1))
    rows.append((f"`start_conversation`, auto-assign on, {waiting}, everyone busy", on, 1))
    rows.append(("… routing's share (on minus off, paired runs)", routing, 1))

    # A backlog meets agents with room (say after an outage, or at opening time).
    helpdesk.agents_full(False)
    helpdesk.check_online()
    backlog = measure(
        backlog_run,
        budget=2 * budget,
        most=30,
        least=5,
        reset=lambda: helpdesk.queue_waiting(True),
    )
    assigned, passes = backlog.result
    rows.append(
        (f"backlog of {len(helpdesk.queued)}: {passes} passes, {assigned} assigned", backlog, 1)
    )
    rows.append(("… per assigned chat", backlog, assigned))
    helpdesk.queue_waiting(False)
    return rows


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    ms = seconds * 1000
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def database_name() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        return f"PostgreSQL {major}.{minor}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="", help="PostgreSQL admin URL; default: SQLite")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--queued", type=int, default=200)
    parser.add_argument("--ended", type=int, default=5000, help="ended chats in the table")
    parser.add_argument("--budget", type=float, default=8, help="seconds per case, about")
    args = parser.parse_args()

    # A plain kill still drops the database (the finally clauses run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    started = time.monotonic()
    # Other work on the machine, or the VM slowing down, shows in the numbers; the
    # load and the loop say whether there was any.
    load_before, loop_before = os.getloadavg()[0], loop_seconds()
    with tempfile.TemporaryDirectory() as tmp, own_database(args.database) as database_url:
        set_up_django(database_url, Path(tmp), args.agents)
        from django.core.management import call_command
        from django.db import connection

        try:
            call_command("migrate", verbosity=0)
            helpdesk = Helpdesk(agents=args.agents, queued=args.queued, ended=args.ended)
            if connection.vendor == "postgresql":
                # As autovacuum would have by now on a real installation.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            set_up = time.monotonic() - started
            rows = run_cases(helpdesk, args.budget)
            name = database_name()
        finally:
            connection.close()
            if connection.vendor == "postgresql":
                connection.close_pool()

    print(
        f"\n{name}: {args.agents} agents ({helpdesk.in_teams} in {len(TEAMS)} teams, "
        f"{MAX_CHATS} chats each at most), {args.queued} queued chats, "
        f"{args.ended} ended chats; set-up {set_up:.0f} s, "
        f"total {time.monotonic() - started:.0f} s; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
        f"10M-step loop {loop_before:.2f} s before, {loop_seconds():.2f} s after\n"
    )
    print("| case | runs | median | p95 | max | queries |")
    print("|---|---|---|---|---|---|")
    for case, series, per in rows:
        runs = len(series.seconds) if per == 1 else ""
        median = duration(series.median / per)
        if series.paired:
            p95 = top = ""
            queries = f"{series.queries:+d}"
        else:
            p95 = duration(series.p95 / per if series.p95 is not None else None)
            top = duration(max(series.seconds) / per)
            queries = f"{series.queries}" if per == 1 else f"{series.queries / per:.1f}"
        print(f"| {case} | {runs} | {median} | {p95} | {top} | {queries} |")
    # However many dashboards are open, one check per check_interval() seconds
    # runs for the installation.
    from helpdesk.presence import check_interval

    every = check_interval()

    print()
    for case, series, _ in rows:
        if case.startswith("`after_agent_heartbeat()`"):
            state = case.split(", ", 1)[1]
            share = series.median / every * 1000
            print(
                f"- {state}: one check every {every} s, whatever the number of "
                f"agents: {share:.1f} ms of every second (median, wall clock)"
            )


if __name__ == "__main__":
    main()
