"""The reports API at 10^5 tickets, on SQLite or PostgreSQL.

Builds a database of its own (a temporary SQLite file, or with ``--database`` a
fresh PostgreSQL database on that server, dropped at the end), migrates it, and
loads ``--tickets`` tickets spread over the last year with bulk_create: each with
a visitor's message and, for most, an agent's reply, the times recorded as the
write path records them (helpdesk.response_times, business hours included),
ratings and comments, tags, teams with and without opening hours, widgets, and
chats the assistant answered. Then it times the reports API through the real view
(Django's test Client, session auth, DRF, JSON), DEBUG off, ``--repeat`` times
each: the last 30 days, and the whole year (every ticket), grouped per agent and
per tag, and the year's CSV export.

    .venv/bin/python bench/reports.py
    .venv/bin/python bench/reports.py --database postgres://postgres@127.0.0.1:5432/postgres

It prints one Markdown table for docs/benchmarks.md and stops by itself.
"""

import argparse
import random
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.routing import loop_seconds, own_database, set_up_django

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
AGENTS = 40
TAGS = 25
BATCH = 5_000


def seed(tickets: int, rng: random.Random) -> None:
    from django.contrib.auth import get_user_model

    from agents.models import AgentProfile
    from chat.models import Message
    from helpdesk.business_hours import open_seconds
    from helpdesk.models import OpeningHours, Tag, Team, Ticket, Visitor, Widget

    User = get_user_model()
    users = User.objects.bulk_create(User(username=f"agent{n}") for n in range(AGENTS))
    AgentProfile.objects.bulk_create(
        AgentProfile(user=user, display_name=f"Agent {n}") for n, user in enumerate(users)
    )
    User.objects.create_superuser("boss", "boss@example.com", "bench-password-1")
    teams = [
        Team.objects.create(name=f"Team {n}", timezone=zone)
        for n, zone in enumerate(["Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo"])
    ]
    for team in teams[:3]:  # the last is always open
        OpeningHours.objects.bulk_create(
            OpeningHours(team=team, weekday=day, opens=clock(9), closes=clock(17))
            for day in range(5)
        )
    teams = list(Team.objects.prefetch_related("opening_hours"))
    widgets = [Widget.objects.create(name=f"Site {n}", key=f"site-{n}") for n in range(3)]
    tags = Tag.objects.bulk_create(Tag(name=f"tag-{n}") for n in range(TAGS))
    visitors = Visitor.objects.bulk_create(
        Visitor(widget=rng.choice(widgets), name=f"Visitor {n}") for n in range(tickets // 5)
    )

    # Stored as given: the seeded past, not the moment of seeding.
    for field in ("created_at", "updated_at"):
        Ticket._meta.get_field(field).auto_now_add = False
        Ticket._meta.get_field(field).auto_now = False
    Message._meta.get_field("created_at").auto_now_add = False

    made = 0
    while made < tickets:
        batch, lines = [], []
        for _ in range(min(BATCH, tickets - made)):
            started = NOW - timedelta(seconds=rng.uniform(0, 365 * 86_400))
            team = rng.choice([*teams, None])
            ticket = Ticket(
                visitor=rng.choice(visitors),
                assignee=rng.choice(users) if rng.random() < 0.9 else None,
                team=team,
                created_at=started,
                updated_at=started,
                last_message_at=started,
                assistant=rng.choice(["", "", "", "active", "handed_off"]),
            )
            replied = None
            if rng.random() < 0.92:
                replied = started + timedelta(seconds=rng.lognormvariate(5, 1.5))
                ticket.first_response_at = replied
                ticket.first_response_seconds = int((replied - started).total_seconds())
                ticket.first_response_business_seconds = open_seconds(team, started, replied)
            if rng.random() < 0.8:
                ended = started + timedelta(seconds=rng.lognormvariate(8, 1.5))
                ticket.status = Ticket.Status.RESOLVED
                ticket.resolved_at = ended
                ticket.resolution_seconds = int((ended - started).total_seconds())
                ticket.resolution_business_seconds = open_seconds(team, started, ended)
                if rng.random() < 0.35:
                    ticket.rating = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 6])[0]
                    if rng.random() < 0.3:
                        ticket.rating_comment = rng.choice(
                            ["Quick and kind.", "Took a while.", "=not a formula", "Solved it!"]
                        )
            ticket.last_seq = 2 if replied else 1
            batch.append((ticket, replied))
        Ticket.objects.bulk_create([ticket for ticket, _ in batch])
        for ticket, replied in batch:
            lines.append(
                Message(
                    ticket=ticket,
                    seq=1,
                    sender_type="visitor",
                    body="Hello?",
                    created_at=ticket.created_at,
                )
            )
            if replied:
                lines.append(
                    Message(
                        ticket=ticket,
                        seq=2,
                        sender_type="agent",
                        body="Hi!",
                        sender_user=ticket.assignee,
                        created_at=replied,
                    )
                )
        Message.objects.bulk_create(lines, batch_size=BATCH)
        Through = Ticket.tags.through
        Through.objects.bulk_create(
            Through(ticket_id=ticket.pk, tag_id=tag.pk)
            for ticket, _ in batch
            for tag in rng.sample(tags, rng.choice([0, 1, 1, 2]))
        )
        made += len(batch)


def timed(client, url: str, repeat: int) -> tuple[float, float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, (response.status_code, response.content[:300])
    seconds.sort()
    p99 = statistics.quantiles(seconds, n=100, method="inclusive")[98]
    return statistics.median(seconds) * 1000, p99 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", default="", help="a PostgreSQL server's URL; empty: SQLite")
    args = parser.parse_args()
    # A kill ends like Ctrl-C: the database and the temporary folder still go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    rng = random.Random(13)
    with tempfile.TemporaryDirectory() as tmp, own_database(args.database) as database_url:
        set_up_django(database_url, Path(tmp), AGENTS)
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        seed(args.tickets, rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        seeded = time.perf_counter() - started
        from django.contrib.auth import get_user_model

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username="boss"))
        year = "start=2025-12-01&end=2026-12-01"  # 366 days: every ticket
        cases = [
            ("last 30 days, per agent", "/api/agent/reports/?start=2026-11-02&end=2026-12-01"),
            ("the year (every ticket), per agent", f"/api/agent/reports/?{year}"),
            ("the year, per tag", f"/api/agent/reports/?{year}&group=tag"),
            ("the year, CSV per agent", f"/api/agent/reports/export/?{year}"),
        ]
        yardstick = loop_seconds()
        print(
            f"\n{connection.vendor}: {args.tickets:,} tickets seeded in {seeded:.0f} s; "
            f"10M-step loop {yardstick:.2f} s\n"
        )
        print("| report | p50 | p99 |")
        print("|---|---|---|")
        for name, url in cases:
            client.get(url)  # warm: the first request loads what every later one reuses
            p50, p99 = timed(client, url, args.repeat)
            print(f"| {name} | {p50:.0f} ms | {p99:.0f} ms |")
        connection.close()


if __name__ == "__main__":
    main()
