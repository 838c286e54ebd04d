"""The reports' numbers, each a database aggregate over the tickets that started
in a date range (read in the installation's time zone), narrowed by agent, team,
widget or tag. A conversation counts on the day it started, with the times that
were recorded on it (helpdesk.response_times); "per agent" is whoever it is
assigned to now."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Q, QuerySet

from chat.assistant.models import Answer
from helpdesk.models import Tag, Team, Ticket, Widget

from ..models import AgentProfile
from .calendar import Counts, local_counts
from .percentiles import FRACTIONS, with_percentiles

# What a breakdown may group by, and the ticket field that says which group.
GROUPS = {"agent": "assignee", "team": "team", "widget": "visitor__widget", "tag": "tags"}
METRICS = (
    "first_response_seconds",
    "first_response_business_seconds",
    "resolution_seconds",
    "resolution_business_seconds",
)
COMMENTS_SHOWN = 50


@dataclass(frozen=True)
class ReportQuery:
    """A checked request for a report (agents/reports/serializers.py): the first
    and last day, inclusive, and at most one id per filter."""

    start: date
    end: date
    zone: ZoneInfo
    agent: int | None = None
    team: int | None = None
    widget: int | None = None
    tag: int | None = None

    def bounds(self) -> tuple[datetime, datetime]:
        """From the first day's midnight to the midnight after the last, local."""
        return (
            datetime.combine(self.start, time(), self.zone),
            datetime.combine(self.end + timedelta(days=1), time(), self.zone),
        )


def report_tickets(query: ReportQuery) -> QuerySet[Ticket]:
    since, until = query.bounds()
    tickets = Ticket.objects.filter(created_at__gte=since, created_at__lt=until)
    if query.agent is not None:
        tickets = tickets.filter(assignee_id=query.agent)
    if query.team is not None:
        tickets = tickets.filter(team_id=query.team)
    if query.widget is not None:
        tickets = tickets.filter(visitor__widget_id=query.widget)
    if query.tag is not None:
        tickets = tickets.filter(tags=query.tag)
    return tickets.order_by()


def _counts() -> dict:
    return {
        "conversations": Count("pk"),
        "answered": Count("pk", filter=Q(first_response_seconds__isnull=False)),
        "resolved": Count("pk", filter=Q(resolution_seconds__isnull=False)),
        "rated": Count("pk", filter=Q(rating__isnull=False)),
        "satisfied": Count("pk", filter=Q(rating__gte=4)),
        "rating_average": Avg("rating"),
    }


def _times(found: dict) -> dict:
    """{"first_response": {"median": s, "p90": s, "business_median": …, …}, …}."""
    names = {0.5: "median", 0.9: "p90"}
    out = {}
    for what in ("first_response", "resolution"):
        out[what] = {}
        for prefix, metric in (("", f"{what}_seconds"), ("business_", f"{what}_business_seconds")):
            for fraction in FRACTIONS:
                value = found[metric][fraction]
                out[what][prefix + names[fraction]] = None if value is None else round(value, 1)
    return out


def _summary_row(counts: dict) -> dict:
    rated = counts["rated"]
    average = counts["rating_average"]
    return {
        "conversations": counts["conversations"],
        "answered": counts["answered"],
        "resolved": counts["resolved"],
        "csat": {
            "rated": rated,
            "average": None if average is None else round(average, 2),
            # Chatwoot's and Intercom's score: the share of ratings of 4 or 5.
            "satisfied_percent": round(100 * counts["satisfied"] / rated, 1) if rated else None,
        },
    }


def overview(tickets: QuerySet[Ticket]) -> dict:
    counts, times = with_percentiles(tickets, METRICS, _counts())[None]
    return {**_summary_row(counts), **_times(times)}


def per_day(
    tickets: QuerySet[Ticket], query: ReportQuery, counts: Counts | None = None
) -> list[dict]:
    """Every day of the range, days without a conversation included."""
    if counts is None:
        counts = local_counts(tickets, query.zone, query.start, query.end)
    found: Counter = Counter()
    for (day, _weekday, _hour), n in counts.items():
        found[day] += n
    days = (query.end - query.start).days + 1
    return [
        {"day": day.isoformat(), "conversations": found[day]}
        for day in (query.start + timedelta(days=n) for n in range(days))
    ]


def per_hour_of_week(
    tickets: QuerySet[Ticket], query: ReportQuery, counts: Counts | None = None
) -> list[list[int]]:
    """Seven rows, Monday first, of 24 counts: when conversations start, local."""
    if counts is None:
        counts = local_counts(tickets, query.zone, query.start, query.end)
    grid = [[0] * 24 for _ in range(7)]
    for (_day, weekday, hour), n in counts.items():
        grid[weekday][hour] += n
    return grid


def _rating_counts() -> dict:
    return {f"stars_{stars}": Count("pk", filter=Q(rating=stars)) for stars in range(1, 6)}


def _distribution(counts: dict) -> dict[str, int]:
    return {str(stars): counts[f"stars_{stars}"] for stars in range(1, 6)}


def rating_distribution(tickets: QuerySet[Ticket]) -> dict[str, int]:
    return _distribution(tickets.aggregate(**_rating_counts()))


def rating_comments(tickets: QuerySet[Ticket], *, limit: int | None = COMMENTS_SHOWN) -> list[dict]:
    """The latest ratings with a comment; ``limit`` None for all of them."""
    rows = (
        tickets.filter(rating__isnull=False)
        .exclude(rating_comment="")
        .order_by("-created_at", "-pk")
        .values("pk", "rating", "rating_comment", "created_at", "assignee_id")
    )
    rows = list(rows if limit is None else rows[:limit])
    names = _agent_names({row["assignee_id"] for row in rows})
    return [
        {
            "ticket": row["pk"],
            "rating": row["rating"],
            "comment": row["rating_comment"],
            "created_at": row["created_at"].isoformat(),
            "agent": names.get(row["assignee_id"]),
        }
        for row in rows
    ]


def breakdown(tickets: QuerySet[Ticket], group: str) -> list[dict]:
    """One row per agent (team, widget, tag) with the overview's numbers, most
    conversations first; tickets without one (unassigned, untagged) in a row of
    their own, named None. A ticket with two tags counts under both."""
    found = with_percentiles(tickets, METRICS, _counts(), group=GROUPS[group])
    names = _names(group, set(found) - {None})
    out = [
        {
            "id": key,
            "name": names.get(key) if key is not None else None,
            **_summary_row(counts),
            **_times(times),
        }
        for key, (counts, times) in found.items()
    ]
    out.sort(key=lambda row: (-row["conversations"], row["name"] is None, str(row["name"])))
    return out


def _assistant_counts() -> dict:
    return {
        "assistant_chats": Count("pk", filter=~Q(assistant=Ticket.Assistant.NONE)),
        # Never handed over, ended, and no person replied to the visitor.
        "deflected": Count(
            "pk",
            filter=Q(
                assistant=Ticket.Assistant.ACTIVE,
                status__in=Ticket.ENDED_STATUSES,
                first_response_at__isnull=True,
            ),
        ),
        "handed_off": Count("pk", filter=Q(assistant=Ticket.Assistant.HANDED_OFF)),
    }


def _assistant(counts: dict, tickets: QuerySet[Ticket]) -> dict:
    thumbs = Answer.objects.filter(ticket__in=tickets.values("pk")).aggregate(
        visitor_up=Count("pk", filter=Q(visitor_helpful=True)),
        visitor_down=Count("pk", filter=Q(visitor_helpful=False)),
        agent_up=Count("pk", filter=Q(agent_helpful=True)),
        agent_down=Count("pk", filter=Q(agent_helpful=False)),
    )
    return {
        "chats": counts["assistant_chats"],
        "deflected": counts["deflected"],
        "handed_off": counts["handed_off"],
        "answers": thumbs,
    }


def assistant_summary(tickets: QuerySet[Ticket]) -> dict:
    """The assistant's part: chats it answered, how many it closed without a
    person (deflected: never handed over, ended, no public reply from a person),
    handoffs, and the thumbs on its answers."""
    return _assistant(tickets.aggregate(**_assistant_counts()), tickets)


def full_report(query: ReportQuery, *, group: str) -> dict:
    tickets = report_tickets(query)
    # The overview, the ratings and the assistant's counts in one pass.
    counts, times = with_percentiles(
        tickets, METRICS, {**_counts(), **_rating_counts(), **_assistant_counts()}
    )[None]
    calendar = local_counts(tickets, query.zone, query.start, query.end)
    return {
        "range": {
            "start": query.start.isoformat(),
            "end": query.end.isoformat(),
            "timezone": query.zone.key,
        },
        "overview": {**_summary_row(counts), **_times(times)},
        "per_day": per_day(tickets, query, calendar),
        "per_hour_of_week": per_hour_of_week(tickets, query, calendar),
        "ratings": _distribution(counts),
        "comments": rating_comments(tickets),
        "group": group,
        "breakdown": breakdown(tickets, group),
        "assistant": _assistant(counts, tickets),
    }


def _agent_names(ids: set) -> dict:
    ids = ids - {None}
    if not ids:
        return {}
    names = dict(
        AgentProfile.objects.filter(user_id__in=ids).values_list("user_id", "display_name")
    )
    missing = ids - names.keys()
    if missing:
        users = get_user_model().objects.filter(pk__in=missing)
        names.update((user.pk, user.get_username()) for user in users)
    return names


def _names(group: str, ids: set) -> dict:
    if not ids:
        return {}
    if group == "agent":
        return _agent_names(ids)
    model = {"team": Team, "widget": Widget, "tag": Tag}[group]
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))
