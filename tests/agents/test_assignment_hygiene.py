"""Assignment hygiene: a chat whose assignee has been away or offline too long
goes back to the queue, and answering a chat nobody has takes it."""

import pytest
from channels.db import database_sync_to_async
from django.core.cache import cache

from agents import requeue, tasks
from agents.models import AgentProfile
from agents.services import HEARTBEAT_CHECK_KEY, after_agent_heartbeat
from chat.models import Message
from chat.services import Sender, post_message
from chat.ticket_actions import Actor, agent_reply, requeue_if_unattended, ticket_change
from helpdesk.models import Ticket
from helpdesk.presence import AGENTS

from ..conftest import agent_socket, receive_until

pytestmark = pytest.mark.django_db

AFTER = 600


@pytest.fixture
def hygiene(settings):
    settings.PARLEY = settings.PARLEY | {"REQUEUE_AFTER": AFTER, "ASSIGN_ON_REPLY": True}


@pytest.fixture
def bobs_chat(ticket_ann, agent_bob, django_capture_on_commit_callbacks):
    post_message(ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body="hello?")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change(ticket_id=ticket_ann.pk, by=Actor.routing(), assignee=agent_bob.user)
    return Ticket.objects.get(pk=ticket_ann.pk)


@pytest.fixture
def connected():
    """Connect agents for a test, and leave no presence behind."""
    ids = []

    def connect(profile):
        AGENTS.connect(profile.user_id)
        ids.append(profile.user_id)

    yield connect
    for user_id in ids:
        AGENTS.disconnect(user_id)


def last_line(ticket) -> Message:
    return Message.objects.filter(ticket=ticket).order_by("-seq").first()


# --- back to the queue --------------------------------------------------------------------


def test_a_chat_goes_back_to_the_queue_once_its_agent_has_been_gone_long_enough(
    hygiene, bobs_chat, django_capture_on_commit_callbacks
):
    assert requeue.requeue_unattended(now=1000) == 0  # Bob first seen gone
    assert requeue.requeue_unattended(now=1000 + AFTER - 1) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue.requeue_unattended(now=1000 + AFTER) == 1
    ticket = Ticket.objects.get(pk=bobs_chat.pk)
    assert ticket.assignee is None
    line = last_line(ticket)
    assert (line.sender_type, line.internal, line.body) == (
        "system",
        True,
        "Back in the queue: Bob was away or offline",
    )
    assert requeue.requeue_unattended(now=1000 + 2 * AFTER) == 0


def test_an_agent_back_in_time_keeps_their_chat(hygiene, bobs_chat, agent_bob, connected):
    requeue.requeue_unattended(now=1000)
    connected(agent_bob)
    requeue.requeue_unattended(now=1000 + AFTER // 2)
    AGENTS.disconnect(agent_bob.user_id)
    # Gone again: the time counts from now, not from the first absence.
    assert requeue.requeue_unattended(now=1000 + AFTER) == 0
    assert Ticket.objects.get(pk=bobs_chat.pk).assignee_id == agent_bob.user_id
    connected(agent_bob)


def test_connected_but_away_counts_as_gone(hygiene, bobs_chat, agent_bob, connected):
    connected(agent_bob)
    AgentProfile.objects.filter(pk=agent_bob.pk).update(status=AgentProfile.Status.AWAY)
    requeue.requeue_unattended(now=1000)
    assert requeue.requeue_unattended(now=1000 + AFTER) == 1


def test_an_available_agent_keeps_their_chats(hygiene, bobs_chat, agent_bob, connected):
    connected(agent_bob)
    requeue.requeue_unattended(now=1000)
    assert requeue.requeue_unattended(now=1000 + 10 * AFTER) == 0


def test_ended_chats_and_a_setting_of_zero_are_left_alone(hygiene, bobs_chat, settings):
    Ticket.objects.filter(pk=bobs_chat.pk).update(status=Ticket.Status.RESOLVED)
    requeue.requeue_unattended(now=1000)
    assert requeue.requeue_unattended(now=1000 + AFTER) == 0
    Ticket.objects.filter(pk=bobs_chat.pk).update(status=Ticket.Status.OPEN)
    settings.PARLEY = settings.PARLEY | {"REQUEUE_AFTER": 0}
    assert requeue.requeue_unattended(now=1000 + 10 * AFTER) == 0
    assert Ticket.objects.get(pk=bobs_chat.pk).assignee is not None


def test_a_chat_taken_meanwhile_is_not_requeued(hygiene, bobs_chat, agent_cat):
    Ticket.objects.filter(pk=bobs_chat.pk).update(assignee=agent_cat.user)
    assert not requeue_if_unattended(ticket_id=bobs_chat.pk, assignee_id=bobs_chat.assignee_id)
    assert Ticket.objects.get(pk=bobs_chat.pk).assignee == agent_cat.user


def test_the_heartbeat_check_requeues_and_routing_hands_the_chat_on(
    hygiene, bobs_chat, agent_cat, connected, django_capture_on_commit_callbacks, monkeypatch
):
    connected(agent_cat)
    cache.set(requeue.AWAY_SINCE_KEY, {bobs_chat.assignee_id: 0})  # gone since 1970
    with django_capture_on_commit_callbacks(execute=True):
        after_agent_heartbeat()
    ticket = Ticket.objects.get(pk=bobs_chat.pk)
    assert ticket.assignee == agent_cat.user
    bodies = list(Message.objects.filter(ticket=ticket).values_list("body", flat=True))
    assert bodies[-2:] == [
        "Back in the queue: Bob was away or offline",
        "Assigned to Cat automatically",
    ]
    cache.delete(HEARTBEAT_CHECK_KEY)


def test_beat_requeues_only_where_presence_is_shared(hygiene, bobs_chat, settings):
    cache.set(requeue.AWAY_SINCE_KEY, {bobs_chat.assignee_id: 0})
    settings.REDIS_URL = ""
    assert tasks.requeue_unattended_chats() == 0
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert tasks.requeue_unattended_chats() == 1
    assert Ticket.objects.get(pk=bobs_chat.pk).assignee is None


def test_beat_has_the_requeue_on_its_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["requeue-unattended-chats"]
    assert entry["task"] == tasks.requeue_unattended_chats.name


# --- answering takes the chat -------------------------------------------------------------


def reply_url(ticket) -> str:
    return f"/api/agent/tickets/{ticket.pk}/messages/"


def test_answering_a_chat_nobody_has_takes_it(hygiene, ticket_ann, agent_bob, bob_api):
    post_message(ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body="hi")
    response = bob_api.post(
        reply_url(ticket_ann), {"body": "Hello Ann", "client_id": "r-1"}, format="json"
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=ticket_ann.pk)
    assert ticket.assignee == agent_bob.user
    lines = list(
        Message.objects.filter(ticket=ticket).values_list("seq", "sender_type", "body", "internal")
    )
    assert lines == [
        (1, "visitor", "hi", False),
        (2, "agent", "Hello Ann", False),
        (3, "system", "Bob took this", True),
    ]
    assert response.data["message"]["seq"] == 2

    again = bob_api.post(
        reply_url(ticket_ann), {"body": "Hello Ann", "client_id": "r-1"}, format="json"
    )
    assert again.data["message"]["seq"] == 2
    assert Message.objects.filter(ticket=ticket).count() == 3


def test_a_note_or_a_reply_to_someone_elses_chat_takes_nothing(
    hygiene, ticket_ann, agent_bob, agent_cat, bob_api
):
    bob_api.post(reply_url(ticket_ann), {"body": "note", "internal": True}, format="json")
    assert Ticket.objects.get(pk=ticket_ann.pk).assignee is None
    Ticket.objects.filter(pk=ticket_ann.pk).update(assignee=agent_cat.user)
    bob_api.post(reply_url(ticket_ann), {"body": "helping out"}, format="json")
    assert Ticket.objects.get(pk=ticket_ann.pk).assignee == agent_cat.user


def test_a_refused_reply_takes_nothing(hygiene, ticket_ann, bob_api):
    response = bob_api.post(reply_url(ticket_ann), {"body": "x" * 6000}, format="json")
    assert response.status_code == 400
    assert Ticket.objects.get(pk=ticket_ann.pk).assignee is None
    assert not Message.objects.filter(ticket=ticket_ann).exists()


def test_answering_leaves_the_chat_in_the_queue_when_the_setting_is_off(
    settings, ticket_ann, agent_bob
):
    settings.PARLEY = settings.PARLEY | {"ASSIGN_ON_REPLY": False}
    agent_reply(ticket=ticket_ann, sender=Sender.for_agent(agent_bob.user, "Bob"), body="hi")
    assert Ticket.objects.get(pk=ticket_ann.pk).assignee is None


@pytest.mark.django_db(transaction=True)
async def test_answering_over_the_socket_takes_the_chat_too(hygiene, ticket_ann, agent_bob):
    agent, _ = await agent_socket(agent_bob)
    await agent.send_json_to(
        {"type": "message.send", "ticket": ticket_ann.pk, "client_id": "s-1", "body": "Hi!"}
    )
    ack = (await receive_until(agent, "message.ack"))[-1]
    assert ack["seq"] == 2
    ticket = await database_sync_to_async(Ticket.objects.get)(pk=ticket_ann.pk)
    assert ticket.assignee_id == agent_bob.user_id
    await agent.disconnect()


def test_the_heartbeats_requeue_check_reads_little(
    hygiene, bobs_chat, agent_bob, connected, django_assert_num_queries
):
    """It runs every few seconds: the assignees of waiting chats, then which of
    them chose to be online; presence comes from the cache."""
    connected(agent_bob)
    with django_assert_num_queries(2):
        assert requeue.requeue_unattended(now=1000) == 0
    Ticket.objects.filter(pk=bobs_chat.pk).update(status=Ticket.Status.RESOLVED)
    with django_assert_num_queries(1):
        assert requeue.requeue_unattended(now=1000) == 0
