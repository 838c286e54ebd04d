"""The times the reports are built from: seconds within a team's opening hours,
and what the write path records on a ticket when a person first replies and when
the chat is resolved."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from chat.services import Sender, post_message
from chat.ticket_actions import Actor, ticket_change
from helpdesk.business_hours import open_seconds
from helpdesk.models import OpeningHours, Team, Ticket
from tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
HOUR = 3600


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def team_with(*spans, timezone="UTC") -> Team:
    team = Team.objects.create(name=f"team-{Team.objects.count()}", timezone=timezone)
    OpeningHours.objects.bulk_create(
        OpeningHours(
            team=team, weekday=day, opens=time.fromisoformat(o), closes=time.fromisoformat(c)
        )
        for day, o, c in spans
    )
    return Team.objects.prefetch_related("opening_hours").get(pk=team.pk)


def weekdays_nine_to_five(**kwargs) -> Team:
    return team_with(*((day, "09:00", "17:00") for day in range(MON, SAT)), **kwargs)


# 2026-06-01 is a Monday.


def test_no_team_or_no_hours_counts_every_second():
    start, end = utc(2026, 6, 6, 23), utc(2026, 6, 7, 1, 30)
    assert open_seconds(None, start, end) == 2.5 * HOUR
    assert open_seconds(team_with(), start, end) == 2.5 * HOUR


def test_only_the_open_part_of_a_day_counts():
    team = weekdays_nine_to_five()
    assert open_seconds(team, utc(2026, 6, 1, 8), utc(2026, 6, 1, 10)) == HOUR
    assert open_seconds(team, utc(2026, 6, 1, 16, 30), utc(2026, 6, 1, 18)) == HOUR / 2
    assert open_seconds(team, utc(2026, 6, 1, 17), utc(2026, 6, 2, 9)) == 0


def test_a_weekend_counts_nothing():
    team = weekdays_nine_to_five()
    # Friday 16:00 to Monday 10:00: Friday's last hour and Monday's first.
    assert open_seconds(team, utc(2026, 6, 5, 16), utc(2026, 6, 8, 10)) == 2 * HOUR
    assert open_seconds(team, utc(2026, 6, 6, 0), utc(2026, 6, 8, 0)) == 0


def test_a_span_past_midnight_counts_on_both_days():
    team = team_with((FRI, "22:00", "02:00"))
    # Friday 23:00 to Saturday 03:00: 23-02.
    assert open_seconds(team, utc(2026, 6, 5, 23), utc(2026, 6, 6, 3)) == 3 * HOUR
    # Sunday's span runs into Monday.
    sunday = team_with((SUN, "20:00", "01:00"))
    assert open_seconds(sunday, utc(2026, 6, 7, 0), utc(2026, 6, 8, 12)) == 5 * HOUR


def test_overlapping_spans_count_once():
    team = team_with((MON, "09:00", "13:00"), (MON, "12:00", "17:00"), (MON, "10:00", "11:00"))
    assert open_seconds(team, utc(2026, 6, 1), utc(2026, 6, 2)) == 8 * HOUR


def test_hours_are_read_on_the_teams_own_clock():
    team = weekdays_nine_to_five(timezone="America/New_York")  # UTC-4 in June
    # 09:00-17:00 New York is 13:00-21:00 UTC.
    assert open_seconds(team, utc(2026, 6, 1, 12), utc(2026, 6, 1, 14)) == HOUR
    assert open_seconds(team, utc(2026, 6, 1, 9), utc(2026, 6, 1, 13)) == 0


def test_the_night_the_clocks_go_forward_is_an_hour_shorter():
    # Berlin, 2026-03-29 (a Sunday): 02:00 becomes 03:00.
    team = team_with((SUN, "00:00", "00:00"), timezone="Europe/Berlin")
    sunday = datetime(2026, 3, 28, 23, tzinfo=UTC)  # local midnight, CET
    assert open_seconds(team, sunday, sunday + timedelta(days=1)) == 23 * HOUR


def test_an_end_before_the_start_is_nothing():
    assert open_seconds(None, utc(2026, 6, 2), utc(2026, 6, 1)) == 0


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        open_seconds(None, datetime(2026, 6, 1), utc(2026, 6, 2))


# --- recorded by the write path ----------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """timezone.now() at a moment the test moves by hand."""
    now = [utc(2026, 6, 1, 16)]  # Monday 16:00
    monkeypatch.setattr(timezone, "now", lambda: now[0])
    return now


def visitor_says(ticket: Ticket, body: str = "hello") -> None:
    post_message(ticket=ticket, sender=Sender.for_visitor(ticket.visitor), body=body)


def agent_says(ticket: Ticket, agent, body: str = "hi", **kwargs) -> None:
    post_message(
        ticket=ticket, sender=Sender.for_agent(agent.user, agent.display_name), body=body, **kwargs
    )


def test_first_response_is_from_the_visitors_first_message_to_a_persons_reply(clock):
    team = weekdays_nine_to_five()
    agent = AgentFactory()
    ticket = TicketFactory(team=team)
    visitor_says(ticket)  # Monday 16:00
    clock[0] += timedelta(minutes=30)
    visitor_says(ticket, "anyone?")
    clock[0] += timedelta(minutes=30)
    agent_says(ticket, agent, "a note", internal=True)  # notes answer nobody
    clock[0] = utc(2026, 6, 2, 9, 30)  # Tuesday 09:30
    agent_says(ticket, agent)
    clock[0] += timedelta(hours=1)
    agent_says(ticket, agent, "and more")
    ticket.refresh_from_db()
    assert ticket.first_response_seconds == 17.5 * HOUR
    assert ticket.first_response_business_seconds == 1.5 * HOUR


def test_an_agent_writing_before_the_visitor_is_no_response(clock):
    agent = AgentFactory()
    ticket = TicketFactory()
    agent_says(ticket, agent, "Can I help?")
    ticket.refresh_from_db()
    assert ticket.first_response_seconds is None
    clock[0] += timedelta(minutes=5)
    visitor_says(ticket)
    clock[0] += timedelta(minutes=2)
    agent_says(ticket, agent)
    ticket.refresh_from_db()
    assert ticket.first_response_seconds == ticket.first_response_business_seconds == 120


def test_resolution_is_recorded_cleared_on_reopen_and_recorded_again(clock):
    agent = AgentFactory()
    ticket = TicketFactory(team=weekdays_nine_to_five())  # created Monday 16:00
    by = Actor.for_agent(agent.user, agent.display_name)
    clock[0] = utc(2026, 6, 1, 18)
    ticket_change(ticket_id=ticket.pk, by=by, status=Ticket.Status.RESOLVED)
    ticket.refresh_from_db()
    assert (ticket.resolution_seconds, ticket.resolution_business_seconds) == (2 * HOUR, HOUR)

    ticket_change(ticket_id=ticket.pk, by=by, status=Ticket.Status.OPEN)
    ticket.refresh_from_db()
    assert ticket.resolution_seconds is ticket.resolution_business_seconds is None

    clock[0] = utc(2026, 6, 2, 10)
    ticket_change(ticket_id=ticket.pk, by=by, status=Ticket.Status.CLOSED)
    ticket.refresh_from_db()
    assert (ticket.resolution_seconds, ticket.resolution_business_seconds) == (18 * HOUR, 2 * HOUR)


def test_the_migration_works_the_times_out_for_tickets_from_before(clock):
    """0010 backfills from the messages: a note and a reply before the visitor
    wrote are no response; the reply after it is."""
    from importlib import import_module

    from django.apps import apps

    backfill = import_module("helpdesk.migrations.0010_reporting_times").backfill
    agent = AgentFactory()
    team = weekdays_nine_to_five()
    ticket = TicketFactory(team=team)  # Monday 16:00
    agent_says(ticket, agent, "Can I help?")
    clock[0] += timedelta(minutes=10)
    visitor_says(ticket)  # 16:10
    clock[0] = utc(2026, 6, 2, 9, 20)
    agent_says(ticket, agent, "a note", internal=True)
    clock[0] += timedelta(minutes=10)
    agent_says(ticket, agent)  # Tuesday 09:30
    clock[0] = utc(2026, 6, 2, 10)
    ticket_change(
        ticket_id=ticket.pk,
        by=Actor.for_agent(agent.user, agent.display_name),
        status=Ticket.Status.RESOLVED,
    )
    untouched = TicketFactory()
    Ticket.objects.update(
        first_response_seconds=None,
        first_response_business_seconds=None,
        resolution_seconds=None,
        resolution_business_seconds=None,
    )
    backfill(apps, None)
    ticket.refresh_from_db()
    assert ticket.first_response_seconds == 17 * HOUR + 20 * 60
    assert ticket.first_response_business_seconds == 50 * 60 + 30 * 60
    assert (ticket.resolution_seconds, ticket.resolution_business_seconds) == (18 * HOUR, 2 * HOUR)
    untouched.refresh_from_db()
    assert untouched.first_response_seconds is untouched.resolution_seconds is None
