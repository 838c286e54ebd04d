"""Routing: a new chat goes to an available agent with room, least loaded first
and in turns among equals; when everyone is full it waits in the queue, and its
visitor is told their place, until room frees up."""

from datetime import time

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from agents import routing
from agents.models import AgentProfile
from agents.services import agent_set_status
from chat import events
from chat.models import Message
from chat.services import leave_offline_message, start_conversation
from chat.ticket_actions import Actor, end_conversation, ticket_change
from helpdesk import queue
from helpdesk.models import OpeningHours, Team, Ticket
from helpdesk.presence import AGENTS

from ..conftest import agent_socket, as_visitor, receive_until
from ..factories import AgentFactory, VisitorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(widget, django_capture_on_commit_callbacks):
    """Start a chat as a new visitor of ``widget``, with what commits runs."""

    def start(body: str = "Hello?") -> Ticket:
        visitor = VisitorFactory(widget=widget)
        with django_capture_on_commit_callbacks(execute=True):
            message = start_conversation(visitor=visitor, body=body)
        return Ticket.objects.get(pk=message.ticket_id)

    return start


def online(*profiles: AgentProfile) -> None:
    for profile in profiles:
        AGENTS.connect(profile.user_id)


def assignees(*tickets: Ticket) -> list[str | None]:
    names = []
    for ticket in tickets:
        ticket.refresh_from_db()
        names.append(ticket.assignee.agent_profile.display_name if ticket.assignee else None)
    return names


def places_told(broadcasts, ticket: Ticket) -> list[int | None]:
    """The queue places ``ticket``'s visitor was told, in order."""
    return [
        event["ticket"]["queue_position"]
        for groups, event in broadcasts
        if groups == [events.visitor_group(ticket.visitor_id)]
        and event["type"] == "ticket.updated"
        and event["ticket"]["id"] == ticket.pk
    ]


def test_a_new_chat_goes_to_the_online_agent_and_the_thread_says_so(chat, agent_bob):
    online(agent_bob)
    ticket = chat()
    assert assignees(ticket) == ["Bob"]
    line = Message.objects.filter(ticket=ticket).last()
    assert (line.sender_type, line.internal) == ("system", True)
    assert line.body == "Assigned to Bob automatically"
    agent_bob.refresh_from_db()
    assert agent_bob.last_assigned_at is not None


def test_the_least_loaded_agent_goes_first_then_equals_take_turns(chat, agent_bob, agent_cat):
    online(agent_bob)
    first, second = chat(), chat()  # Bob is alone: both are his
    online(agent_cat)
    third, fourth, fifth, sixth = chat(), chat(), chat(), chat()
    # Cat catches up with Bob's two; then, equally busy, they take turns, Bob
    # first: his last chat is older than hers.
    assert assignees(first, second, third, fourth) == ["Bob", "Bob", "Cat", "Cat"]
    assert assignees(fifth, sixth) == ["Bob", "Cat"]


def test_equals_take_turns_in_order_of_their_last_chat(chat, agent_bob, agent_cat):
    online(agent_bob, agent_cat)
    tickets = [chat() for _ in range(4)]
    names = assignees(*tickets)
    assert names[0] != names[1] and names[0::2] == [names[0]] * 2 and names[1::2] == [names[1]] * 2


def test_away_disconnected_and_deactivated_agents_get_no_chats(chat, agent_bob, agent_cat):
    dan = AgentFactory(display_name="Dan")
    online(agent_bob, dan)  # Cat is not connected
    agent_set_status(profile=agent_bob, status="away")
    dan.user.is_active = False
    dan.user.save()
    ticket = chat()
    assert assignees(ticket) == [None]
    assert queue.position(ticket) == 1


def test_pending_chats_leave_room_and_offline_messages_are_not_routed(
    chat, agent_bob, widget, django_capture_on_commit_callbacks
):
    agent_bob.max_concurrent_chats = 1
    agent_bob.save()
    online(agent_bob)
    first = chat()
    assert assignees(first) == ["Bob"]
    Ticket.objects.filter(pk=first.pk).update(status=Ticket.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        offline = leave_offline_message(
            visitor=VisitorFactory(widget=widget), email="eve@example.com", body="Call me"
        )
    second = chat()
    assert assignees(second) == ["Bob"]
    assert assignees(offline.ticket) == [None]
    assert queue.position(offline.ticket) is None  # the inbox, not the queue


def test_when_everyone_is_full_chats_queue_and_visitors_are_told_their_place(
    chat, agent_bob, broadcasts, django_capture_on_commit_callbacks
):
    agent_bob.max_concurrent_chats = 1
    agent_bob.save()
    online(agent_bob)
    busy, waiting_1, waiting_2 = chat(), chat(), chat()
    assert assignees(busy, waiting_1, waiting_2) == ["Bob", None, None]
    assert places_told(broadcasts, waiting_1) == [1]
    assert places_told(broadcasts, waiting_2) == [2]

    # Bob resolves his chat: the first in the queue is his, the second moves up.
    bob = Actor.for_agent(agent_bob.user, agent_bob.display_name)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change(ticket_id=busy.pk, by=bob, status=Ticket.Status.RESOLVED)
    assert assignees(waiting_1, waiting_2) == ["Bob", None]
    assert places_told(broadcasts, waiting_1) == [1, None]
    assert places_told(broadcasts, waiting_2) == [2, 1]


def test_an_agent_coming_online_or_back_from_away_takes_the_queue(
    chat, agent_bob, agent_cat, django_capture_on_commit_callbacks
):
    waiting = chat()
    assert assignees(waiting) == [None]
    online(agent_bob)
    agent_set_status(profile=agent_bob, status="away")
    with django_capture_on_commit_callbacks(execute=True):
        agent_set_status(profile=agent_bob, status="online")
    assert assignees(waiting) == ["Bob"]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_agent_connecting_takes_the_queue(widget, agent_bob):
    visitor = await database_sync_to_async(VisitorFactory)(widget=widget)
    message = await database_sync_to_async(start_conversation)(visitor=visitor, body="Anyone?")
    communicator, _ = await agent_socket(agent_bob)
    frames = await receive_until(communicator, "ticket.updated")
    assert frames[-1]["ticket"]["id"] == message.ticket_id
    assert frames[-1]["ticket"]["assignee"] == {"id": agent_bob.user_id, "name": "Bob"}
    await communicator.disconnect()


def test_a_visitor_leaving_the_queue_moves_the_others_up(
    chat, broadcasts, django_capture_on_commit_callbacks
):
    first, second = chat(), chat()
    with django_capture_on_commit_callbacks(execute=True):
        end_conversation(ticket=first)
    assert places_told(broadcasts, second) == [2, 1]


def test_an_agent_taking_a_chat_by_hand_moves_the_others_up(
    chat, agent_bob, broadcasts, django_capture_on_commit_callbacks
):
    first, second = chat(), chat()  # nobody online: both wait
    bob = Actor.for_agent(agent_bob.user, agent_bob.display_name)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change(ticket_id=first.pk, by=bob, assignee=agent_bob.user)
    assert places_told(broadcasts, first) == [1, None]
    assert places_told(broadcasts, second) == [2, 1]


def test_chats_of_a_team_go_to_its_members_and_wait_while_it_is_closed(
    chat, widget, agent_bob, agent_cat
):
    sales = Team.objects.create(name="Sales", timezone="UTC")
    agent_cat.teams.add(sales)
    widget.team = sales
    widget.save()
    online(agent_bob, agent_cat)
    ticket = chat()
    assert ticket.team == sales
    assert assignees(ticket) == ["Cat"]

    # Closed all day today: the chat waits, Bob (not in Sales) gets nothing.
    now = timezone.now()
    OpeningHours.objects.create(
        team=sales, weekday=(now.weekday() + 3) % 7, opens=time(9), closes=time(17)
    )
    later = chat()
    assert assignees(later) == [None]
    assert queue.position(later) == 1
    # It opens (all of today, as the hours change): a pass gives it out.
    OpeningHours.objects.create(team=sales, weekday=now.weekday(), opens=time(0), closes=time(0))
    assert routing.route_queue() == 1
    assert assignees(later) == ["Cat"]


def test_places_are_counted_per_team(chat, widget):
    sales = Team.objects.create(name="Sales")
    general = chat()
    widget.team = sales
    widget.save()
    for_sales = chat()
    assert (queue.position(general), queue.position(for_sales)) == (1, 1)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_open_dashboards_check_gives_out_what_waited_for_room(widget, agent_bob, settings):
    """An admin raised Bob's maximum: nobody says so, and the presence check his
    open dashboard runs (every check_interval(): 1 s here) runs the pass."""
    settings.PARLEY = {**settings.PARLEY, "PRESENCE_TTL": 6}
    await database_sync_to_async(AgentProfile.objects.filter(pk=agent_bob.pk).update)(
        max_concurrent_chats=1
    )
    communicator, _ = await agent_socket(agent_bob)
    for body in ("One", "Two"):  # Bob takes the first; the second waits
        visitor = await database_sync_to_async(VisitorFactory)(widget=widget)
        second = await database_sync_to_async(start_conversation)(visitor=visitor, body=body)
    await database_sync_to_async(AgentProfile.objects.filter(pk=agent_bob.pk).update)(
        max_concurrent_chats=2
    )
    assigned = None
    while assigned is None:  # the dashboard hears of it
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] == "ticket.updated" and frame["ticket"]["id"] == second.ticket_id:
            assigned = frame["ticket"]["assignee"]
    assert assigned["id"] == agent_bob.user_id
    await communicator.disconnect()


def test_a_pass_with_everyone_full_stops_before_reading_the_queue(
    chat, agent_bob, django_assert_max_num_queries
):
    agent_bob.max_concurrent_chats = 1
    agent_bob.save()
    online(agent_bob)
    for _ in range(20):
        chat()
    # Anything queued? Then lock the agents (a savepoint around it) and count their
    # loads; then the places. No teams, no queue read.
    with django_assert_max_num_queries(6):
        assert routing.route_queue() == 0


def test_a_visitor_sees_their_place_in_the_widget_api(chat, api):
    chat()
    second = chat()
    as_visitor(api, second.visitor)
    response = api.get("/api/widget/tickets/")
    assert response.status_code == 200
    assert [t["queue_position"] for t in response.json()["results"]] == [2]


def test_with_auto_assign_off_chats_wait_for_an_agent_to_take_them(
    chat, agent_bob, broadcasts, settings
):
    settings.PARLEY = {**settings.PARLEY, "AUTO_ASSIGN": False}
    online(agent_bob)
    first, second = chat(), chat()
    assert assignees(first, second) == [None, None]
    assert routing.route_queue() == 0
    assert places_told(broadcasts, second) == [2]


def test_a_routing_failure_does_not_fail_the_stored_message(chat, monkeypatch, caplog):
    def broken():
        raise RuntimeError("routing is down")

    monkeypatch.setattr(routing, "_assign_queued_chats", broken)
    ticket = chat()
    assert Message.objects.filter(ticket=ticket).count() == 1
    assert "routing is down" in caplog.text
