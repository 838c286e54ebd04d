"""Is a team open at a given moment? Pure reads over ``Team.opening_hours``.

A team with no opening hours is always open. Otherwise it is open when one of its
spans covers the moment, read as a wall-clock time in the team's time zone:
``opens`` is inclusive, ``closes`` exclusive, and a span whose ``closes`` is not
after its ``opens`` ends on the next day (Sunday's runs into Monday). Comparing wall
clocks keeps 09:00 meaning 09:00 across DST changes; the price is that an hour the
clocks repeat counts twice, and an hour they skip never happens.
"""

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from .models import OpeningHours, Team

logger = logging.getLogger(__name__)

# (weekday, opens, closes), as stored in OpeningHours.
Span = tuple[int, time, time]


def is_open(team: Team | None, at: datetime) -> bool:
    """Is ``team`` open at ``at``? No team, or no hours: always. Reads
    ``team.opening_hours.all()``, so teams loaded with
    ``prefetch_related("opening_hours")`` cost no query each."""
    _require_aware(at)
    if team is None:
        return True
    spans = _spans(team)
    return not spans or _covered(spans, at.astimezone(team_zone(team.timezone)))


def closed_team_ids(at: datetime) -> set[int]:
    """The ids of every team closed at ``at``, in one query over all spans. Teams
    with no hours never appear: they are always open."""
    _require_aware(at)
    rows = OpeningHours.objects.order_by().values_list(
        "team_id", "team__timezone", "weekday", "opens", "closes"
    )
    with_hours: set[int] = set()
    open_ids: set[int] = set()
    for team_id, zone_name, weekday, opens, closes in rows:
        with_hours.add(team_id)
        if team_id not in open_ids and _covers(
            (weekday, opens, closes), at.astimezone(team_zone(zone_name))
        ):
            open_ids.add(team_id)
    return with_hours - open_ids


def next_change(team: Team | None, at: datetime) -> datetime | None:
    """The first moment after ``at`` when ``is_open(team, …)`` answers differently:
    the next opening if the team is closed, the next closing if it is open. In UTC:
    an aware datetime in a zone compares unequal to every other zone's inside a
    repeated hour (PEP 495), so local times are for display only. None when the
    answer never changes (no team, no hours, or spans joined around the week)."""
    _require_aware(at)
    if team is None:
        return None
    spans = _spans(team)
    if not spans:
        return None
    zone = team_zone(team.timezone)
    open_now = _covered(spans, at.astimezone(zone))
    # Between these instants the wall clock moves steadily and crosses no span
    # edge, so the answer can only change at one of them.
    for instant in _edge_instants(spans, zone, at, at + timedelta(days=8)):
        if _covered(spans, instant.astimezone(zone)) != open_now:
            return instant
    return None


@lru_cache(maxsize=512)
def team_zone(name: str) -> ZoneInfo:
    """The zone called ``name``. A name that no longer loads (say the zone data
    changed under a saved team) falls back to ``TIME_ZONE`` and is logged once,
    rather than failing every routing pass."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        logger.warning("Unknown team time zone %r; using %s", name, settings.TIME_ZONE)
        return ZoneInfo(settings.TIME_ZONE)


def _require_aware(at: datetime) -> None:
    # A naive datetime would be read in the server's zone: wrong, and silently so.
    if at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")


def _spans(team: Team) -> list[Span]:
    return [(hours.weekday, hours.opens, hours.closes) for hours in team.opening_hours.all()]


def _covers(span: Span, local: datetime) -> bool:
    weekday, opens, closes = span
    day, now = local.weekday(), local.time()
    if opens < closes:
        return day == weekday and opens <= now < closes
    # Past midnight (or 24 hours when equal): the evening of its own day and the
    # morning of the next.
    return (day == weekday and now >= opens) or (day == (weekday + 1) % 7 and now < closes)


def _covered(spans: Iterable[Span], local: datetime) -> bool:
    return any(_covers(span, local) for span in spans)


def _edge_instants(spans: list[Span], zone: ZoneInfo, start: datetime, end: datetime):
    """Sorted instants in (start, end] where a span's edge is on the wall clock,
    both readings of a repeated time, and the zone's offset changes (the clock
    jumps, perhaps over an edge)."""
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    instants = set(_offset_changes(zone, start, end))
    for offset in range((end - start).days + 2):
        day = first_day + timedelta(days=offset)
        for weekday, opens, closes in spans:
            if day.weekday() == weekday:
                for wall in _edges(day, opens, closes):
                    # In UTC: within one zone, datetimes that differ only by fold
                    # compare and hash equal, and the set would keep one reading.
                    instants.update(
                        wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)
                    )
    return sorted(instant for instant in instants if start < instant <= end)


def _edges(day: date, opens: time, closes: time) -> tuple[datetime, datetime]:
    closing_day = day + timedelta(days=1) if closes <= opens else day
    return datetime.combine(day, opens), datetime.combine(closing_day, closes)


def _offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """When the zone's UTC offset changes, to the second (zones change whole
    seconds, and at most once a day)."""

    def offset(timestamp: int) -> timedelta | None:
        return datetime.fromtimestamp(timestamp, zone).utcoffset()

    changes = []
    low, stop = int(start.timestamp()), int(end.timestamp()) + 1
    while low < stop:
        high = min(low + 86_400, stop)
        if offset(low) != offset(high):
            before, after = low, high
            while after - before > 1:
                middle = (before + after) // 2
                if offset(middle) == offset(before):
                    before = middle
                else:
                    after = middle
            changes.append(datetime.fromtimestamp(after, UTC))
        low = high
    return changes


def open_seconds(team: Team | None, start: datetime, end: datetime) -> int:
    """How many seconds of ``start``..``end`` fall within ``team``'s opening hours
    (no team, or no hours: all of them), for the reports' "within business hours"
    times. Each span's wall-clock edges become instants in the team's zone, so a
    day the clocks change is an hour shorter or longer, as it was for whoever
    waited; overlapping spans count once. Reads ``team.opening_hours.all()``."""
    _require_aware(start)
    _require_aware(end)
    if end <= start:
        return 0
    spans = _spans(team) if team is not None else []
    if not spans:
        return int((end - start).total_seconds())
    zone = team_zone(team.timezone)
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date()
    intervals = []
    day = first_day
    while day <= last_day:
        for weekday, opens, closes in spans:
            if day.weekday() == weekday:
                opened, closed = (
                    wall.replace(tzinfo=zone).astimezone(UTC) for wall in _edges(day, opens, closes)
                )
                opened, closed = max(opened, start), min(closed, end)
                if opened < closed:
                    intervals.append((opened, closed))
        day += timedelta(days=1)
    total = timedelta()
    reached = None
    for opened, closed in sorted(intervals):
        if reached is not None and opened < reached:
            opened = reached
        if opened < closed:
            total += closed - opened
            reached = closed
        else:
            reached = max(reached, closed)
    return int(total.total_seconds())
