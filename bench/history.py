"""History, inbox and search at scale, on PostgreSQL.

Creates a fresh database on the server of ``--database`` (dropped at the end),
migrates it, and loads it with COPY: first ``--tickets`` tickets holding
``--messages`` messages (heavy-tailed: most chats are short, one is very long and
is the ticket whose history is paged), then more tickets with a few messages each
up to ``--inbox-tickets``. Bodies are drawn from a Zipf-distributed vocabulary of
support chat words, product names and order numbers, so the full-text search
meets common and rare words as it would in a real helpdesk.

Every timing goes through the real HTTP view in this process: Django's test
Client, the URL resolver, DRF's authentication (an agent's API token, a visitor's
token), the selectors and the JSON rendering. DEBUG is off, as deployed.

    .venv/bin/python bench/history.py
    .venv/bin/python bench/history.py --tickets 1000 --messages 100000 --inbox-tickets 10000

It prints one Markdown table for docs/benchmarks.md.
"""

import argparse
import functools
import itertools
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import cpu_seconds
from bench.routing import own_database

AGENTS = 40
PAGE = 50  # the dashboard's page of history (static/dashboard/api.js HISTORY_PAGE)
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)

# What people write to a shop's support; the long tail below makes the rest.
COMMON_WORDS = """
the a to i and you my is it for of on in this that we can with have order not be
your me please thanks hi hello do are was but what how when get just at so if
there will no an as from help could would they our like know need want one
yes any all about thank still did out up or time now here has been see check
delivery refund payment invoice account password login email address shipping
package parcel tracking number card charged twice cancel subscription plan
upgrade downgrade price discount coupon code voucher return exchange size colour
broken damaged missing item wrong arrived yesterday today tomorrow week month
store warehouse courier label printer receipt tax vat company business update
app website page error message screen button checkout basket cart stock sold
available reserve pickup appointment booking reschedule confirm confirmation sms
phone call support agent manager team weekend holiday morning afternoon evening
battery charger cable screen keyboard mouse laptop tablet headphones speaker
jacket shoes boots trousers shirt dress coat gloves scarf backpack wallet watch
"""
SYLLABLES = "ka lo mi ne ru sa te vi zo pa bre dal fen gor hul jin kra lum mor nix"


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    """Common words first, then made-up product names: a Zipf law over the list
    gives a few words everyone uses and thousands that few tickets share."""
    words = list(dict.fromkeys(COMMON_WORDS.split()))
    syllables = SYLLABLES.split()
    while len(words) < size:
        word = "".join(rng.choices(syllables, k=rng.randint(2, 4)))
        if word not in words:
            words.append(word)
    return words


class Writer:
    """Message bodies: 3 to 40 words, now and then an order number or a price."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = vocabulary(rng)
        self.cum_weights = list(
            itertools.accumulate(1 / (rank + 1) for rank in range(len(self.words)))
        )

    def body(self) -> str:
        rng = self.rng
        words = rng.choices(self.words, cum_weights=self.cum_weights, k=rng.randint(3, 40))
        if rng.random() < 0.1:
            words.insert(rng.randrange(len(words)), f"#{rng.randint(100000, 999999)}")
        if rng.random() < 0.05:
            words.append(f"{rng.randint(5, 500)}.{rng.randint(0, 99):02d}")
        text = " ".join(words)
        return text[0].upper() + text[1:] + rng.choice(".?!")

    def subject(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cum_weights, k=self.rng.randint(2, 6))
        return " ".join(words).capitalize()


def set_up_django(database_url: str, var_dir: Path) -> None:
    """Parley's own settings, read from an environment set here: the given
    database, the in-memory layer, DEBUG off as deployed."""
    for name in ("REDIS_URL", "DATABASE_URL", "CELERY_TASK_ALWAYS_EAGER"):
        os.environ.pop(name, None)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings"
    os.environ["PARLEY_VAR_DIR"] = str(var_dir)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("PARLEY_SITE_URL", "http://127.0.0.1:8000")  # required with DEBUG off
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    # One visitor reads its history hundreds of times a second here: the widget's
    # read limit would answer 429 after the first few hundred.
    os.environ["PARLEY_RATE_READ_PER_IP"] = "off"
    os.environ["PARLEY_RATE_READ_PER_VISITOR"] = "off"

    import django

    django.setup()


def copy_rows(model, rows: Iterable[dict], *, with_ids: bool = False) -> None:
    """COPY ``rows`` into ``model``'s table; a field a row leaves out takes the
    field's default, so a column added later needs no change here. Ids come from
    the table's sequence unless ``with_ids``."""
    from django.db import connection

    fields = [
        field
        for field in model._meta.concrete_fields
        if with_ids or field.get_internal_type() not in ("AutoField", "BigAutoField")
    ]
    defaults = {
        field.attname: field.get_db_prep_save(field.get_default(), connection) for field in fields
    }
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([row.get(field.attname, defaults[field.attname]) for field in fields])


def heavy_tailed(total: int, parts: int, longest: int, rng: random.Random) -> list[int]:
    """``parts`` sizes, the first ``longest``, the rest log-normal, adding up to ``total``."""
    rest = total - longest
    draws = [rng.lognormvariate(0, 1.2) for _ in range(parts - 1)]
    scale = rest / sum(draws)
    sizes = [max(1, round(draw * scale)) for draw in draws]
    sizes[-1] += rest - sum(sizes)
    while sizes[-1] < 1:  # rounding pushed the last below one: take from the biggest
        biggest = sizes.index(max(sizes))
        sizes[biggest] -= 1 - sizes[-1]
        sizes[-1] = 1
    return [longest, *sizes]


class Helpdesk:
    """A loaded database: agents with tokens, visitors, tickets and messages."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.writer = Writer(rng)
        self.next_ticket_id = 1

    def create_agents(self) -> None:
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        from agents.models import AgentProfile
        from helpdesk.models import Tag, Widget

        self.widget = Widget.objects.create(name="Shop", key="bench")
        users = []
        for number in range(AGENTS):
            user = get_user_model().objects.create_user(f"agent{number}", password=None)
            AgentProfile.objects.create(user=user, display_name=f"Agent {number}")
            users.append(user)
        self.agents = users
        self.token = Token.objects.create(user=users[0]).key
        self.tags = list(
            Tag.objects.bulk_create(
                Tag(name=name) for name in ["vip", "billing", "bug", "returns", "b2b"]
            )
        )

    def load(self, message_counts: list[int]) -> list[int]:
        """Tickets with these numbers of messages, each with a visitor of its own."""
        from chat.models import Message
        from helpdesk.models import Ticket, Visitor

        rng = self.rng
        first_id = self.next_ticket_id
        ids = list(range(first_id, first_id + len(message_counts)))
        self.next_ticket_id += len(message_counts)
        visitors = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in ids]
        names = [self.writer.words[rng.randrange(200, 3000)].capitalize() for _ in ids]
        copy_rows(
            Visitor,
            (
                {
                    "id": visitor,
                    "widget_id": self.widget.pk,
                    "name": name,
                    "email": f"{name.lower()}{n}@example.com" if rng.random() < 0.6 else "",
                    "metadata": "{}",
                    "created_at": NOW,
                    "last_seen_at": NOW,
                }
                for n, (visitor, name) in enumerate(zip(visitors, names, strict=True))
            ),
        )
        tickets = []
        statuses = ["resolved"] * 70 + ["closed"] * 12 + ["open"] * 10 + ["pending"] * 4
        statuses += ["new"] * 4
        for ticket_id, visitor, count in zip(ids, visitors, message_counts, strict=True):
            created = NOW - timedelta(days=365 * rng.random() ** 2)
            last = min(created + timedelta(minutes=2 * count * rng.random() + 1), NOW)
            status = rng.choice(statuses)
            assignee = None if status == "new" or rng.random() < 0.1 else rng.choice(self.agents)
            tickets.append(
                {
                    "id": ticket_id,
                    "visitor_id": visitor,
                    "subject": self.writer.subject() if rng.random() < 0.5 else "",
                    "status": status,
                    "priority": rng.choice(["low", "normal", "normal", "normal", "high"]),
                    "assignee_id": assignee.pk if assignee else None,
                    "channel": "chat",
                    "last_seq": count,
                    "last_public_seq": count,
                    "visitor_seen_seq": count,
                    "agent_seen_seq": count,
                    "created_at": created,
                    "updated_at": last,
                    "last_message_at": last,
                    "waiting_since": last
                    if status in ("new", "open") and assignee is None
                    else None,
                    "resolved_at": last if status in ("resolved", "closed") else None,
                    "rating": rng.choice([None, None, None, 4, 5, 3]),
                }
            )
        copy_rows(Ticket, tickets, with_ids=True)
        copy_rows(
            Ticket.tags.through,
            (
                {"ticket_id": ticket["id"], "tag_id": tag.pk}
                for ticket in tickets
                if rng.random() < 0.2
                for tag in [rng.choice(self.tags)]
            ),
        )

        def messages():
            for ticket, count in zip(tickets, message_counts, strict=True):
                at = ticket["created_at"]
                step = (ticket["last_message_at"] - at) / count
                agent = self.agents[(ticket["assignee_id"] or 1) % AGENTS]
                for seq in range(1, count + 1):
                    from_agent = seq > 1 and rng.random() < 0.45
                    yield {
                        "ticket_id": ticket["id"],
                        "seq": seq,
                        "sender_type": "agent" if from_agent else "visitor",
                        "sender_user_id": agent.pk if from_agent else None,
                        "sender_name": "Agent" if from_agent else "Visitor",
                        "body": self.writer.body(),
                        "internal": from_agent and rng.random() < 0.05,
                        "client_id": uuid.UUID(int=rng.getrandbits(128), version=4).hex,
                        "attachment": "",
                        "created_at": at + step * seq,
                    }

        copy_rows(Message, messages())
        return ids

    def fix_sequences(self) -> None:
        """COPY wrote the ids: move each table's id sequence past them."""
        from django.core.management.color import no_style
        from django.db import connection

        from helpdesk.models import Ticket

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket]):
                cursor.execute(sql)
            cursor.execute("VACUUM ANALYZE")


def quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class Timing:
    seconds: list[float]
    cpu: float  # seconds per call
    queries: int
    result: object

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p99_ms(self) -> float:
        return quantile(self.seconds, 99) * 1000


def backend_cpu_seconds() -> float:
    """CPU time so far of this database's PostgreSQL backends (the pool's
    connections), read from /proc: PostgreSQL runs on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    return sum(cpu_seconds(pid) for pid in pids if Path(f"/proc/{pid}").exists())


def timed(fetch: Callable[[], object], *, runs: int, budget: float) -> Timing:
    """Up to ``runs`` calls (at least 30, at most ``budget`` seconds) after one
    untimed warm-up: each one's wall-clock time, the CPU they took (this process
    and the database's backends, which a busy machine does not inflate as it
    does wall-clock time), and the queries one call makes."""
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    fetch()
    # A wrapper, not CaptureQueriesContext: each request resets the query log.
    with connection.execute_wrapper(count):
        result = fetch()
    seconds = []
    cpu_before = time.process_time() + backend_cpu_seconds()
    started = time.perf_counter()
    while len(seconds) < runs and (len(seconds) < 30 or time.perf_counter() - started < budget):
        before = time.perf_counter()
        fetch()
        seconds.append(time.perf_counter() - before)
    cpu = time.process_time() + backend_cpu_seconds() - cpu_before
    return Timing(seconds, cpu / len(seconds), len(queries), result)


def get(client, url: str, **headers) -> dict:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response.json()


def run_cases(
    helpdesk: Helpdesk,
    long_ticket: int,
    length: int,
    *,
    runs: int,
    budget: float,
    repeat: int,
    groups: list[str],
) -> dict[tuple[str, str], list["Timing"]]:
    from django.test import Client

    from chat.visitor_auth import visitor_token
    from helpdesk.models import Ticket

    # The test client's own host name is not among the deployed ALLOWED_HOSTS.
    agent = Client(HTTP_HOST="127.0.0.1")
    token = {"Authorization": f"Token {helpdesk.token}"}
    ticket = Ticket.objects.select_related("visitor").get(pk=long_ticket)
    visitor = {"Authorization": f"Visitor {visitor_token(ticket.visitor)}"}
    history = f"/api/agent/tickets/{long_ticket}/messages/"
    widget_history = f"/api/widget/tickets/{long_ticket}/messages/"
    middle = length // 2
    cases = [
        ("history", "agent: first page", history + f"?after=0&limit={PAGE}", token),
        ("history", "agent: a middle page", history + f"?before={middle}&limit={PAGE}", token),
        ("history", "agent: last page (newest)", history + f"?limit={PAGE}", token),
        ("history", "visitor: first page", widget_history + f"?after=0&limit={PAGE}", visitor),
        (
            "history",
            "visitor: a middle page",
            widget_history + f"?before={middle}&limit={PAGE}",
            visitor,
        ),
        ("history", "visitor: last page (newest)", widget_history + f"?limit={PAGE}", visitor),
    ]
    for view in ["unassigned", "mine", "all", "resolved"]:
        cases.append(("inbox", f"view={view}", f"/api/agent/tickets/?view={view}", token))
    cases.append(("inbox", "every ticket (no view)", "/api/agent/tickets/", token))
    cases.append(("inbox", "counts", "/api/agent/tickets/counts/", token))
    words = helpdesk.writer.words
    searches = [
        ("a common word", "refund"),
        ("a rare word", words[4000]),
        ("two words", f"{words[60]} {words[700]}"),
        ("a phrase", '"tracking number"'),
        ("an order number", "#123456"),
        ("a word, without another", f"{words[300]} -refund"),
        ("a visitor's email", "example.com"),
    ]
    for label, q in searches:
        url = f"/api/agent/tickets/?{urlencode({'q': q})}"  # "#" would start a fragment
        cases.append(("search", f"{label}: q={q}", url, token))
    cases.append(
        ("search", "a common word in view=all", "/api/agent/tickets/?view=all&q=refund", token)
    )

    # The next page of a view, by the cursor the first page handed out.
    link = urlsplit(get(agent, "/api/agent/tickets/?view=resolved", **token)["next"])
    cases.append(("inbox", "view=resolved, next page (cursor)", f"{link.path}?{link.query}", token))

    cases = [case for case in cases if case[0] in groups]
    # Every case once per round, the rounds one after another, so a busy spell
    # on a shared machine falls on all cases alike.
    results = {(group, label): [] for group, label, _url, _headers in cases}
    for round_ in range(repeat):
        for group, label, url, headers in cases:
            timing = timed(functools.partial(get, agent, url, **headers), runs=runs, budget=budget)
            results[group, label].append(timing)
            print(
                f"  [{round_ + 1}/{repeat}] {group:7} {label:45} p50 {timing.p50_ms:6.1f} ms"
                f"  p99 {timing.p99_ms:6.1f} ms  CPU {timing.cpu * 1000:5.1f} ms"
                f"  {timing.queries} queries",
                file=sys.stderr,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument(
        "--longest", type=int, default=20_000, help="messages in the ticket whose history is paged"
    )
    parser.add_argument("--inbox-tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=150, help="timed requests per case, at most")
    parser.add_argument("--repeat", type=int, default=3, help="rounds over every case")
    parser.add_argument(
        "--only", default="history,inbox,search", help="comma-separated: history, inbox, search"
    )
    parser.add_argument("--budget", type=float, default=8, help="seconds per case, at most")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    with own_database(args.database) as database_url, tempfile.TemporaryDirectory() as tmp:
        set_up_django(database_url, Path(tmp))
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        helpdesk = Helpdesk(rng)
        helpdesk.create_agents()

        started = time.perf_counter()
        counts = heavy_tailed(args.messages, args.tickets, args.longest, rng)
        ids = []
        for chunk in range(0, len(counts), 2000):
            ids += helpdesk.load(counts[chunk : chunk + 2000])
        more = args.inbox_tickets - args.tickets
        short = [rng.randint(1, 6) for _ in range(more)]
        for chunk in range(0, len(short), 5000):
            helpdesk.load(short[chunk : chunk + 5000])
        helpdesk.fix_sequences()
        loaded = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM chat_message")
            messages = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM helpdesk_ticket")
            tickets = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        print(
            f"loaded {tickets} tickets, {messages} messages ({size}) in {loaded:.0f} s",
            file=sys.stderr,
        )
        results = run_cases(
            helpdesk,
            ids[0],
            counts[0],
            runs=args.runs,
            budget=args.budget,
            repeat=args.repeat,
            groups=args.only.split(","),
        )
        connection.close()

    print(
        f"\n{tickets:,} tickets, {messages:,} messages; the paged ticket holds {counts[0]:,}; "
        f"pages of {PAGE}; Django test Client through the DRF views; median over "
        f"{args.repeat} rounds of each round's p50 and p99; CPU: this process and the "
        "database's backends, per request\n"
    )
    print("| what | request | p50 | p99 | CPU per request | queries |")
    print("|---|---|---|---|---|---|")
    for (group, label), timings in results.items():
        p50 = statistics.median(timing.p50_ms for timing in timings)
        p99 = statistics.median(timing.p99_ms for timing in timings)
        cpu = statistics.median(timing.cpu for timing in timings) * 1000
        print(
            f"| {group} | {label} | {p50:.1f} ms | {p99:.1f} ms | {cpu:.1f} ms "
            f"| {timings[0].queries} |"
        )


if __name__ == "__main__":
    main()
