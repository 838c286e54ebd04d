"""Conversations per local day and per local hour of the week.

PostgreSQL converts each timestamp to the installation's zone itself. SQLite has
no time zones: Django reads them with a Python function called once per row,
which at 10^5 tickets costs most of a second. There the database counts per UTC
hour instead (text operations on the stored "YYYY-MM-DD HH:MM:SS" value, in C),
and each hour's count is moved to the local day and hour here: at most 8,784
rows for a year. A zone whose offset is not whole hours (India, Nepal, Lord
Howe) is counted per UTC quarter hour instead, every offset in use being a whole
number of quarter hours."""

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import CharField, Count, Func, IntegerField, QuerySet, Value
from django.db.models.functions import Cast, Concat, ExtractHour, Substr, TruncDate

from helpdesk.models import Ticket

# (local day, weekday 0 = Monday, hour) -> conversations
Counts = Counter


def local_counts(tickets: QuerySet[Ticket], zone: ZoneInfo, start: date, end: date) -> Counts:
    if connection.vendor == "sqlite":
        return _from_utc_buckets(tickets, zone, start, end)
    rows = (
        tickets.annotate(
            day=TruncDate("created_at", tzinfo=zone),
            hour=ExtractHour("created_at", tzinfo=zone),
        )
        .values("day", "hour")
        .annotate(n=Count("pk"))
        .values_list("day", "hour", "n")
    )
    return Counter({(day, day.weekday(), hour): n for day, hour, n in rows})


def _whole_hours(zone: ZoneInfo, start: date, end: date) -> bool:
    days = (end - start).days + 2
    return all(
        zone.utcoffset(datetime.combine(start + timedelta(days=n), datetime.min.time()))
        % timedelta(hours=1)
        == timedelta()
        for n in range(-1, days)
    )


def _from_utc_buckets(tickets, zone, start, end) -> Counts:
    hour = Substr("created_at", 1, 13, output_field=CharField())  # "2026-06-01 12"
    if _whole_hours(zone, start, end):
        bucket = hour
        step = None
    else:
        quarter = Func(
            Cast(Substr("created_at", 15, 2), IntegerField()),
            Value(15),
            template="(%(expressions)s)",
            arg_joiner=" / ",
            output_field=IntegerField(),
        )
        bucket = Concat(hour, Value(":"), Cast(quarter, CharField()), output_field=CharField())
        step = 15
    rows = tickets.annotate(bucket=bucket).values("bucket").annotate(n=Count("pk"))
    counts: Counts = Counter()
    for text, n in rows.values_list("bucket", "n"):
        if step:
            text, quarter = text.split(":")
            minutes = int(quarter) * step
        else:
            minutes = 0
        at = datetime.fromisoformat(f"{text}:00+00:00") + timedelta(minutes=minutes)
        local = at.astimezone(zone)
        counts[local.date(), local.weekday(), local.hour] += n
    return counts
