"""Every way of changing a ticket goes through chat.ticket_actions: the same
thread line, timestamps, transcripts, broadcast and routing pass, whether the
visitor, the idle sweep, an agent, routing or Django admin made the change."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agents import signals as agent_signals
from agents import tasks
from chat import events
from chat.models import Message, TranscriptRequest
from chat.services import Sender, post_message, start_conversation
from chat.ticket_actions import AUTO_RESOLVED_LINE, Actor, ticket_change
from helpdesk.models import Tag, Ticket
from helpdesk.presence import AGENTS

from ..conftest import as_visitor
from ..factories import AgentFactory, VisitorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def passes(monkeypatch):
    """Routing passes run by what a change's commit triggers."""
    ran = []
    monkeypatch.setattr(agent_signals, "route_queue", lambda: ran.append(1))
    return ran


@pytest.fixture
def answered(ticket_ann, agent_bob):
    """Ann asked, Bob answered and was assigned; Ann wants the transcript at the end."""
    Ticket.objects.filter(pk=ticket_ann.pk).update(assignee=agent_bob.user)
    post_message(ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body="Hi")
    post_message(ticket=ticket_ann, sender=Sender.for_agent(agent_bob.user, "Bob"), body="Hello")
    TranscriptRequest.objects.create(ticket=ticket_ann, email="ann@example.com", on_end=True)
    return ticket_ann


def end_in_widget(ticket, *, api, **_):
    response = as_visitor(api, ticket.visitor).post(f"/api/widget/tickets/{ticket.pk}/end/")
    assert response.status_code == 200, response.content


def end_by_idle_sweep(ticket, **_):
    Ticket.objects.filter(pk=ticket.pk).update(last_message_at=timezone.now() - timedelta(days=2))
    assert tasks.resolve_idle_tickets() == 1


def resolve_in_agent_api(ticket, *, bob_api, **_):
    response = bob_api.patch(
        f"/api/agent/tickets/{ticket.pk}/", {"status": "resolved"}, format="json"
    )
    assert response.status_code == 200, response.content


def resolve_in_admin_form(ticket, *, admin_client, **_):
    form = admin_form(admin_client, ticket) | {"status": "resolved"}
    response = admin_client.post(admin_url(ticket), form)
    assert response.status_code == 302, response.content


def resolve_in_admin_bulk(ticket, *, admin_client, **_):
    response = admin_client.post(
        reverse("admin:helpdesk_ticket_changelist"),
        {"action": "set_resolved", "_selected_action": [ticket.pk]},
    )
    assert response.status_code == 302, response.content


ENDS = {
    # way: (the line, whether the visitor sees it in their thread)
    end_in_widget: ("Ann ended the chat.", True),
    end_by_idle_sweep: (AUTO_RESOLVED_LINE, True),
    resolve_in_agent_api: ("Bob set the status to Resolved", False),
    resolve_in_admin_form: ("admin set the status to Resolved", False),
    resolve_in_admin_bulk: ("admin set the status to Resolved", False),
}


@pytest.mark.parametrize("end", ENDS, ids=[end.__name__ for end in ENDS])
def test_every_way_of_ending_a_chat_does_the_same(
    end,
    answered,
    api,
    bob_api,
    admin_client,
    broadcasts,
    passes,
    django_capture_on_commit_callbacks,
):
    line, public = ENDS[end]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        end(answered, api=api, bob_api=bob_api, admin_client=admin_client)

    answered.refresh_from_db()
    assert answered.status == Ticket.Status.RESOLVED and answered.resolved_at
    [record] = Message.objects.filter(ticket=answered, sender_type="system")
    assert (record.body, record.internal) == (line, not public)
    # The transcript asked for during the chat went out with the end.
    assert TranscriptRequest.objects.get().sent_at is not None
    assert len(passes) == 1
    told = {(tuple(groups), event["type"]) for groups, event in broadcasts}
    assert ((events.ticket_group(answered.pk),), "message.new") in told
    assert ((events.AGENTS_GROUP,), "ticket.updated") in told
    to_ann = [e for g, e in broadcasts if g == [events.visitor_group(answered.visitor_id)]]
    assert [e["type"] for e in to_ann] == ["message.new"] * public + ["ticket.updated"]
    assert to_ann[-1]["ticket"]["status"] == "resolved"
    assert callbacks  # everything above was sent on commit


def test_routing_assigns_through_the_same_action(
    widget, agent_bob, broadcasts, django_capture_on_commit_callbacks
):
    AGENTS.connect(agent_bob.user_id)
    visitor = VisitorFactory(widget=widget)
    with django_capture_on_commit_callbacks(execute=True):
        message = start_conversation(visitor=visitor, body="Hello?")
    ticket = Ticket.objects.get(pk=message.ticket_id)
    assert ticket.assignee == agent_bob.user
    [record] = Message.objects.filter(ticket=ticket, sender_type="system")
    assert (record.body, record.internal) == ("Assigned to Bob automatically", True)
    inbox = [e for g, e in broadcasts if g == [events.AGENTS_GROUP]]
    assert inbox[-1]["ticket"]["assignee"]["name"] == "Bob"


def test_an_agent_answering_a_queued_chat_moves_the_queue_at_once(
    widget, agent_bob, broadcasts, django_capture_on_commit_callbacks
):
    """Before, the second visitor kept reading "You're number 2 in line" under
    nobody's reply until the next heartbeat pass."""
    tickets = []
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            message = start_conversation(visitor=VisitorFactory(widget=widget), body="Hi?")
        tickets.append(message.ticket)
    first, second = tickets
    with django_capture_on_commit_callbacks(execute=True):
        post_message(ticket=first, sender=Sender.for_agent(agent_bob.user, "Bob"), body="Hello!")
    places = [
        e["ticket"]["queue_position"]
        for g, e in broadcasts
        if g == [events.visitor_group(second.visitor_id)] and e["type"] == "ticket.updated"
    ]
    assert places == [2, 1]
    told_first = [
        e["ticket"]
        for g, e in broadcasts
        if g == [events.visitor_group(first.visitor_id)] and e["type"] == "ticket.updated"
    ]
    assert (told_first[-1]["status"], told_first[-1]["queue_position"]) == ("open", None)


def test_the_admin_form_changes_everything_the_dashboard_can_in_one_line(
    answered, agent_cat, admin_client, broadcasts, passes, django_capture_on_commit_callbacks
):
    Tag.objects.create(name="billing")
    form = admin_form(admin_client, answered) | {
        "priority": "high",
        "assignee": str(agent_cat.user_id),
        "tags": [str(Tag.objects.get().pk)],
        "subject": "Refund",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(admin_url(answered), form)
    assert response.status_code == 302, response.content
    answered.refresh_from_db()
    assert (answered.priority, answered.assignee, answered.subject) == (
        "high",
        agent_cat.user,
        "Refund",
    )
    assert [tag.name for tag in answered.tags.all()] == ["billing"]
    [record] = Message.objects.filter(ticket=answered, sender_type="system")
    assert record.body == (
        "admin assigned this to Cat · admin set the priority to High · admin tagged this billing"
    )
    assert record.internal
    assert len(passes) == 1  # it changed hands


def test_an_admin_edit_of_other_fields_writes_no_line(
    answered, admin_client, broadcasts, django_capture_on_commit_callbacks
):
    form = admin_form(admin_client, answered) | {"subject": "Renamed"}
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(admin_url(answered), form).status_code == 302
    answered.refresh_from_db()
    assert answered.subject == "Renamed"
    assert not Message.objects.filter(ticket=answered, sender_type="system").exists()
    assert broadcasts == []


def test_the_admin_offers_only_active_agents_as_assignees(
    answered, agent_bob, admin_client, admin_user
):
    retired = AgentFactory(display_name="Retired")
    retired.user.is_active = False
    retired.user.save()
    page = admin_client.get(admin_url(answered)).content.decode()
    choices = page.split('name="assignee"')[1].split("</select>")[0]
    assert f'<option value="{agent_bob.user_id}"' in choices
    assert f'<option value="{retired.user_id}"' not in choices
    assert f'<option value="{admin_user.pk}"' not in choices  # no agent


def test_the_admin_bulk_actions_skip_tickets_already_there(
    answered, ticket_ben, admin_client, django_capture_on_commit_callbacks
):
    Ticket.objects.filter(pk=ticket_ben.pk).update(status=Ticket.Status.RESOLVED)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:helpdesk_ticket_changelist"),
            {"action": "set_resolved", "_selected_action": [answered.pk, ticket_ben.pk]},
        )
    assert Message.objects.filter(sender_type="system").count() == 1


def test_tickets_are_not_added_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:helpdesk_ticket_add")).status_code == 403


def test_a_visitor_can_only_end_their_chat(ticket_ann):
    ann = Actor.for_visitor("Ann")
    for changes in ({"priority": "urgent"}, {"status": "open"}, {"status": "resolved", "tags": []}):
        with pytest.raises(ValidationError):
            ticket_change(ticket_id=ticket_ann.pk, by=ann, **changes)
    assert not Message.objects.exists()


def test_a_note_without_a_transfer_rolls_the_whole_change_back(ticket_ann, agent_bob):
    bob = Actor.for_agent(agent_bob.user, "Bob")
    with pytest.raises(ValidationError) as refused:
        ticket_change(ticket_id=ticket_ann.pk, by=bob, note="why", priority="high")
    assert refused.value.code == "note_without_transfer"
    ticket_ann.refresh_from_db()
    assert ticket_ann.priority == "normal"
    assert not Message.objects.exists()


def test_ticket_change_refuses_fields_it_does_not_own(ticket_ann, agent_bob):
    with pytest.raises(TypeError):
        ticket_change(ticket_id=ticket_ann.pk, by=Actor.for_agent(agent_bob.user, "Bob"), rating=5)


def test_changing_nothing_records_and_tells_nothing(
    ticket_ann, agent_bob, broadcasts, passes, django_capture_on_commit_callbacks
):
    bob = Actor.for_agent(agent_bob.user, "Bob")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change(ticket_id=ticket_ann.pk, by=bob, status="new", priority="normal", tags=[])
    assert not Message.objects.exists()
    assert (broadcasts, passes) == ([], [])


def admin_url(ticket) -> str:
    return reverse("admin:helpdesk_ticket_change", args=[ticket.pk])


def admin_form(admin_client, ticket) -> dict:
    """The change form as the admin page fills it in for ``ticket``."""
    ticket = Ticket.objects.get(pk=ticket.pk)
    form = {
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": str(ticket.assignee_id or ""),
        "team": str(ticket.team_id or ""),
        "tags": [str(pk) for pk in ticket.tags.values_list("pk", flat=True)],
    }
    page = admin_client.get(admin_url(ticket)).content.decode()
    assert 'name="messages-TOTAL_FORMS"' in page
    count = Message.objects.filter(ticket=ticket).count()
    return (
        form
        | {
            "messages-TOTAL_FORMS": str(count),
            "messages-INITIAL_FORMS": str(count),
            "messages-MIN_NUM_FORMS": "0",
            "messages-MAX_NUM_FORMS": "1000",
        }
        | {
            f"messages-{i}-id": str(pk)
            for i, pk in enumerate(
                Message.objects.filter(ticket=ticket).order_by("seq").values_list("pk", flat=True)
            )
        }
        | {f"messages-{i}-ticket": str(ticket.pk) for i in range(count)}
    )
