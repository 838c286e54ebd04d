"""What webhooks add to the message path: a message with no endpoint at all, with
an endpoint that wants other events, and with one that wants every message (a
task queued per message, on the embedded default's filesystem broker).

The script sets Django up in this process against a temporary SQLite database
(the embedded default: in-memory layer, local-memory cache, filesystem broker),
posts messages with chat.services.post_message, whose on_commit work (the
webhook listener among it) runs as each commits, and prints one Markdown table
for docs/benchmarks.md.

    .venv/bin/python bench/webhooks.py
    .venv/bin/python bench/webhooks.py --messages 1000
"""

import argparse
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def set_up_django(var_dir: Path, redis_url: str) -> None:
    for name in ("REDIS_URL", "DATABASE_URL", "CELERY_TASK_ALWAYS_EAGER"):
        os.environ.pop(name, None)
    if redis_url:
        # Redis as the broker (and cache), under a prefix of this run's own.
        os.environ["REDIS_URL"] = redis_url
        os.environ["PARLEY_REDIS_PREFIX"] = f"bench-webhooks-{secrets.token_hex(4)}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings"
    os.environ["PARLEY_VAR_DIR"] = str(var_dir)
    os.environ["DEBUG"] = "false"
    os.environ["PARLEY_SITE_URL"] = "http://127.0.0.1:8000"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    import django

    django.setup()
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)


def remove_own_keys(redis_url: str, prefix: str) -> None:
    """The queued tasks and cache entries of this run, and nothing else: the
    Redis may be shared (never FLUSHDB, which Django's cache.clear() does)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)


def run_case(name: str, messages: int) -> tuple[float, float]:
    """Median milliseconds per message, and queries per message, for ``name``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chat.services import Sender, post_message
    from chat.webhooks.models import Endpoint
    from helpdesk.models import Ticket, Visitor

    Endpoint.objects.all().delete()
    if name == "subscribed to other events":
        Endpoint.objects.create(url="http://127.0.0.1:9/hook", events=["conversation.rated"])
    elif name == "subscribed to every message":
        Endpoint.objects.create(url="http://127.0.0.1:9/hook", events=["message.created"])
    visitor = Visitor.objects.create(name="Bench")
    ticket = Ticket.objects.create(visitor=visitor)
    sender = Sender.for_visitor(visitor)
    post_message(ticket=ticket, sender=sender, body="warm up")  # fills the lookup's cache
    seconds = []
    with CaptureQueriesContext(connection) as queries:
        for n in range(messages):
            started = time.perf_counter()
            post_message(ticket=ticket, sender=sender, body=f"message {n}")
            seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000, len(queries) / messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", default="", help="a Redis URL for the broker")
    args = parser.parse_args()
    cases = ("no endpoint", "subscribed to other events", "subscribed to every message")
    with tempfile.TemporaryDirectory(prefix="parley-bench-webhooks-") as tmp:
        set_up_django(Path(tmp), args.redis)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        # Cases take turns, round after round, so a slow spell of the machine
        # falls on all of them alike; the median of the rounds is printed.
        results = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name in cases:
                results[name].append(run_case(name, args.messages))
        broker = "Redis" if args.redis else "filesystem"
        print(
            f"{args.messages} messages x {args.rounds} rounds per case, SQLite, {broker} broker\n"
        )
        print("| case | median per message | queries per message |")
        print("|---|---|---|")
        for name in cases:
            ms = statistics.median(result[0] for result in results[name])
            queries = results[name][0][1]
            print(f"| {name} | {ms:.2f} ms | {queries:.1f} |")
        if args.redis:
            remove_own_keys(args.redis, os.environ["PARLEY_REDIS_PREFIX"])


if __name__ == "__main__":
    main()
