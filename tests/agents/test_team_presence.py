"""Agents online as a widget's visitors see it: a widget with a team is online
when one of that team's agents is available and the team is within its business
hours; outside them the team is offline, and its visitors are told so by the
presence sweep."""

from datetime import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from agents import services, tasks
from agents.presence import agents_online, widget_online
from agents.services import after_agent_heartbeat, agent_set_status, broadcast_presence
from chat import events
from helpdesk.models import OpeningHours, Team
from helpdesk.presence import AGENTS

from ..factories import WidgetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales():
    return Team.objects.create(name="Sales", timezone="UTC")


@pytest.fixture
def shop(sales):
    return WidgetFactory(key="shop", team=sales)


def close_all_day(team: Team) -> None:
    """Hours on another day only: closed all of today."""
    weekday = (timezone.now().weekday() + 3) % 7
    OpeningHours.objects.create(team=team, weekday=weekday, opens=time(9), closes=time(17))


def test_a_widget_with_a_team_is_online_only_with_one_of_its_agents(
    shop, widget, sales, agent_bob, agent_cat
):
    agent_cat.teams.add(sales)
    AGENTS.connect(agent_bob.user_id)
    assert (widget_online(shop), widget_online(widget)) == (False, True)
    AGENTS.connect(agent_cat.user_id)
    assert widget_online(shop) is True
    agent_set_status(profile=agent_cat, status="away")
    assert widget_online(shop) is False


def test_outside_business_hours_the_team_is_offline(shop, widget, sales, agent_cat, api):
    agent_cat.teams.add(sales)
    AGENTS.connect(agent_cat.user_id)
    close_all_day(sales)
    assert widget_online(shop) is False
    assert widget_online(widget) is True  # Cat answers the widget without a team
    response = api.get("/api/widget/config/", {"key": "shop"})
    assert response.json()["agents_online"] is False


def test_the_sweep_tells_a_widgets_visitors_when_their_team_closes(
    shop, widget, sales, agent_cat, broadcasts
):
    agent_cat.teams.add(sales)
    AGENTS.connect(agent_cat.user_id)
    broadcast_presence()
    told = dict(
        (groups[0], event["agents_online"]) for groups, event in broadcasts if groups != ["agents"]
    )
    assert told == {
        events.widget_visitors_group(shop.pk): True,
        events.widget_visitors_group(widget.pk): True,
        events.widget_visitors_group(None): True,
    }
    del broadcasts[:]
    tasks.sweep_presence()
    assert broadcasts == []  # nothing changed, nothing said

    close_all_day(sales)  # closing time
    tasks.sweep_presence()
    to_shop = [e for g, e in broadcasts if g == [events.widget_visitors_group(shop.pk)]]
    assert to_shop == [{"type": "presence", "agents_online": False}]


def test_an_agents_heartbeat_tells_it_too_where_no_sweep_can(shop, sales, agent_cat, broadcasts):
    """The embedded default's worker sees neither presence nor the sockets: the
    dashboard's heartbeat, in the server process, tells of the closing."""
    agent_cat.teams.add(sales)
    AGENTS.connect(agent_cat.user_id)
    broadcast_presence()
    close_all_day(sales)
    del broadcasts[:]
    after_agent_heartbeat()
    to_shop = [e for g, e in broadcasts if g == [events.widget_visitors_group(shop.pk)]]
    assert to_shop == [{"type": "presence", "agents_online": False}]


def test_the_heartbeat_check_runs_once_per_few_seconds_however_many_ping(monkeypatch):
    passes = []
    monkeypatch.setattr(services, "route_queue", lambda: passes.append(1))
    for _ in range(3):  # three dashboards ping at once
        after_agent_heartbeat()
    assert passes == [1]
    cache.delete(services.HEARTBEAT_CHECK_KEY)  # the few seconds are over
    after_agent_heartbeat()
    assert passes == [1, 1]


def test_anyone_online_the_visitor_message_check_is_one_query(agent_bob, django_assert_num_queries):
    """Asked after every visitor message: business hours only cost a query when
    the chat has a team."""
    AGENTS.connect(agent_bob.user_id)
    with django_assert_num_queries(1):
        assert agents_online() is True


def test_presence_for_every_widget_reads_each_table_once(
    shop, widget, sales, agent_cat, django_assert_num_queries
):
    agent_cat.teams.add(sales)
    AGENTS.connect(agent_cat.user_id)
    # Online agents with their teams, the opening hours, the widgets, then the
    # agents list the dashboards get.
    with django_assert_num_queries(4):
        told = services._presence_now()
    assert told[0] is True and told[2] == {None: True, shop.pk: True, widget.pk: True}
