"""The agent API for a full shift: inbox views and counts, search, ticket changes,
history pages, attachments, the visitor sidebar, canned answers, teams and agents."""

import re
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from agents.models import CannedResponse
from chat import events
from chat.models import Message
from chat.services import Sender, post_message
from helpdesk.models import Tag, Team, Ticket
from helpdesk.presence import AGENTS, VISITORS

from ..conftest import as_visitor
from ..factories import AgentFactory, TicketFactory, UserFactory, VisitorFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FIREFOX_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)
VISITOR_TICKET_FIELDS = {
    "id",
    "subject",
    "status",
    "last_seq",
    "agent_seen_seq",
    "rating",
    "created_at",
    "queue_position",
    "assistant",
}


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def visitor_says(ticket, body):
    return post_message(ticket=ticket, sender=Sender.for_visitor(ticket.visitor), body=body)


def agent_says(ticket, agent, body, *, internal=False):
    sender = Sender.for_agent(agent.user, agent.display_name)
    return post_message(ticket=ticket, sender=sender, body=body, internal=internal)


def ids(response):
    return [ticket["id"] for ticket in response.data["results"]]


def detail(ticket):
    return f"/api/agent/tickets/{ticket.pk}/"


def system_lines(ticket):
    return list(
        Message.objects.filter(ticket=ticket, sender_type=Message.SenderType.SYSTEM).order_by("seq")
    )


# --- views, counts, pagination ------------------------------------------------------------


@pytest.fixture
def inbox(agent_bob, agent_cat):
    """One ticket of each kind, by name."""
    bob, cat = agent_bob.user, agent_cat.user
    return {
        "new_unassigned": TicketFactory(status=Ticket.Status.NEW),
        "open_unassigned": TicketFactory(status=Ticket.Status.OPEN),
        "open_bob": TicketFactory(status=Ticket.Status.OPEN, assignee=bob),
        "pending_bob": TicketFactory(status=Ticket.Status.PENDING, assignee=bob),
        "open_cat": TicketFactory(status=Ticket.Status.OPEN, assignee=cat),
        "resolved_bob": TicketFactory(status=Ticket.Status.RESOLVED, assignee=bob),
        "closed_unassigned": TicketFactory(status=Ticket.Status.CLOSED),
    }


def expected_views(inbox):
    def pks(*names):
        return {inbox[name].pk for name in names}

    return {
        "unassigned": pks("new_unassigned", "open_unassigned"),
        "mine": pks("open_bob", "pending_bob"),
        "all": pks("new_unassigned", "open_unassigned", "open_bob", "pending_bob", "open_cat"),
        "resolved": pks("resolved_bob", "closed_unassigned"),
    }


@pytest.mark.parametrize("view", ["unassigned", "mine", "all", "resolved"])
def test_each_view_lists_exactly_its_tickets(bob_api, inbox, view):
    response = bob_api.get(f"/api/agent/tickets/?view={view}")
    assert response.status_code == 200
    found = ids(response)
    assert len(found) == len(set(found))
    assert set(found) == expected_views(inbox)[view]


def test_no_view_lists_every_ticket_whatever_its_status(bob_api, inbox):
    response = bob_api.get("/api/agent/tickets/")
    assert set(ids(response)) == {ticket.pk for ticket in inbox.values()}


def test_mine_is_the_asking_agents_own(agent_cat, inbox):
    cat_api = APIClient()
    cat_api.force_authenticate(agent_cat.user)
    assert ids(cat_api.get("/api/agent/tickets/?view=mine")) == [inbox["open_cat"].pk]
    assert cat_api.get("/api/agent/tickets/counts/").data["mine"] == 1


def test_the_counts_match_the_views(bob_api, inbox):
    response = bob_api.get("/api/agent/tickets/counts/")
    assert response.status_code == 200
    assert response.data == {"unassigned": 2, "mine": 2, "all": 5, "resolved": 2}
    for view, count in response.data.items():
        assert len(ids(bob_api.get(f"/api/agent/tickets/?view={view}"))) == count


def test_an_unknown_view_is_refused(bob_api, inbox):
    response = bob_api.get("/api/agent/tickets/?view=everything")
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert "view" in response.data["fields"]


def test_a_cursor_pages_through_a_view_without_repeats(bob_api, inbox):
    response = bob_api.get("/api/agent/tickets/?view=all&limit=2")
    assert response.status_code == 200
    assert len(response.data["results"]) == 2
    assert response.data["next"]
    seen = ids(response)
    pages = 1
    while response.data["next"]:
        response = bob_api.get(response.data["next"])
        assert response.status_code == 200
        assert len(response.data["results"]) <= 2
        seen += ids(response)
        pages += 1
    assert len(seen) == len(set(seen))
    assert set(seen) == expected_views(inbox)["all"]
    assert pages == 3
    latest_first = Ticket.objects.filter(pk__in=seen).order_by("-updated_at", "-id")
    assert seen == [ticket.pk for ticket in latest_first]


# --- the ticket payload ------------------------------------------------------------------


def test_the_payload_names_assignee_team_tags_and_visitor(bob_api, agent_cat):
    team = Team.objects.create(name="Billing")
    visitor = VisitorFactory(name="Dora", email="dora@example.com")
    ticket = TicketFactory(visitor=visitor, assignee=agent_cat.user, team=team)
    ticket.tags.set([Tag.objects.create(name=name) for name in ["vip", "Refund", "billing"]])

    payload = bob_api.get(detail(ticket)).data
    listed = bob_api.get("/api/agent/tickets/").data["results"]

    assert payload["assignee"] == {"id": agent_cat.user_id, "name": "Cat"}
    assert payload["team"] == {"id": team.pk, "name": "Billing"}
    assert payload["tags"] == ["billing", "Refund", "vip"]  # whatever their case
    assert payload["visitor"] == {
        "id": str(visitor.pk),
        "name": "Dora",
        "email": "dora@example.com",
        "verified": False,
    }
    assert listed == [payload]


def test_an_unassigned_ticket_without_team_says_null(bob_api, ticket_ann):
    payload = bob_api.get(detail(ticket_ann)).data
    assert payload["assignee"] is None
    assert payload["team"] is None
    assert payload["tags"] == []


def test_waiting_since_follows_who_spoke_last(bob_api, ticket_ann, agent_bob):
    assert bob_api.get(detail(ticket_ann)).data["waiting_since"] is None

    visitor_says(ticket_ann, "Hello?")
    waiting = bob_api.get(detail(ticket_ann)).data["waiting_since"]
    assert waiting is not None

    visitor_says(ticket_ann, "Anyone there?")
    assert bob_api.get(detail(ticket_ann)).data["waiting_since"] == waiting

    agent_says(ticket_ann, agent_bob, "Let me check the logs", internal=True)
    assert bob_api.get(detail(ticket_ann)).data["waiting_since"] == waiting

    agent_says(ticket_ann, agent_bob, "Hi Ann, looking now")
    assert bob_api.get(detail(ticket_ann)).data["waiting_since"] is None


def make_tagged_tickets(count, agent, team):
    for n in range(count):
        ticket = TicketFactory(assignee=agent.user, team=team)
        ticket.tags.set(
            [
                Tag.objects.get_or_create(name=f"tag-{n % 3}")[0],
                Tag.objects.get_or_create(name="x")[0],
            ]
        )


def test_the_list_reads_the_same_queries_for_2_or_10_tickets(
    bob_api, agent_cat, django_assert_max_num_queries
):
    team = Team.objects.create(name="Support")
    make_tagged_tickets(2, agent_cat, team)
    with CaptureQueriesContext(connection) as two:
        response = bob_api.get("/api/agent/tickets/")
    assert len(response.data["results"]) == 2

    make_tagged_tickets(8, agent_cat, team)
    # agent profile, the page (with visitor, assignee, profile, team), the tags
    with django_assert_max_num_queries(3) as ten:
        response = bob_api.get("/api/agent/tickets/")
    assert len(response.data["results"]) == 10
    assert all(len(ticket["tags"]) == 2 for ticket in response.data["results"])
    assert all(ticket["assignee"]["name"] == "Cat" for ticket in response.data["results"])
    assert len(ten.captured_queries) == len(two.captured_queries)


# --- search ---------------------------------------------------------------------------

FILLER = "We looked into this carefully and will keep you updated as things move along. "


@pytest.fixture
def searchable(agent_bob):
    """Tickets with words where each search test needs them (and 'order' only as a
    whole word in one ticket and inside longer words in another)."""
    annabel = VisitorFactory(name="Annabel Quist", email="annabel@example.com")
    broken = TicketFactory(visitor=annabel, subject="Broken checkout")
    visitor_says(broken, "The checkout button does nothing")  # 1
    agent_says(broken, agent_bob, "Escalated to payments: invoice 77 is wrong", internal=True)  # 2
    visitor_says(broken, "Still broken, invoice 77 please")  # 3
    visitor_says(broken, "Thanks for the help")  # 4

    parcel = TicketFactory(visitor=VisitorFactory(name="Bert"), subject="Shipping question")
    visitor_says(parcel, FILLER * 2 + "The tracking number ZX99 never worked. " + FILLER * 2)

    resolved = TicketFactory(visitor=VisitorFactory(name="Cleo"), subject="Old question")
    visitor_says(resolved, "Was invoice 12 paid?")
    Ticket.objects.filter(pk=resolved.pk).update(status=Ticket.Status.RESOLVED)

    orders = TicketFactory(visitor=VisitorFactory(name="Dino"), subject="Mugs")
    visitor_says(orders, "I would like to reorder the blue mugs, two orders please")
    whole = TicketFactory(visitor=VisitorFactory(name="Emil"), subject="Mugs")
    visitor_says(whole, "My order arrived broken")
    return {
        "broken": broken,
        "parcel": parcel,
        "resolved": resolved,
        "orders": orders,
        "whole": whole,
    }


def search(api, query, **params):
    response = api.get("/api/agent/tickets/", {"q": query, **params})
    assert response.status_code == 200, response.data
    return response.data["results"]


def found(api, query, **params):
    return {ticket["id"] for ticket in search(api, query, **params)}


def test_search_finds_the_subject(bob_api, searchable):
    assert found(bob_api, "checkout") == {searchable["broken"].pk}
    assert found(bob_api, "shipping") == {searchable["parcel"].pk}


def test_search_finds_the_visitors_name_and_email_without_a_match(bob_api, searchable):
    for query in ["Quist", "annabel@example.com"]:
        [result] = search(bob_api, query)
        assert result["id"] == searchable["broken"].pk
        assert result["match"] is None


def test_search_finds_message_text_with_the_newest_matching_message(bob_api, searchable):
    [result] = search(bob_api, "invoice 77")
    assert result["id"] == searchable["broken"].pk
    assert result["match"]["seq"] == 3
    assert "invoice" in result["match"]["snippet"]


def test_search_finds_internal_notes(bob_api, searchable):
    [result] = search(bob_api, "escalated")
    assert result["id"] == searchable["broken"].pk
    assert result["match"]["seq"] == 2
    assert "Escalated" in result["match"]["snippet"]


def test_search_needs_every_word_somewhere_in_the_ticket(bob_api, searchable):
    assert found(bob_api, "tracking checkout") == set()  # in two different tickets
    # The words may be in different messages, or in the subject and a message;
    # the match is the newest message with any of them.
    [result] = search(bob_api, "payments thanks")
    assert result["match"]["seq"] == 4
    [result] = search(bob_api, "annabel payments")
    assert result["match"]["seq"] == 2


def test_search_takes_phrases_and_exclusions(bob_api, searchable):
    broken = searchable["broken"].pk
    assert found(bob_api, '"invoice 77 please"') == {broken}
    assert found(bob_api, '"please invoice"') == set()
    assert found(bob_api, "invoice -payments") == {searchable["resolved"].pk}
    assert found(bob_api, 'invoice "unclosed') == set()  # taken word by word


def test_a_snippet_is_the_text_around_the_word(bob_api, searchable):
    [result] = search(bob_api, "tracking")
    snippet = result["match"]["snippet"]
    assert result["match"]["seq"] == 1
    assert "tracking number ZX99" in snippet
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert len(snippet) < len(searchable["parcel"].messages.get().body)


def test_an_overlong_query_is_refused(bob_api, searchable):
    response = bob_api.get("/api/agent/tickets/", {"q": "x" * 201})
    assert response.status_code == 400
    assert "q" in response.data["fields"]


def test_html_in_a_query_is_only_text(bob_api, searchable):
    response = bob_api.get("/api/agent/tickets/", {"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert response.data["results"] == []


def test_a_query_and_a_view_narrow_together(bob_api, searchable):
    assert found(bob_api, "invoice") == {searchable["broken"].pk, searchable["resolved"].pk}
    assert found(bob_api, "invoice", view="resolved") == {searchable["resolved"].pk}
    assert found(bob_api, "invoice", view="all") == {searchable["broken"].pk}
    [result] = search(bob_api, "invoice", view="resolved")
    assert result["match"] == {"seq": 1, "snippet": "Was invoice 12 paid?"}


def test_a_result_without_q_has_no_match_key(bob_api, searchable):
    assert all(
        "match" not in ticket for ticket in bob_api.get("/api/agent/tickets/").data["results"]
    )


@pytest.mark.postgres
def test_postgres_searches_the_same_and_matches_whole_words(bob_api, searchable):
    assert found(bob_api, "checkout") == {searchable["broken"].pk}
    [by_name] = search(bob_api, "Quist")
    assert by_name["match"] is None
    [by_text] = search(bob_api, "invoice 77")
    assert by_text["match"]["seq"] == 3
    assert "invoice" in by_text["match"]["snippet"]
    assert search(bob_api, "escalated")[0]["match"]["seq"] == 2
    assert found(bob_api, "tracking checkout") == set()
    assert found(bob_api, "<script>alert(1)</script>") == set()
    assert found(bob_api, "invoice", view="resolved") == {searchable["resolved"].pk}
    # Full text: "order" is a word, not a substring of "reorder" or "orders".
    [whole] = search(bob_api, "order")
    assert whole["id"] == searchable["whole"].pk
    assert whole["match"] == {"seq": 1, "snippet": "My order arrived broken"}
    assert found(bob_api, "ORDER") == {searchable["whole"].pk}
    assert found(bob_api, "reorder") == {searchable["orders"].pk}


# --- changing a ticket -------------------------------------------------------------------


def test_assigning_to_a_colleague_with_a_note_records_it(bob_api, ticket_ann, agent_cat):
    response = bob_api.patch(
        detail(ticket_ann),
        {"assignee": agent_cat.user_id, "note": "She knows billing"},
        format="json",
    )
    assert response.status_code == 200
    assert response.data["assignee"] == {"id": agent_cat.user_id, "name": "Cat"}
    [line] = system_lines(ticket_ann)
    assert line.internal is True
    assert line.sender_type == "system"
    assert line.body == "Bob assigned this to Cat: She knows billing"
    ticket_ann.refresh_from_db()
    assert ticket_ann.assignee == agent_cat.user
    history = bob_api.get(f"/api/agent/tickets/{ticket_ann.pk}/messages/").data["messages"]
    assert history[-1]["sender"] == {"type": "system", "name": ""}
    assert history[-1]["internal"] is True


def test_taking_a_ticket_and_unassigning_it(bob_api, ticket_ann, agent_bob):
    response = bob_api.patch(detail(ticket_ann), {"assignee": agent_bob.user_id}, format="json")
    assert response.status_code == 200
    assert response.data["assignee"] == {"id": agent_bob.user_id, "name": "Bob"}
    assert bob_api.get("/api/agent/tickets/counts/").data["mine"] == 1

    response = bob_api.patch(detail(ticket_ann), {"assignee": None}, format="json")
    assert response.status_code == 200
    assert response.data["assignee"] is None
    assert [line.body for line in system_lines(ticket_ann)] == [
        "Bob took this",
        "Bob unassigned this",
    ]
    ticket_ann.refresh_from_db()
    assert ticket_ann.assignee is None


def test_moving_a_ticket_between_teams(bob_api, ticket_ann):
    billing = Team.objects.create(name="Billing")
    response = bob_api.patch(
        detail(ticket_ann), {"team": billing.pk, "note": "invoice question"}, format="json"
    )
    assert response.status_code == 200
    assert response.data["team"] == {"id": billing.pk, "name": "Billing"}

    response = bob_api.patch(detail(ticket_ann), {"team": None}, format="json")
    assert response.data["team"] is None
    assert [line.body for line in system_lines(ticket_ann)] == [
        "Bob moved this to Billing: invoice question",
        "Bob took this off its team",
    ]


def test_resolving_sets_resolved_at_and_reopening_clears_it(bob_api, ticket_ann):
    response = bob_api.patch(detail(ticket_ann), {"status": "resolved"}, format="json")
    assert response.status_code == 200
    assert response.data["status"] == "resolved"
    assert response.data["resolved_at"] is not None
    ticket_ann.refresh_from_db()
    assert ticket_ann.resolved_at is not None

    response = bob_api.patch(detail(ticket_ann), {"status": "open"}, format="json")
    assert response.data["status"] == "open"
    assert response.data["resolved_at"] is None
    ticket_ann.refresh_from_db()
    assert ticket_ann.resolved_at is None
    assert [line.body for line in system_lines(ticket_ann)] == [
        "Bob set the status to Resolved",
        "Bob set the status to Open",
    ]


def test_closing_records_its_line_and_a_closed_ticket_keeps_recording(bob_api, ticket_ann):
    response = bob_api.patch(detail(ticket_ann), {"status": "closed"}, format="json")
    assert response.status_code == 200
    assert response.data["status"] == "closed"
    assert response.data["resolved_at"] is not None

    response = bob_api.patch(detail(ticket_ann), {"priority": "low"}, format="json")
    assert response.status_code == 200
    assert response.data["priority"] == "low"
    assert response.data["status"] == "closed"
    assert [line.body for line in system_lines(ticket_ann)] == [
        "Bob set the status to Closed",
        "Bob set the priority to Low",
    ]


def test_changing_the_priority(bob_api, ticket_ann):
    response = bob_api.patch(detail(ticket_ann), {"priority": "urgent"}, format="json")
    assert response.status_code == 200
    assert response.data["priority"] == "urgent"
    ticket_ann.refresh_from_db()
    assert ticket_ann.priority == Ticket.Priority.URGENT
    assert [line.body for line in system_lines(ticket_ann)] == ["Bob set the priority to Urgent"]


def test_several_changes_make_one_line(bob_api, ticket_ann, agent_cat):
    response = bob_api.patch(
        detail(ticket_ann),
        {"assignee": agent_cat.user_id, "status": "pending", "priority": "high"},
        format="json",
    )
    assert response.status_code == 200
    assert [line.body for line in system_lines(ticket_ann)] == [
        "Bob assigned this to Cat · Bob set the status to Pending · Bob set the priority to High"
    ]


def test_tags_are_added_and_removed(bob_api, ticket_ann):
    response = bob_api.patch(detail(ticket_ann), {"tags": ["billing", "VIP"]}, format="json")
    assert response.status_code == 200
    assert response.data["tags"] == ["billing", "VIP"]

    response = bob_api.patch(detail(ticket_ann), {"tags": ["billing", "refund"]}, format="json")
    assert response.data["tags"] == ["billing", "refund"]
    assert sorted(ticket_ann.tags.values_list("name", flat=True)) == ["billing", "refund"]
    assert [line.body for line in system_lines(ticket_ann)] == [
        "Bob tagged this billing, VIP",
        "Bob tagged this refund · Bob removed the tag VIP",
    ]


def test_a_tag_reuses_an_existing_one_whatever_its_case_and_dedupes(bob_api, ticket_ann):
    vip = Tag.objects.create(name="VIP")
    response = bob_api.patch(
        detail(ticket_ann), {"tags": ["vip", "Vip", " VIP ", "new", "NEW"]}, format="json"
    )
    assert response.status_code == 200
    assert response.data["tags"] == ["new", "VIP"]
    assert Tag.objects.count() == 2
    assert vip in ticket_ann.tags.all()

    # Same tags in another case: nothing changed, nothing recorded.
    lines = len(system_lines(ticket_ann))
    response = bob_api.patch(detail(ticket_ann), {"tags": ["vip", "New"]}, format="json")
    assert response.data["tags"] == ["new", "VIP"]
    assert len(system_lines(ticket_ann)) == lines


def test_tags_are_limited_in_number_and_length(bob_api, ticket_ann):
    twenty = [f"tag-{n}" for n in range(20)]
    assert bob_api.patch(detail(ticket_ann), {"tags": twenty}, format="json").status_code == 200
    assert ticket_ann.tags.count() == 20

    response = bob_api.patch(detail(ticket_ann), {"tags": [*twenty, "tag-20"]}, format="json")
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert "tags" in response.data["fields"]

    response = bob_api.patch(detail(ticket_ann), {"tags": ["a" * 51]}, format="json")
    assert response.status_code == 400
    assert "tags" in response.data["fields"]
    assert ticket_ann.tags.count() == 20

    response = bob_api.patch(detail(ticket_ann), {"tags": ["a" * 50]}, format="json")
    assert response.status_code == 200
    assert response.data["tags"] == ["a" * 50]


def test_html_in_tags_and_notes_is_stored_as_text(bob_api, ticket_ann, agent_cat):
    tag = "<img src=x onerror=alert(1)>"
    note = "<script>alert('hi')</script> & more"
    response = bob_api.patch(
        detail(ticket_ann),
        {"tags": [tag], "assignee": agent_cat.user_id, "note": note},
        format="json",
    )
    assert response.status_code == 200
    assert response.data["tags"] == [tag]
    assert Tag.objects.get().name == tag
    [line] = system_lines(ticket_ann)
    assert line.body == f"Bob assigned this to Cat: {note} · Bob tagged this {tag}"


def test_changing_nothing_records_nothing(
    bob_api, ticket_ann, broadcasts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_api.patch(
            detail(ticket_ann),
            {
                "status": ticket_ann.status,
                "priority": ticket_ann.priority,
                "assignee": None,
                "tags": [],
            },
            format="json",
        )
    assert response.status_code == 200
    assert response.data["status"] == ticket_ann.status
    assert not Message.objects.filter(ticket=ticket_ann).exists()
    assert broadcasts == []


def test_a_note_without_a_transfer_is_refused_and_nothing_is_saved(bob_api, ticket_ann):
    response = bob_api.patch(
        detail(ticket_ann),
        {"status": "pending", "tags": ["late"], "note": "waiting for them"},
        format="json",
    )
    assert response.status_code == 400
    assert response.data["code"] == "note_without_transfer"
    ticket_ann.refresh_from_db()
    assert ticket_ann.status == Ticket.Status.NEW
    assert not ticket_ann.tags.exists()
    assert not Tag.objects.exists()
    assert not Message.objects.filter(ticket=ticket_ann).exists()


def test_a_note_for_the_current_assignee_is_no_transfer(bob_api, agent_cat):
    ticket = TicketFactory(assignee=agent_cat.user)
    response = bob_api.patch(
        detail(ticket), {"assignee": agent_cat.user_id, "note": "still hers"}, format="json"
    )
    assert response.status_code == 400
    assert response.data["code"] == "note_without_transfer"


@pytest.mark.parametrize("who", ["not_an_agent", "inactive_agent", "nobody"])
def test_the_assignee_must_be_an_active_agent(bob_api, ticket_ann, who):
    if who == "not_an_agent":
        user_id = UserFactory().pk
    elif who == "inactive_agent":
        user_id = AgentFactory(user__is_active=False).user_id
    else:
        user_id = 424242
    response = bob_api.patch(detail(ticket_ann), {"assignee": user_id}, format="json")
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert "assignee" in response.data["fields"]
    ticket_ann.refresh_from_db()
    assert ticket_ann.assignee is None


def test_an_unknown_team_is_refused(bob_api, ticket_ann):
    response = bob_api.patch(detail(ticket_ann), {"team": 424242}, format="json")
    assert response.status_code == 400
    assert "team" in response.data["fields"]


def test_bad_status_or_priority_is_refused(bob_api, ticket_ann):
    assert bob_api.patch(detail(ticket_ann), {"status": "gone"}, format="json").status_code == 400
    assert bob_api.patch(detail(ticket_ann), {"priority": "meh"}, format="json").status_code == 400


def test_changing_an_unknown_ticket_answers_404(bob_api):
    response = bob_api.patch("/api/agent/tickets/424242/", {"status": "open"}, format="json")
    assert response.status_code == 404
    assert response.data["code"] == "not_found"


def test_a_change_reaches_agents_in_full_and_the_visitor_in_part(
    bob_api, ticket_ann, agent_cat, broadcasts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_api.patch(
            detail(ticket_ann),
            {"assignee": agent_cat.user_id, "status": "pending", "note": "billing"},
            format="json",
        )
    assert response.status_code == 200

    to_agents = [event for groups, event in broadcasts if groups == [events.AGENTS_GROUP]]
    [updated] = [event for event in to_agents if event["type"] == "ticket.updated"]
    assert updated["ticket"]["assignee"] == {"id": agent_cat.user_id, "name": "Cat"}
    assert updated["ticket"]["status"] == "pending"

    to_thread = [event for groups, event in broadcasts if groups == [f"ticket-{ticket_ann.pk}"]]
    [note] = [event for event in to_thread if event["type"] == "message.new"]
    assert note["message"]["internal"] is True
    assert "Cat" in note["message"]["body"]

    visitor_group = events.visitor_group(ticket_ann.visitor_id)
    to_visitor = [event for groups, event in broadcasts if visitor_group in groups]
    assert [event["type"] for event in to_visitor] == ["ticket.updated"]
    assert set(to_visitor[0]["ticket"]) == VISITOR_TICKET_FIELDS
    assert to_visitor[0]["ticket"]["status"] == "pending"


# --- history pages ------------------------------------------------------------------------


@pytest.fixture
def seven_messages(ticket_ann, agent_bob):
    """Seqs 1-7; 3 and 6 are internal notes."""
    for seq in range(1, 8):
        if seq in {3, 6}:
            agent_says(ticket_ann, agent_bob, f"note {seq}", internal=True)
        else:
            visitor_says(ticket_ann, f"message {seq}")
    return ticket_ann


def history(api, path, **params):
    response = api.get(path, params)
    assert response.status_code == 200, response.data
    return [m["seq"] for m in response.data["messages"]], response.data.get("has_more")


def test_agent_history_pages_back_from_the_newest(bob_api, seven_messages):
    path = f"/api/agent/tickets/{seven_messages.pk}/messages/"
    assert history(bob_api, path, limit=3) == ([5, 6, 7], True)
    assert history(bob_api, path, before=5, limit=3) == ([2, 3, 4], True)
    assert history(bob_api, path, before=2, limit=3) == ([1], False)
    assert history(bob_api, path, before=4, limit=3) == ([1, 2, 3], False)


def test_agent_history_pages_forward_without_has_more(bob_api, seven_messages):
    response = bob_api.get(f"/api/agent/tickets/{seven_messages.pk}/messages/?after=5")
    assert [m["seq"] for m in response.data["messages"]] == [6, 7]
    assert "has_more" not in response.data
    assert response.data["last_seq"] == 7


def test_after_and_before_together_are_refused(bob_api, seven_messages):
    response = bob_api.get(f"/api/agent/tickets/{seven_messages.pk}/messages/?after=1&before=5")
    assert response.status_code == 400
    assert response.data["code"] == "invalid"


def test_the_visitors_pages_back_never_hold_internal_notes(seven_messages):
    api = as_visitor(APIClient(), seven_messages.visitor)
    path = f"/api/widget/tickets/{seven_messages.pk}/messages/"
    assert history(api, path) == ([1, 2, 4, 5, 7], False)
    assert history(api, path, limit=2) == ([5, 7], True)
    assert history(api, path, before=7, limit=2) == ([4, 5], True)
    assert history(api, path, before=5, limit=10) == ([1, 2, 4], False)
    assert history(api, path, before=4, limit=2) == ([1, 2], False)
    response = api.get(path, {"before": 8})
    assert all(not m["internal"] for m in response.data["messages"])
    assert "note" not in str(response.data)


# --- attachments ------------------------------------------------------------------------


def agent_upload(api, ticket, name, content, **fields):
    return api.post(
        f"/api/agent/tickets/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content, "image/png"), **fields},
        format="multipart",
    )


def test_an_agent_attaches_an_internal_picture(
    bob_api, ticket_ann, media_root, broadcasts, django_capture_on_commit_callbacks
):
    visitor_says(ticket_ann, "It shows an error")
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_upload(
            bob_api, ticket_ann, "screen.png", PNG, internal="true", body="What they see"
        )
    assert response.status_code == 201
    message = response.data["message"]
    assert message["internal"] is True
    assert message["seq"] == 2
    assert message["body"] == "What they see"
    assert message["attachment"]["content_type"] == "image/png"
    assert message["attachment"]["name"] == "screen.png"
    assert Message.objects.get(pk=message["id"]).attachment_size == len(PNG)

    agent_view = bob_api.get(f"/api/agent/tickets/{ticket_ann.pk}/messages/").data
    assert [m["seq"] for m in agent_view["messages"]] == [1, 2]
    visitor_api = as_visitor(APIClient(), ticket_ann.visitor)
    visitor_view = visitor_api.get(f"/api/widget/tickets/{ticket_ann.pk}/messages/").data
    assert [m["seq"] for m in visitor_view["messages"]] == [1]
    assert visitor_view["last_seq"] == 1

    visitor_group = events.visitor_group(ticket_ann.visitor_id)
    assert not [event for groups, event in broadcasts if visitor_group in groups]


def test_an_agent_attachment_to_the_visitor_reaches_them(bob_api, ticket_ann, media_root):
    response = agent_upload(bob_api, ticket_ann, "how-to.png", PNG)
    assert response.status_code == 201
    assert response.data["message"]["internal"] is False
    visitor_api = as_visitor(APIClient(), ticket_ann.visitor)
    visitor_view = visitor_api.get(f"/api/widget/tickets/{ticket_ann.pk}/messages/").data
    assert [m["attachment"]["name"] for m in visitor_view["messages"]] == ["how-to.png"]


def test_a_disguised_file_is_refused(bob_api, ticket_ann, media_root):
    response = agent_upload(bob_api, ticket_ann, "shot.png", b"<html><script>x</script></html>")
    assert response.status_code == 400
    assert response.data["code"] == "attachment_type"
    assert not Message.objects.filter(ticket=ticket_ann).exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]


def test_an_attachment_to_an_unknown_ticket_answers_404(bob_api, media_root):
    ticket = Ticket(pk=424242)
    assert agent_upload(bob_api, ticket, "a.png", PNG).status_code == 404


# --- the visitor sidebar --------------------------------------------------------------------


@pytest.fixture
def dora(widget):
    return VisitorFactory(
        widget=widget,
        name="Dora",
        email="dora@example.com",
        metadata={
            "user_agent": FIREFOX_ON_WINDOWS,
            "page_url": "https://shop.example/cart",
            "referrer": "https://search.example/?q=mugs",
            "timezone": "Europe/Berlin",
            "locale": "de-DE",
        },
    )


def sidebar(api, ticket):
    response = api.get(f"/api/agent/tickets/{ticket.pk}/visitor/")
    assert response.status_code == 200, response.data
    return response.data


def test_the_sidebar_tells_who_the_visitor_is(bob_api, dora):
    ticket = TicketFactory(visitor=dora)
    data = sidebar(bob_api, ticket)
    assert data["id"] == str(dora.pk)
    assert data["name"] == "Dora"
    assert data["email"] == "dora@example.com"
    assert data["browser"] == "Firefox 133"
    assert data["os"] == "Windows"
    assert data["page_url"] == "https://shop.example/cart"
    assert data["referrer"] == "https://search.example/?q=mugs"
    assert data["locale"] == "de-DE"
    assert data["timezone"] == "Europe/Berlin"
    assert re.search(r"[+]0[12]:00$", data["local_time"])
    local = datetime.fromisoformat(data["local_time"])
    assert abs(local - timezone.now()) < timedelta(minutes=1)
    assert data["first_seen_at"] is not None


# The widget reports the zone the browser names: anything may come.
@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "zone.tab", "Europe/"])
def test_an_unknown_timezone_gives_no_local_time(bob_api, dora, zone):
    dora.metadata = {**dora.metadata, "timezone": zone}
    dora.save()
    data = sidebar(bob_api, TicketFactory(visitor=dora))
    assert data["timezone"] == zone
    assert data["local_time"] is None
    assert data["browser"] == "Firefox 133"


def test_a_visitor_without_metadata_gives_empty_fields(bob_api, ticket_ben):
    data = sidebar(bob_api, ticket_ben)
    assert data["browser"] == ""
    assert data["os"] == ""
    assert data["local_time"] is None
    assert data["tickets"] == []


def test_the_sidebar_says_whether_the_visitor_is_online(bob_api, dora):
    ticket = TicketFactory(visitor=dora)
    assert sidebar(bob_api, ticket)["online"] is False
    VISITORS.connect(dora.pk)
    assert sidebar(bob_api, ticket)["online"] is True
    VISITORS.disconnect(dora.pk)
    assert sidebar(bob_api, ticket)["online"] is False


def test_the_sidebar_lists_only_this_visitors_other_tickets(bob_api, dora, ticket_ben):
    first = TicketFactory(visitor=dora, subject="First")
    second = TicketFactory(visitor=dora, subject="Second", status=Ticket.Status.RESOLVED)
    current = TicketFactory(visitor=dora, subject="Current")
    data = sidebar(bob_api, current)
    assert [t["id"] for t in data["tickets"]] == [second.pk, first.pk]
    assert data["tickets"][0]["status"] == "resolved"
    assert data["tickets"][0]["subject"] == "Second"
    assert str(ticket_ben.pk) not in [str(t["id"]) for t in data["tickets"]]
    assert "Ben" not in str(data)
    assert str(ticket_ben.visitor_id) not in str(data)


def test_the_sidebar_of_another_ticket_shows_that_visitor(bob_api, dora, ticket_ben):
    TicketFactory(visitor=dora)
    data = sidebar(bob_api, ticket_ben)
    assert data["name"] == "Ben"
    assert data["tickets"] == []
    assert "Dora" not in str(data)
    assert "dora@example.com" not in str(data)
    assert "Firefox" not in str(data)


def test_the_sidebar_of_an_unknown_ticket_answers_404(bob_api):
    response = bob_api.get("/api/agent/tickets/424242/visitor/")
    assert response.status_code == 404
    assert response.data["code"] == "not_found"


# --- canned responses ----------------------------------------------------------------------


@pytest.fixture
def canned(agent_bob, agent_cat):
    return {
        "shared": CannedResponse.objects.create(shortcut="greet", body="Hello there!"),
        "bobs": CannedResponse.objects.create(
            shortcut="refund", body="We refunded your order.", owner=agent_bob.user
        ),
        "cats": CannedResponse.objects.create(
            shortcut="catnap", body="Back there in a minute.", owner=agent_cat.user
        ),
    }


def shortcuts(response):
    assert response.status_code == 200, response.data
    return [item["shortcut"] for item in response.data["results"]]


def test_an_agent_sees_the_shared_answers_and_their_own(bob_api, canned):
    response = bob_api.get("/api/agent/canned/")
    by_shortcut = {item["shortcut"]: item for item in response.data["results"]}
    assert shortcuts(response) == ["greet", "refund"]
    assert by_shortcut["greet"] == {
        "id": canned["shared"].pk,
        "shortcut": "greet",
        "body": "Hello there!",
        "shared": True,
        "mine": False,
    }
    assert by_shortcut["refund"]["shared"] is False
    assert by_shortcut["refund"]["mine"] is True


def test_q_matches_a_shortcuts_start_or_any_of_the_text(bob_api, canned):
    assert shortcuts(bob_api.get("/api/agent/canned/", {"q": "gre"})) == ["greet"]
    assert shortcuts(bob_api.get("/api/agent/canned/", {"q": "REF"})) == ["refund"]
    assert shortcuts(bob_api.get("/api/agent/canned/", {"q": "reet"})) == []
    # "there" is in Cat's answer too, which Bob does not see.
    assert shortcuts(bob_api.get("/api/agent/canned/", {"q": "there"})) == ["greet"]
    assert shortcuts(bob_api.get("/api/agent/canned/", {"q": "your order"})) == ["refund"]
    assert shortcuts(bob_api.get("/api/agent/canned/", {"q": "catnap"})) == []
    assert shortcuts(bob_api.get("/api/agent/canned/", {"q": ""})) == ["greet", "refund"]


def test_shortcuts_starting_with_q_come_before_answers_that_only_mention_it(bob_api, canned):
    """Typing /ho means /hours, not /hello whose text says "how": Enter takes the first."""
    CannedResponse.objects.create(shortcut="hello", body="Hello! how can I help?")
    CannedResponse.objects.create(shortcut="hours", body="We are open 9 to 5.")
    CannedResponse.objects.create(shortcut="shop", body="Our shop is online.")
    assert shortcuts(bob_api.get("/api/agent/canned/", {"q": "ho"})) == ["hours", "hello", "shop"]
    assert shortcuts(bob_api.get("/api/agent/canned/", {"q": "HO"})) == ["hours", "hello", "shop"]
    # Among shortcut matches, and among text matches, the order is alphabetical.
    assert shortcuts(bob_api.get("/api/agent/canned/", {"q": "h"})) == [
        "hello",
        "hours",
        "greet",
        "shop",
    ]


def test_an_agent_saves_their_own_answer(bob_api, agent_bob, canned):
    response = bob_api.post(
        "/api/agent/canned/", {"shortcut": "thanks", "body": "  Thank you!  "}, format="json"
    )
    assert response.status_code == 201
    assert response.data["mine"] is True
    assert response.data["shared"] is False
    assert response.data["body"] == "Thank you!"
    saved = CannedResponse.objects.get(pk=response.data["id"])
    assert saved.owner == agent_bob.user
    assert "thanks" in shortcuts(bob_api.get("/api/agent/canned/"))


def test_a_shortcut_another_agent_has_is_free(bob_api, canned):
    response = bob_api.post(
        "/api/agent/canned/", {"shortcut": "catnap", "body": "Mine"}, format="json"
    )
    assert response.status_code == 201


def test_a_duplicate_shortcut_or_an_empty_body_is_refused(bob_api, canned):
    count = CannedResponse.objects.count()
    response = bob_api.post(
        "/api/agent/canned/", {"shortcut": "refund", "body": "Again"}, format="json"
    )
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert "shortcut" in response.data["fields"]

    response = bob_api.post(
        "/api/agent/canned/", {"shortcut": "blank", "body": "   "}, format="json"
    )
    assert response.status_code == 400
    assert "body" in response.data["fields"]

    for shortcut in ("<script>", "two words", "x" * 41, ""):
        response = bob_api.post(
            "/api/agent/canned/", {"shortcut": shortcut, "body": "Hi"}, format="json"
        )
        assert response.status_code == 400, shortcut
        assert "shortcut" in response.data["fields"]
    assert CannedResponse.objects.count() == count


def test_an_answer_longer_than_a_message_is_refused(bob_api, settings):
    body = "x" * (settings.PARLEY["MESSAGE_MAX_LENGTH"] + 1)
    response = bob_api.post("/api/agent/canned/", {"shortcut": "long", "body": body}, format="json")
    assert response.status_code == 400
    assert "body" in response.data["fields"]
    assert not CannedResponse.objects.exists()


def test_an_agent_edits_and_deletes_their_own(bob_api, canned):
    mine = canned["bobs"]
    response = bob_api.patch(f"/api/agent/canned/{mine.pk}/", {"body": "Refunded!"}, format="json")
    assert response.status_code == 200
    assert response.data["body"] == "Refunded!"
    assert response.data["shortcut"] == "refund"
    mine.refresh_from_db()
    assert mine.body == "Refunded!"

    assert bob_api.delete(f"/api/agent/canned/{mine.pk}/").status_code == 204
    assert not CannedResponse.objects.filter(pk=mine.pk).exists()


def test_renaming_to_a_taken_shortcut_is_refused(bob_api, agent_bob, canned):
    other = CannedResponse.objects.create(shortcut="other", body="x", owner=agent_bob.user)
    response = bob_api.patch(
        f"/api/agent/canned/{other.pk}/", {"shortcut": "refund"}, format="json"
    )
    assert response.status_code == 400
    assert "shortcut" in response.data["fields"]
    # Keeping its own shortcut is no clash.
    response = bob_api.patch(f"/api/agent/canned/{other.pk}/", {"shortcut": "other"}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize("whose", ["cats", "shared"])
def test_others_answers_look_missing_to_a_non_staff_agent(bob_api, canned, whose):
    target = canned[whose]
    response = bob_api.patch(f"/api/agent/canned/{target.pk}/", {"body": "Mine now"}, format="json")
    assert response.status_code == 404
    assert response.data["code"] == "not_found"
    assert bob_api.delete(f"/api/agent/canned/{target.pk}/").status_code == 404
    target.refresh_from_db()
    assert target.body != "Mine now"


def test_staff_may_edit_a_shared_answer_but_not_a_colleagues(bob_api, agent_bob, canned):
    agent_bob.user.is_staff = True
    agent_bob.user.save()
    bob_api.force_authenticate(agent_bob.user)
    shared = canned["shared"]
    response = bob_api.patch(f"/api/agent/canned/{shared.pk}/", {"body": "Hi!"}, format="json")
    assert response.status_code == 200
    assert response.data["shared"] is True
    shared.refresh_from_db()
    assert shared.body == "Hi!"
    assert shared.owner is None
    cats = canned["cats"]
    assert (
        bob_api.patch(f"/api/agent/canned/{cats.pk}/", {"body": "x"}, format="json").status_code
        == 404
    )


# --- teams and agents ------------------------------------------------------------------------


def test_the_team_list(bob_api):
    sales = Team.objects.create(name="Sales")
    billing = Team.objects.create(name="Billing")
    response = bob_api.get("/api/agent/teams/")
    assert response.status_code == 200
    assert response.data == {
        "results": [{"id": billing.pk, "name": "Billing"}, {"id": sales.pk, "name": "Sales"}]
    }


def test_the_agent_list_has_avatars_and_connections(bob_api, agent_bob, agent_cat):
    AgentFactory(display_name="Gone", user__is_active=False)
    AGENTS.connect(agent_cat.user_id)
    response = bob_api.get("/api/agent/agents/")
    assert response.status_code == 200
    by_name = {agent["name"]: agent for agent in response.data["results"]}
    assert set(by_name) == {"Bob", "Cat"}
    assert by_name["Cat"] == {
        "id": agent_cat.user_id,
        "name": "Cat",
        "status": "online",
        "connected": True,
        "avatar": f"/api/avatars/{agent_cat.user_id}/",
    }
    assert by_name["Bob"]["connected"] is False
    assert bob_api.get(by_name["Bob"]["avatar"]).status_code == 200


# --- who may call ------------------------------------------------------------------------

ENDPOINTS = [
    ("get", "/api/agent/tickets/"),
    ("get", "/api/agent/tickets/counts/"),
    ("get", "/api/agent/tickets/{ticket}/"),
    ("patch", "/api/agent/tickets/{ticket}/"),
    ("get", "/api/agent/tickets/{ticket}/messages/"),
    ("post", "/api/agent/tickets/{ticket}/messages/"),
    ("post", "/api/agent/tickets/{ticket}/attachments/"),
    ("get", "/api/agent/tickets/{ticket}/visitor/"),
    ("get", "/api/agent/canned/"),
    ("post", "/api/agent/canned/"),
    ("patch", "/api/agent/canned/{canned}/"),
    ("delete", "/api/agent/canned/{canned}/"),
    ("get", "/api/agent/teams/"),
    ("get", "/api/agent/agents/"),
]
BODIES = {
    "patch": {"status": "closed", "body": "changed", "assignee": None},
    "post": {"body": "hello", "shortcut": "sneaky"},
}


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("who", ["anonymous", "not_an_agent", "inactive_agent"])
def test_every_endpoint_refuses_anyone_but_an_agent(ticket_ann, method, path, who):
    shared = CannedResponse.objects.create(shortcut="greet", body="Hello")
    api = APIClient()
    if who == "not_an_agent":
        api.force_authenticate(UserFactory())
    elif who == "inactive_agent":
        api.force_authenticate(AgentFactory(user__is_active=False).user)
    url = path.format(ticket=ticket_ann.pk, canned=shared.pk)
    body = BODIES.get(method)
    if url.endswith("/attachments/"):
        body = {"file": SimpleUploadedFile("a.png", PNG, "image/png")}
    kwargs = {"format": "multipart" if url.endswith("/attachments/") else "json"} if body else {}
    response = getattr(api, method)(url, body, **kwargs) if body else getattr(api, method)(url)
    assert response.status_code == 403
    expected = "not_authenticated" if who == "anonymous" else "permission_denied"
    assert response.data["code"] == expected
    ticket_ann.refresh_from_db()
    assert ticket_ann.status == Ticket.Status.NEW
    assert not Message.objects.exists()
    assert list(CannedResponse.objects.values_list("shortcut", "body")) == [("greet", "Hello")]
