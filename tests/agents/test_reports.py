"""Reports: the numbers on hand-built tickets (exact medians and 90th
percentiles, days and hours in the installation's zone, empty ranges), and the
API and CSV around them: who may read them, and bad input."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from agents.reports import selectors
from agents.reports.export import safe_cell
from chat.assistant.models import Answer
from chat.models import Message
from helpdesk.models import Tag, Team, Ticket
from tests.factories import AgentFactory, TicketFactory, UserFactory, VisitorFactory, WidgetFactory

pytestmark = pytest.mark.django_db

JUNE = date(2026, 6, 1)
UTC_ZONE = ZoneInfo("UTC")


def ticket_at(when: datetime, **fields) -> Ticket:
    """A ticket that started at ``when`` (auto_now_add is set over afterwards)."""
    tags = fields.pop("tags", [])
    ticket = TicketFactory(**fields)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=when)
    ticket.tags.set(tags)
    return ticket


def june(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 6, day, hour, tzinfo=UTC)


def query(start=JUNE, end=date(2026, 6, 30), zone=UTC_ZONE, **filters) -> selectors.ReportQuery:
    return selectors.ReportQuery(start=start, end=end, zone=zone, **filters)


@pytest.fixture
def admin_api():
    user = UserFactory(is_superuser=True, is_staff=True)
    AgentFactory(user=user, display_name="Ada")
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- the numbers --------------------------------------------------------------------


def test_medians_and_90th_percentiles_are_exact_and_skip_missing_times():
    for seconds in (10, 20, 30, 40):
        ticket_at(
            june(2), first_response_seconds=seconds, first_response_business_seconds=seconds // 10
        )
    ticket_at(june(2))  # not answered: left out of the times, counted as a conversation
    report = selectors.overview(selectors.report_tickets(query()))
    assert report["conversations"] == 5
    assert report["answered"] == 4
    assert report["first_response"] == {
        "median": 25.0,
        "p90": 37.0,
        "business_median": 2.5,
        "business_p90": 3.7,
    }
    assert report["resolution"]["median"] is None


def test_an_odd_count_has_its_middle_value_as_median():
    for seconds in (5, 1, 100):
        ticket_at(june(3), resolution_seconds=seconds, resolution_business_seconds=seconds)
    report = selectors.overview(selectors.report_tickets(query()))
    assert report["resolution"]["median"] == 5.0
    assert report["resolution"]["p90"] == 81.0  # 5 + 0.8 * (100 - 5)


def test_an_empty_range_answers_zeros_and_nothing():
    ticket_at(june(1), rating=5)
    report = selectors.full_report(
        query(start=date(2026, 7, 1), end=date(2026, 7, 2)), group="agent"
    )
    assert report["overview"]["conversations"] == 0
    assert report["overview"]["csat"] == {"rated": 0, "average": None, "satisfied_percent": None}
    assert report["overview"]["first_response"]["median"] is None
    assert report["per_day"] == [
        {"day": "2026-07-01", "conversations": 0},
        {"day": "2026-07-02", "conversations": 0},
    ]
    assert report["breakdown"] == []
    assert report["comments"] == []


def test_the_range_is_whole_days_in_the_installations_zone():
    berlin = ZoneInfo("Europe/Berlin")  # UTC+2 in June
    ticket_at(datetime(2026, 6, 1, 21, 59, tzinfo=UTC))  # 23:59 on the 1st in Berlin
    ticket_at(datetime(2026, 6, 1, 22, 0, tzinfo=UTC))  # midnight: the 2nd in Berlin
    ticket_at(datetime(2026, 5, 31, 22, 30, tzinfo=UTC))  # 00:30 on the 1st in Berlin
    tickets = selectors.report_tickets(query(end=date(2026, 6, 1), zone=berlin))
    assert tickets.count() == 2
    days = selectors.per_day(
        selectors.report_tickets(query(end=date(2026, 6, 2), zone=berlin)),
        query(end=date(2026, 6, 2), zone=berlin),
    )
    assert days == [
        {"day": "2026-06-01", "conversations": 2},
        {"day": "2026-06-02", "conversations": 1},
    ]


@pytest.mark.parametrize(
    ("zone_name", "last_minute_utc"),
    [("Asia/Kolkata", (18, 29)), ("Asia/Kathmandu", (18, 14)), ("America/St_Johns", (2, 29))],
)
def test_days_and_hours_in_zones_off_the_whole_hour(zone_name, last_minute_utc):
    """+5:30, +5:45 and -2:30 (Newfoundland summer): the last minute of 1 June and
    the first of 2 June, local, fall on their own days and hours."""
    zone = ZoneInfo(zone_name)
    hour, minute = last_minute_utc
    day = 1 if zone_name != "America/St_Johns" else 2
    last = datetime(2026, 6, day, hour, minute, 30, tzinfo=UTC)
    assert last.astimezone(zone).strftime("%d %H:%M") == "01 23:59"
    ticket_at(last)
    ticket_at(last + timedelta(seconds=30))
    june_1_2 = query(end=date(2026, 6, 2), zone=zone)
    tickets = selectors.report_tickets(june_1_2)
    assert selectors.per_day(tickets, june_1_2) == [
        {"day": "2026-06-01", "conversations": 1},
        {"day": "2026-06-02", "conversations": 1},
    ]
    grid = selectors.per_hour_of_week(tickets, june_1_2)
    assert (grid[0][23], grid[1][0]) == (1, 1)  # Monday 23:00, Tuesday 00:00


def test_hours_of_the_week_are_local_and_monday_first():
    tokyo = ZoneInfo("Asia/Tokyo")  # UTC+9
    ticket_at(datetime(2026, 6, 7, 15, 30, tzinfo=UTC))  # Monday 00:30 in Tokyo
    ticket_at(datetime(2026, 6, 7, 14, 0, tzinfo=UTC))  # Sunday 23:00 in Tokyo
    grid = selectors.per_hour_of_week(
        selectors.report_tickets(query(zone=tokyo)), query(zone=tokyo)
    )
    assert len(grid) == 7 and all(len(day) == 24 for day in grid)
    assert grid[0][0] == 1
    assert grid[6][23] == 1
    assert sum(map(sum, grid)) == 2


def test_ratings_average_distribution_and_satisfied_share():
    for rating in (5, 5, 4, 2, 1):
        ticket_at(june(4), rating=rating)
    ticket_at(june(4))
    tickets = selectors.report_tickets(query())
    assert selectors.overview(tickets)["csat"] == {
        "rated": 5,
        "average": 3.4,
        "satisfied_percent": 60.0,
    }
    assert selectors.rating_distribution(tickets) == {"1": 1, "2": 1, "3": 0, "4": 1, "5": 2}


def test_comments_are_the_latest_first_with_their_agent():
    bob = AgentFactory(display_name="Bob")
    ticket_at(june(5), rating=2, rating_comment="slow", assignee=bob.user)
    newer = ticket_at(june(6), rating=5, rating_comment="<b>great</b>")
    ticket_at(june(6), rating=4)  # no comment
    comments = selectors.rating_comments(selectors.report_tickets(query()))
    assert [(c["ticket"], c["comment"], c["agent"]) for c in comments] == [
        (newer.pk, "<b>great</b>", None),
        (comments[1]["ticket"], "slow", "Bob"),
    ]


def test_breakdown_per_agent_team_widget_and_tag():
    bob, cat = AgentFactory(display_name="Bob"), AgentFactory(display_name="Cat")
    sales = Team.objects.create(name="Sales")
    shop = WidgetFactory(name="Shop")
    billing, urgent = Tag.objects.create(name="billing"), Tag.objects.create(name="urgent")
    ticket_at(
        june(2), assignee=bob.user, team=sales, first_response_seconds=60, tags=[billing, urgent]
    )
    ticket_at(
        june(2), assignee=bob.user, first_response_seconds=120, visitor=VisitorFactory(widget=shop)
    )
    ticket_at(june(2), assignee=cat.user, first_response_seconds=10, rating=3, tags=[billing])
    ticket_at(june(2))
    tickets = selectors.report_tickets(query())

    agents = {row["name"]: row for row in selectors.breakdown(tickets, "agent")}
    assert set(agents) == {"Bob", "Cat", None}
    assert agents["Bob"]["conversations"] == 2
    assert agents["Bob"]["first_response"]["median"] == 90.0
    assert agents["Cat"]["csat"]["average"] == 3.0
    assert agents[None]["conversations"] == 1

    tags = {row["name"]: row["conversations"] for row in selectors.breakdown(tickets, "tag")}
    assert tags == {"billing": 2, "urgent": 1, None: 2}
    teams = {row["name"]: row["conversations"] for row in selectors.breakdown(tickets, "team")}
    assert teams == {"Sales": 1, None: 3}
    widgets = {row["name"]: row["conversations"] for row in selectors.breakdown(tickets, "widget")}
    assert widgets["Shop"] == 1


def test_filters_narrow_every_number():
    bob = AgentFactory(display_name="Bob")
    billing = Tag.objects.create(name="billing")
    ticket_at(june(2), assignee=bob.user, tags=[billing], rating=5)
    ticket_at(june(2), rating=1)
    assert (
        selectors.overview(selectors.report_tickets(query(agent=bob.user_id)))["csat"]["average"]
        == 5.0
    )
    assert selectors.report_tickets(query(tag=billing.pk)).count() == 1


def test_the_assistants_part_and_the_thumbs_on_its_answers():
    deflected = ticket_at(june(2), assistant=Ticket.Assistant.ACTIVE, status=Ticket.Status.RESOLVED)
    ticket_at(june(2), assistant=Ticket.Assistant.HANDED_OFF)
    question = Message.objects.create(ticket=deflected, seq=1, sender_type="visitor", body="?")
    Answer.objects.create(
        ticket=deflected, question=question, visitor_helpful=True, agent_helpful=False
    )
    summary = selectors.assistant_summary(selectors.report_tickets(query()))
    assert summary["chats"] == 2
    assert summary["deflected"] == 1
    assert summary["handed_off"] == 1
    assert summary["answers"] == {
        "visitor_up": 1,
        "visitor_down": 0,
        "agent_up": 0,
        "agent_down": 1,
    }


# --- the API ------------------------------------------------------------------------


def test_administrators_read_the_report(admin_api):
    ticket_at(june(2), rating=4, rating_comment="fine")
    answer = admin_api.get("/api/agent/reports/", {"start": "2026-06-01", "end": "2026-06-30"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["range"] == {"start": "2026-06-01", "end": "2026-06-30", "timezone": "UTC"}
    assert body["overview"]["conversations"] == 1
    assert len(body["per_day"]) == 30
    assert body["comments"][0]["comment"] == "fine"


def test_agents_and_strangers_may_not(agent_bob):
    bob = APIClient()
    bob.force_authenticate(agent_bob.user)
    assert bob.get("/api/agent/reports/").status_code == 403
    assert bob.get("/api/agent/reports/export/").status_code == 403
    assert APIClient().get("/api/agent/reports/").status_code in {401, 403}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-13-01"}, "start"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-06-10", "end": "2026-06-01"}, "end"),
        ({"start": "2024-01-01", "end": "2026-06-01"}, "start"),
        ({"group": "visitor"}, "group"),
        ({"agent": "999999"}, "agent"),
        ({"agent": "abc"}, "agent"),
        ({"team": "999999"}, "team"),
        ({"tag": "-1"}, "tag"),
        ({"start": "9999-12-30", "end": "9999-12-31"}, "end"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "start"),
    ],
)
def test_bad_input_is_a_clear_error(admin_api, params, field):
    answer = admin_api.get("/api/agent/reports/", params)
    assert answer.status_code == 400
    assert field in answer.json()["fields"]


def test_a_user_who_is_no_agent_is_no_agent_filter(admin_api):
    stranger = UserFactory()
    answer = admin_api.get("/api/agent/reports/", {"agent": stranger.pk})
    assert answer.status_code == 400


def test_the_report_costs_a_fixed_number_of_queries(admin_api, django_assert_num_queries):
    bob = AgentFactory(display_name="Bob")
    for day in range(1, 10):
        ticket_at(
            june(day), assignee=bob.user, rating=4, rating_comment="ok", first_response_seconds=day
        )
    # Overview (with ratings and the assistant's counts) + its times, days and
    # hours, comments + names, breakdown rows + times + names, thumbs; PostgreSQL
    # computes the times in the counts' queries.
    expected = 7 if connection.vendor == "postgresql" else 9
    params = {"start": "2026-06-01", "end": "2026-06-30"}
    admin_api.get("/api/agent/reports/", params)  # warm: settings, content types
    with django_assert_num_queries(expected):
        assert admin_api.get("/api/agent/reports/", params).status_code == 200
    more = AgentFactory(display_name="More")
    for day in range(1, 5):
        tags = [Tag.objects.create(name=f"tag {day}")]
        ticket_at(june(day), assignee=more.user, rating=1, rating_comment="no", tags=tags)
    with django_assert_num_queries(expected):
        assert admin_api.get("/api/agent/reports/", {**params, "group": "tag"}).status_code == 200


# --- CSV ------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_breakdown_csv_has_the_same_numbers(admin_api):
    bob = AgentFactory(display_name="=Bob")
    ticket_at(june(2), assignee=bob.user, first_response_seconds=10, rating=5)
    ticket_at(june(2), assignee=bob.user, first_response_seconds=30, rating=3)
    params = {"start": "2026-06-01", "end": "2026-06-30"}
    rows = read_csv(admin_api.get("/api/agent/reports/export/", params))
    json_row = admin_api.get("/api/agent/reports/", params).json()["breakdown"][0]
    header, bob_row, all_row = rows
    assert header[:3] == ["agent", "id", "conversations"]
    assert bob_row[0] == "'=Bob"
    assert bob_row[2] == str(json_row["conversations"]) == "2"
    assert float(bob_row[5]) == json_row["first_response"]["median"] == 20.0
    assert all_row[0] == "All"


def test_comments_csv_defuses_formulas(admin_api):
    for text in ('=HYPERLINK("http://evil")', "+1", "-2", "@SUM(A1)", "plain"):
        ticket_at(june(3), rating=1, rating_comment=text)
    response = admin_api.get(
        "/api/agent/reports/export/",
        {"table": "comments", "start": "2026-06-01", "end": "2026-06-30"},
    )
    assert 'filename="parley-comments-2026-06-01-2026-06-30.csv"' in response["Content-Disposition"]
    comments = {row[4] for row in read_csv(response)[1:]}
    assert comments == {'\'=HYPERLINK("http://evil")', "'+1", "'-2", "'@SUM(A1)", "plain"}


def test_safe_cell_leaves_numbers_and_ordinary_text_alone():
    assert safe_cell(-5) == -5
    assert safe_cell(None) == ""
    assert safe_cell("\t=1") == "'\t=1"
    assert safe_cell("a=b") == "a=b"


def test_the_days_csv_and_a_bad_table(admin_api):
    ticket_at(june(2))
    params = {"start": "2026-06-01", "end": "2026-06-03"}
    rows = read_csv(admin_api.get("/api/agent/reports/export/", {**params, "table": "days"}))
    assert rows == [
        ["day", "conversations"],
        ["2026-06-01", "0"],
        ["2026-06-02", "1"],
        ["2026-06-03", "0"],
    ]
    assert admin_api.get("/api/agent/reports/export/", {**params, "table": "x"}).status_code == 400


# --- the page -----------------------------------------------------------------------


def test_the_page_is_for_administrators(client, agent_bob):
    assert client.get("/agent/reports/").status_code == 302  # to the login
    client.force_login(agent_bob.user)
    answer = client.get("/agent/reports/")
    assert answer.status_code == 403
    assert b"for administrators" in answer.content
    assert b"reports-link" not in client.get("/agent/").content


def test_the_page_shows_names_as_text(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    AgentFactory(user=admin, display_name="Ada")
    Tag.objects.create(name="<script>alert(1)</script>")
    client.force_login(admin)
    page = client.get("/agent/reports/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "\\u003Cscript\\u003Ealert(1)\\u003C/script\\u003E" in page
    assert 'data-testid="reports-link"' in client.get("/agent/").content.decode()


def test_the_default_range_is_the_last_30_days(admin_api, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 6, 30, 23, tzinfo=UTC))
    body = admin_api.get("/api/agent/reports/").json()
    assert body["range"]["start"] == "2026-06-01"
    assert body["range"]["end"] == "2026-06-30"
    assert (
        len(body["per_day"])
        == 30
        == (date(2026, 6, 30) - date(2026, 6, 1) + timedelta(days=1)).days
    )


def test_the_ticket_shows_agents_its_rating_and_comment(bob_api, ticket_ann):
    Ticket.objects.filter(pk=ticket_ann.pk).update(rating=2, rating_comment="<i>too slow</i>")
    ticket = bob_api.get(f"/api/agent/tickets/{ticket_ann.pk}/").json()
    assert (ticket["rating"], ticket["rating_comment"]) == (2, "<i>too slow</i>")


def test_the_page_speaks_german_to_a_german_browser(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    page = client.get("/agent/reports/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "<h1>Berichte</h1>" in page
    assert "Gespräche pro Stunde der Woche" in page
    assert '"weekdays": ["Mo", "Di"' in page
    bad = APIClient()
    bad.force_authenticate(admin)
    answer = bad.get(
        "/api/agent/reports/",
        {"start": "2026-06-02", "end": "2026-06-01"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert answer.json()["fields"]["end"] == ["Der Zeitraum endet, bevor er beginnt."]
