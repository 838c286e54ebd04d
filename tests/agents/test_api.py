"""The agent REST API."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chat.services import Sender, post_message
from helpdesk.models import Ticket
from helpdesk.presence import AGENTS

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_agent_api_needs_an_agent(api):
    assert api.get("/api/agent/tickets/").status_code == 403
    api.force_authenticate(UserFactory())
    response = api.get("/api/agent/tickets/")
    assert response.status_code == 403
    assert response.data["code"] == "permission_denied"


def test_ticket_list_filters_by_status(bob_api, ticket_ann, ticket_ben):
    Ticket.objects.filter(pk=ticket_ben.pk).update(status=Ticket.Status.RESOLVED)
    response = bob_api.get("/api/agent/tickets/?status=new&status=open")
    assert [t["id"] for t in response.data["results"]] == [ticket_ann.pk]
    assert bob_api.get("/api/agent/tickets/?status=bogus").status_code == 400


def test_agent_history_includes_internal_notes(bob_api, ticket_ann, agent_bob):
    post_message(ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body="hi")
    post_message(
        ticket=ticket_ann, sender=Sender.for_agent(agent_bob.user, "Bob"), body="n", internal=True
    )
    response = bob_api.get(f"/api/agent/tickets/{ticket_ann.pk}/messages/")
    assert [m["internal"] for m in response.data["messages"]] == [False, True]


def test_history_reads_a_fixed_number_of_queries(bob_api, ticket_ann, django_assert_num_queries):
    for n in range(20):
        post_message(ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body=str(n))
    # agent profile, ticket, messages
    with django_assert_num_queries(3):
        response = bob_api.get(f"/api/agent/tickets/{ticket_ann.pk}/messages/?limit=50")
    assert len(response.data["messages"]) == 20


def test_an_integrator_replies_with_a_token(api, agent_bob, ticket_ann):
    token = Token.objects.create(user=agent_bob.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post(
        f"/api/agent/tickets/{ticket_ann.pk}/messages/",
        {"body": "Replying from our CRM", "client_id": "crm-1"},
        format="json",
    )
    assert response.status_code == 201
    assert response.data["message"]["sender"] == {
        "type": "agent",
        "name": agent_bob.display_name,
        "avatar": f"/api/avatars/{agent_bob.user_id}/",
    }
    ticket_ann.refresh_from_db()
    assert ticket_ann.status == Ticket.Status.OPEN


def test_an_unknown_ticket_answers_404(bob_api):
    assert bob_api.get("/api/agent/tickets/424242/").status_code == 404
    assert bob_api.get("/api/agent/tickets/424242/messages/").status_code == 404


def test_the_agent_list_shows_presence(bob_api, agent_bob, agent_cat):
    AGENTS.connect(agent_bob.user_id)
    response = bob_api.get("/api/agent/agents/")
    connected = {agent["name"]: agent["connected"] for agent in response.data["results"]}
    assert connected == {"Bob": True, "Cat": False}


def test_the_session_api_needs_csrf(agent_bob, ticket_ann):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent_bob.user)
    response = client.post(
        f"/api/agent/tickets/{ticket_ann.pk}/messages/", {"body": "x"}, format="json"
    )
    assert response.status_code == 403
