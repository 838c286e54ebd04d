"""The HTML pages: demo site, dashboard, admin."""

import pytest
from django.contrib.auth import get_user_model

from chat.services import Sender, post_message

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_site_embeds_the_widget_with_one_script_tag(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("/static/widget/parley.js") == 1
    assert 'data-key="demo"' in html


def test_the_dashboard_asks_for_a_login(client):
    response = client.get("/agent/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_dashboard_refuses_users_who_are_not_agents(client):
    client.force_login(UserFactory())
    assert client.get("/agent/").status_code == 403


def test_the_dashboard_renders_for_an_agent_with_their_name_as_data(client, agent_bob):
    agent_bob.display_name = '</script><script>alert("x")</script>'
    agent_bob.save()
    client.force_login(agent_bob.user)
    response = client.get("/agent/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<script>alert("x")</script>' not in html


def test_admin_shows_a_ticket_with_its_messages_read_only(client, ticket_ann):
    post_message(ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body="<i>hi</i>")
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345-abc")
    client.force_login(admin)
    for url in (
        "/admin/helpdesk/ticket/",
        "/admin/helpdesk/ticket/?status__exact=new",
        "/admin/helpdesk/ticket/?q=Ann",
        f"/admin/helpdesk/ticket/{ticket_ann.pk}/change/",
        "/admin/chat/message/",
        "/admin/helpdesk/visitor/?q=Ann",
        "/admin/agents/agentprofile/",
        "/admin/agents/cannedresponse/",
        "/admin/helpdesk/widget/",
        "/admin/chat/transcriptrequest/",
        f"/admin/helpdesk/widget/{ticket_ann.visitor.widget_id}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    change_page = client.get(f"/admin/helpdesk/ticket/{ticket_ann.pk}/change/").content.decode()
    assert "&lt;i&gt;hi&lt;/i&gt;" in change_page
    assert client.get("/admin/chat/message/add/").status_code == 403


def test_the_openapi_schema_is_served(client, agent_bob):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/widget/session/" in response.content
