"""The widget REST API: session, history and the fallback send."""

import pytest

from chat.models import Message
from chat.services import Sender, post_message
from chat.visitor_auth import visitor_token
from helpdesk.models import Ticket, Visitor

from ..conftest import as_visitor

pytestmark = pytest.mark.django_db


def test_a_new_session_creates_a_visitor_with_what_the_widget_reports(api, widget):
    response = api.post(
        "/api/widget/session/",
        {
            "key": widget.key,
            "name": "Ann",
            "page_url": "https://shop.example/cart",
            "locale": "de-DE",
        },
        format="json",
        HTTP_USER_AGENT="Mozilla/5.0 Test",
    )
    assert response.status_code == 200
    visitor = Visitor.objects.get(pk=response.data["visitor"]["id"])
    assert visitor.name == "Ann"
    assert visitor.widget == widget
    assert visitor.metadata == {
        "page_url": "https://shop.example/cart",
        "locale": "de-DE",
        "user_agent": "Mozilla/5.0 Test",
    }
    assert response.data["agents_online"] is False
    assert response.data["tickets"] == []


def test_a_session_refresh_keeps_the_visitor_and_lists_their_tickets(api, ticket_ann):
    visitor = ticket_ann.visitor
    response = api.post(
        "/api/widget/session/",
        {"key": visitor.widget.key, "token": visitor_token(visitor)},
        format="json",
    )
    assert response.data["visitor"]["id"] == str(ticket_ann.visitor_id)
    assert [t["id"] for t in response.data["tickets"]] == [ticket_ann.pk]
    assert Visitor.objects.count() == 1


def test_a_forged_session_token_starts_a_new_visitor(api, visitor_ann):
    response = api.post(
        "/api/widget/session/",
        {"key": visitor_ann.widget.key, "token": "forged:abc:def"},
        format="json",
    )
    assert response.status_code == 200
    assert response.data["visitor"]["id"] != str(visitor_ann.pk)


def test_a_blocked_visitor_gets_no_session(api, visitor_ann):
    Visitor.objects.filter(pk=visitor_ann.pk).update(is_blocked=True)
    response = api.post(
        "/api/widget/session/",
        {"key": visitor_ann.widget.key, "token": visitor_token(visitor_ann)},
        format="json",
    )
    assert response.status_code == 403
    assert response.data["code"] == "blocked"


def test_bad_session_fields_get_field_errors(api):
    response = api.post(
        "/api/widget/session/", {"email": "not-an-email", "name": "x" * 500}, format="json"
    )
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert set(response.data["fields"]) == {"email", "name", "key"}
    assert not Visitor.objects.exists()


def test_history_after_a_seq_excludes_internal_notes(api, ticket_ann, agent_bob):
    visitor = Sender.for_visitor(ticket_ann.visitor)
    agent = Sender.for_agent(agent_bob.user, "Bob")
    post_message(ticket=ticket_ann, sender=visitor, body="one")
    post_message(ticket=ticket_ann, sender=agent, body="secret", internal=True)
    post_message(ticket=ticket_ann, sender=agent, body="three")

    response = as_visitor(api, ticket_ann.visitor).get(
        f"/api/widget/tickets/{ticket_ann.pk}/messages/?after=1"
    )
    assert response.status_code == 200
    assert response.data["last_seq"] == 3
    assert [(m["seq"], m["body"]) for m in response.data["messages"]] == [(3, "three")]


@pytest.mark.parametrize(
    "query",
    [
        "after=-1",
        "after=abc",
        "limit=0",
        "limit=100000",
        "before=0",
        "before=x",
        "after=1&before=5",
    ],
)
def test_bad_history_queries_are_refused(api, ticket_ann, query):
    response = as_visitor(api, ticket_ann.visitor).get(
        f"/api/widget/tickets/{ticket_ann.pk}/messages/?{query}"
    )
    assert response.status_code == 400
    assert response.data["code"] == "invalid"


def test_another_visitors_ticket_answers_404(api, ticket_ann, visitor_ben):
    client = as_visitor(api, visitor_ben)
    url = f"/api/widget/tickets/{ticket_ann.pk}/messages/"
    assert client.get(url).status_code == 404
    response = client.post(url, {"body": "hijack", "client_id": "x"}, format="json")
    assert response.status_code == 404
    assert response.data == {"code": "not_found", "message": "Not found."}
    assert not Message.objects.exists()


@pytest.mark.parametrize("header", [None, "Visitor", "Visitor forged", "Visitor a b", "Bearer x"])
def test_missing_or_forged_tokens_are_refused(api, ticket_ann, header):
    if header:
        api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(f"/api/widget/tickets/{ticket_ann.pk}/messages/")
    assert response.status_code in {401, 403}
    assert response.data["code"] in {"not_authenticated", "authentication_failed"}


def test_the_fallback_send_is_idempotent_by_client_id(api, ticket_ann):
    client = as_visitor(api, ticket_ann.visitor)
    url = f"/api/widget/tickets/{ticket_ann.pk}/messages/"
    first = client.post(url, {"body": "via REST", "client_id": "r-1"}, format="json")
    again = client.post(url, {"body": "via REST", "client_id": "r-1"}, format="json")
    assert first.status_code == again.status_code == 201
    assert first.data == again.data
    assert first.data["message"]["seq"] == 1
    assert Message.objects.filter(ticket=ticket_ann).count() == 1


def test_starting_a_conversation_over_rest(api, visitor_ann):
    response = as_visitor(api, visitor_ann).post(
        "/api/widget/tickets/", {"body": "<b>Hi</b>", "client_id": "s-1"}, format="json"
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.data["ticket"])
    assert ticket.visitor == visitor_ann
    assert response.data["message"]["body"] == "<b>Hi</b>"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"body": "x" * 5001}, "body_too_long"),
        ({"body": "   "}, "empty_body"),
        ({}, "invalid"),
        ({"body": "hi", "client_id": "x" * 65}, "invalid"),
    ],
)
def test_bad_sends_are_refused_and_store_nothing(api, ticket_ann, payload, code):
    response = as_visitor(api, ticket_ann.visitor).post(
        f"/api/widget/tickets/{ticket_ann.pk}/messages/", payload, format="json"
    )
    assert response.status_code == 400
    assert response.data["code"] == code
    assert not Message.objects.exists()


def test_the_widget_api_answers_any_origin_without_credentials(api):
    response = api.options(
        "/api/widget/session/",
        HTTP_ORIGIN="https://shop.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "authorization" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


def test_the_agent_api_sends_no_cors_headers(api):
    response = api.get("/api/agent/tickets/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response
