"""Business hours: when a team is open, read on its own wall clock, and the admin
that sets them."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from helpdesk.business_hours import closed_team_ids, is_open, next_change
from helpdesk.models import OpeningHours, Team, Widget

pytestmark = pytest.mark.django_db

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def team_with(*spans, timezone="UTC", name=None) -> Team:
    """A team open in ``spans`` of (weekday, "HH:MM", "HH:MM"), loaded back with
    its hours prefetched, as routing would load it."""
    team = Team.objects.create(name=name or f"team-{Team.objects.count()}", timezone=timezone)
    OpeningHours.objects.bulk_create(
        OpeningHours(
            team=team, weekday=day, opens=time.fromisoformat(o), closes=time.fromisoformat(c)
        )
        for day, o, c in spans
    )
    return Team.objects.prefetch_related("opening_hours").get(pk=team.pk)


# 2026-06-01 is a Monday.


def test_no_team_and_a_team_without_hours_are_always_open():
    team = team_with()
    for hour in range(0, 24 * 7, 5):
        at = utc(2026, 6, 1) + timedelta(hours=hour)
        assert is_open(None, at)
        assert is_open(team, at)
    assert next_change(team, utc(2026, 6, 1)) is None
    assert next_change(None, utc(2026, 6, 1)) is None


def test_open_inside_a_span_and_closed_outside_it():
    team = team_with((MON, "09:00", "17:00"))
    assert is_open(team, utc(2026, 6, 1, 12))
    assert not is_open(team, utc(2026, 6, 1, 8))
    assert not is_open(team, utc(2026, 6, 1, 18))
    assert not is_open(team, utc(2026, 6, 2, 12)), "Tuesday has no hours"


def test_a_span_opens_inclusive_and_closes_exclusive():
    team = team_with((MON, "09:00", "17:00"))
    assert not is_open(team, utc(2026, 6, 1, 8, 59, 59, 999999))
    assert is_open(team, utc(2026, 6, 1, 9))
    assert is_open(team, utc(2026, 6, 1, 16, 59, 59, 999999))
    assert not is_open(team, utc(2026, 6, 1, 17))


def test_a_span_past_midnight_is_open_on_both_sides_of_it():
    team = team_with((FRI, "22:00", "06:00"))
    assert not is_open(team, utc(2026, 6, 5, 21, 59))
    assert is_open(team, utc(2026, 6, 5, 22))
    assert is_open(team, utc(2026, 6, 5, 23, 59))
    assert is_open(team, utc(2026, 6, 6, 0))
    assert is_open(team, utc(2026, 6, 6, 5, 59))
    assert not is_open(team, utc(2026, 6, 6, 6))
    assert not is_open(team, utc(2026, 6, 5, 3)), "Friday morning belongs to Thursday"


def test_sundays_span_past_midnight_runs_into_monday():
    team = team_with((SUN, "22:00", "06:00"))
    assert is_open(team, utc(2026, 6, 7, 23))
    assert is_open(team, utc(2026, 6, 8, 5, 59))
    assert not is_open(team, utc(2026, 6, 8, 6))
    assert not is_open(team, utc(2026, 6, 8, 23)), "Monday evening is not Sunday's"
    assert not is_open(team, utc(2026, 6, 6, 23)), "nor is Saturday's"


def test_equal_times_mean_twenty_four_hours():
    team = team_with((WED, "00:00", "00:00"), (FRI, "12:00", "12:00"))
    assert not is_open(team, utc(2026, 6, 2, 23, 59))
    assert is_open(team, utc(2026, 6, 3, 0))
    assert is_open(team, utc(2026, 6, 3, 23, 59))
    assert not is_open(team, utc(2026, 6, 4, 0))
    assert is_open(team, utc(2026, 6, 6, 11, 59))
    assert not is_open(team, utc(2026, 6, 6, 12))


def test_several_spans_a_day():
    team = team_with((MON, "09:00", "12:00"), (MON, "13:00", "17:00"))
    assert is_open(team, utc(2026, 6, 1, 11))
    assert not is_open(team, utc(2026, 6, 1, 12, 30))
    assert is_open(team, utc(2026, 6, 1, 13))
    assert not is_open(team, utc(2026, 6, 1, 17))


def test_overlapping_spans_are_open_in_either():
    team = team_with((MON, "09:00", "13:00"), (MON, "12:00", "17:00"), (SUN, "20:00", "10:00"))
    assert is_open(team, utc(2026, 6, 1, 8))
    assert is_open(team, utc(2026, 6, 1, 12, 30))
    assert is_open(team, utc(2026, 6, 1, 16))
    assert next_change(team, utc(2026, 6, 1, 8)) == utc(2026, 6, 1, 17)


def test_hours_are_read_on_the_teams_own_clock():
    tokyo = team_with((MON, "09:00", "17:00"), timezone="Asia/Tokyo")
    # Monday 09:00 in Tokyo (UTC+9) is Monday 00:00 UTC.
    assert is_open(tokyo, utc(2026, 6, 1, 0))
    assert is_open(tokyo, utc(2026, 6, 1, 7, 59))
    assert not is_open(tokyo, utc(2026, 6, 1, 8))
    assert not is_open(tokyo, utc(2026, 5, 31, 23, 59))
    # The moment may come in any zone: only the instant counts.
    assert is_open(tokyo, datetime(2026, 5, 31, 20, tzinfo=ZoneInfo("America/New_York")))


def test_opening_time_stays_on_the_wall_clock_across_dst_in_berlin():
    team = team_with((SUN, "01:00", "09:00"), timezone="Europe/Berlin")
    # Sunday 2026-03-22 is on CET (UTC+1); Sunday 2026-03-29 switches to CEST (UTC+2)
    # at 02:00, which becomes 03:00.
    assert not is_open(team, utc(2026, 3, 21, 23, 59))
    assert is_open(team, utc(2026, 3, 22, 0))
    assert is_open(team, utc(2026, 3, 22, 7, 59))
    assert not is_open(team, utc(2026, 3, 22, 8))
    assert is_open(team, utc(2026, 3, 29, 0))
    assert is_open(team, utc(2026, 3, 29, 1, 30)), "03:30 CEST, after the skipped hour"
    assert is_open(team, utc(2026, 3, 29, 6, 59))
    assert not is_open(team, utc(2026, 3, 29, 7)), "09:00 CEST"
    # 2026-10-25 goes back: 03:00 CEST becomes 02:00 CET.
    assert is_open(team, utc(2026, 10, 25, 7, 59))
    assert not is_open(team, utc(2026, 10, 25, 8)), "09:00 CET"


def test_a_closing_time_inside_the_repeated_hour_is_reached_twice():
    """Wall-clock reading: at 03:00 CEST the clock goes back to 02:00 CET, which is
    before 02:30 again."""
    team = team_with((SAT, "22:00", "02:30"), timezone="Europe/Berlin")
    assert is_open(team, utc(2026, 10, 25, 0, 29))  # 02:29 CEST
    assert not is_open(team, utc(2026, 10, 25, 0, 30))  # 02:30 CEST
    assert is_open(team, utc(2026, 10, 25, 1))  # 02:00 CET
    assert not is_open(team, utc(2026, 10, 25, 1, 30))  # 02:30 CET


def test_a_naive_moment_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(team_with((MON, "09:00", "17:00")), datetime(2026, 6, 1, 12))
    with pytest.raises(ValueError, match="timezone-aware"):
        closed_team_ids(datetime(2026, 6, 1, 12))


def test_a_team_whose_zone_no_longer_loads_falls_back_to_the_default_zone():
    team = team_with((MON, "09:00", "17:00"))
    Team.objects.filter(pk=team.pk).update(timezone="Mars/Olympus_Mons")
    team.refresh_from_db()
    assert is_open(team, utc(2026, 6, 1, 9))
    assert closed_team_ids(utc(2026, 6, 1, 8)) == {team.pk}


def test_closed_team_ids_agrees_with_is_open_in_one_query(django_assert_max_num_queries):
    teams = [
        team_with(),
        team_with((MON, "09:00", "17:00")),
        team_with((MON, "09:00", "12:00"), (MON, "13:00", "17:00"), timezone="Europe/Berlin"),
        team_with((SUN, "22:00", "06:00"), timezone="Asia/Tokyo"),
        team_with((WED, "00:00", "00:00"), timezone="America/New_York"),
        team_with(*[(day, "08:00", "20:00") for day in range(7)], timezone="Australia/Sydney"),
    ]
    for hour in range(0, 24 * 8, 1):
        at = utc(2026, 5, 31) + timedelta(hours=hour, minutes=30 * (hour % 2))
        with django_assert_max_num_queries(1):
            closed = closed_team_ids(at)
        assert closed == {team.pk for team in teams if not is_open(team, at)}, at


def test_prefetched_teams_are_checked_without_further_queries(django_assert_num_queries):
    for n in range(5):
        team_with((MON, "09:00", "17:00"), (TUE, "22:00", "06:00"), name=f"t{n}")
    with django_assert_num_queries(2):
        teams = list(Team.objects.prefetch_related("opening_hours"))
        answers = [is_open(team, utc(2026, 6, 1, 12)) for team in teams]
    assert answers == [True] * 5


def test_next_change_is_the_next_opening_or_closing_in_utc():
    team = team_with((MON, "09:00", "17:00"), (SUN, "22:00", "06:00"), timezone="Asia/Tokyo")
    tokyo = ZoneInfo("Asia/Tokyo")
    # Monday 07:00 in Tokyo: Sunday night's span ended at 06:00, Monday's starts at 09:00.
    at = datetime(2026, 6, 1, 7, tzinfo=tokyo)
    assert not is_open(team, at)
    opens = next_change(team, at)
    assert opens == datetime(2026, 6, 1, 9, tzinfo=tokyo)
    assert opens.tzinfo == UTC
    assert next_change(team, opens) == datetime(2026, 6, 1, 17, tzinfo=tokyo)
    # From Monday evening the next change is a week round: Sunday 22:00.
    assert next_change(team, datetime(2026, 6, 1, 17, tzinfo=tokyo)) == datetime(
        2026, 6, 7, 22, tzinfo=tokyo
    )
    assert next_change(team, datetime(2026, 6, 7, 22, tzinfo=tokyo)) == datetime(
        2026, 6, 8, 6, tzinfo=tokyo
    )


def test_next_change_is_none_when_the_spans_join_up_around_the_week():
    team = team_with(*[(day, "00:00", "00:00") for day in range(7)])
    assert is_open(team, utc(2026, 6, 3, 12))
    assert next_change(team, utc(2026, 6, 3, 12)) is None


@pytest.mark.parametrize(
    "spans",
    [
        [(SUN, "02:30", "09:00"), (SAT, "22:00", "02:30")],
        [(SUN, "01:00", "02:15"), (SUN, "02:45", "03:30")],
        [(SAT, "23:00", "23:00")],
    ],
)
def test_next_change_matches_a_minute_by_minute_walk_over_dst_weekends(spans):
    """Whatever the clocks do, the next change is the first minute is_open flips."""
    team = team_with(*spans, timezone="Europe/Berlin")
    for start in (utc(2026, 3, 28, 12), utc(2026, 10, 24, 12)):
        minutes = [start + timedelta(minutes=n) for n in range(36 * 60)]
        states = [is_open(team, at) for at in minutes]
        for i in range(0, len(minutes), 37):
            flip = next((j for j in range(i + 1, len(minutes)) if states[j] != states[i]), None)
            found = next_change(team, minutes[i])
            if flip is None:
                assert found is None or found > minutes[-1], minutes[i]
            else:
                assert found == minutes[flip], minutes[i]


# --- bad input --------------------------------------------------------------------


def test_a_weekday_out_of_range_is_refused_by_validation_and_the_database():
    team = team_with()
    hours = OpeningHours(team=team, weekday=7, opens=time(9), closes=time(17))
    with pytest.raises(ValidationError) as error:
        hours.full_clean()
    assert "weekday" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningHours.objects.create(team=team, weekday=-1, opens=time(9), closes=time(17))


def test_a_bad_time_zone_name_is_a_validation_error():
    for name in ("Mars/Olympus_Mons", "Europe", "", "../etc/passwd", "utc"):
        with pytest.raises(ValidationError) as error:
            Team(name="x", timezone=name).full_clean()
        assert "timezone" in error.value.message_dict, name
    Team(name="x", timezone="Asia/Tokyo").full_clean()


def test_a_new_team_takes_the_sites_time_zone(settings):
    assert Team.objects.create(name="Support").timezone == settings.TIME_ZONE


def test_deleting_a_team_leaves_its_widgets_with_any_agent():
    team = team_with((MON, "09:00", "17:00"))
    widget = Widget.objects.create(name="Shop", key="shop", team=team)
    team.delete()
    widget.refresh_from_db()
    assert widget.team is None
    assert not OpeningHours.objects.exists()


# --- admin ------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345-abc")
    client.force_login(user)
    return client


def team_form(name="Support", timezone="Europe/Berlin", hours=(), existing=0) -> dict:
    data = {
        "name": name,
        "timezone": timezone,
        "opening_hours-TOTAL_FORMS": str(len(hours)),
        "opening_hours-INITIAL_FORMS": str(existing),
        "opening_hours-MIN_NUM_FORMS": "0",
        "opening_hours-MAX_NUM_FORMS": "1000",
    }
    for i, (weekday, opens, closes) in enumerate(hours):
        data |= {
            f"opening_hours-{i}-weekday": str(weekday),
            f"opening_hours-{i}-opens": opens,
            f"opening_hours-{i}-closes": closes,
        }
    return data


def test_the_team_admin_lists_zone_and_open_now_and_edits_hours_inline(admin_client):
    team = team_with((MON, "09:00", "17:00"), timezone="Asia/Tokyo", name="Night <b>shift</b>")
    listing = admin_client.get("/admin/helpdesk/team/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Open now" in html
    assert "Asia/Tokyo" in html
    assert "<b>shift</b>" not in html
    page = admin_client.get(f"/admin/helpdesk/team/{team.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="opening_hours-0-opens"' in html
    assert "always open" in html
    assert "Monday" in html


def test_saving_a_team_with_hours_in_the_admin(admin_client):
    response = admin_client.post(
        "/admin/helpdesk/team/add/",
        team_form(
            hours=[(MON, "09:00", "12:00"), (MON, "13:00", "17:00"), (SUN, "22:00", "06:00")]
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    team = Team.objects.get(name="Support")
    assert team.timezone == "Europe/Berlin"
    assert [str(hours) for hours in team.opening_hours.all()] == [
        "Monday 09:00-12:00",
        "Monday 13:00-17:00",
        "Sunday 22:00-06:00",
    ]


def test_the_admin_refuses_a_bad_time_zone(admin_client):
    response = admin_client.post("/admin/helpdesk/team/add/", team_form(timezone="Europe/Atlantis"))
    assert response.status_code == 200
    assert "Europe/Atlantis is not a time zone name" in response.content.decode()
    assert not Team.objects.exists()


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ((MON, "9 o'clock", "17:00"), "opens"),
        ((MON, "09:00", "25:00"), "closes"),
        ((7, "09:00", "17:00"), "weekday"),
        (("monday", "09:00", "17:00"), "weekday"),
    ],
)
def test_the_admin_refuses_a_bad_row_of_hours(admin_client, row, field):
    response = admin_client.post("/admin/helpdesk/team/add/", team_form(hours=[row]))
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert field in formset.errors[0]
    assert not Team.objects.exists()


def test_the_widget_admin_offers_the_team(admin_client):
    team = team_with(name="Billing")
    widget = Widget.objects.create(name="Shop", key="shop")
    page = admin_client.get(f"/admin/helpdesk/widget/{widget.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="team"' in html
    assert "Chats from this widget go to this team" in html
    assert admin_client.get("/admin/helpdesk/widget/").status_code == 200
    data = {
        "name": "Shop",
        "allowed_origins": "",
        "greeting": "Hi",
        "accent_color": "#4f46e5",
        "position": "right",
        "prechat": "off",
        "offline_form": "on",
        "typing_preview": "on",
        "team": str(team.pk),
    }
    response = admin_client.post(f"/admin/helpdesk/widget/{widget.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    widget.refresh_from_db()
    assert widget.team == team
