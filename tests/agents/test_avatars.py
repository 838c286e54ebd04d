"""Agents' avatars: what admins may upload, and what the widget is shown."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from chat.events import message_payload
from chat.services import Sender, post_message

from ..factories import AgentFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_an_agent_without_a_picture_gets_their_initials(client):
    agent = AgentFactory(display_name="<script>ada lovelace")
    response = client.get(f"/api/avatars/{agent.user_id}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "sandbox" in response["Content-Security-Policy"]
    svg = response.content.decode()
    assert ">&lt;L</text>" in svg
    assert "<script" not in svg


def test_an_uploaded_picture_is_served_as_what_it_is(client):
    agent = AgentFactory(avatar=SimpleUploadedFile("me.png", PNG))
    response = client.get(f"/api/avatars/{agent.user_id}/")
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG


@pytest.mark.parametrize(
    ("name", "content"),
    [("me.png", b"<html>not a picture</html>"), ("me.pdf", b"%PDF-1.7"), ("big.png", PNG * 40000)],
)
def test_only_small_pictures_can_be_avatars(name, content):
    agent = AgentFactory.build(avatar=SimpleUploadedFile(name, content))
    with pytest.raises(ValidationError) as error:
        agent.full_clean(exclude=["user"])
    assert "avatar" in error.value.message_dict


def test_users_who_are_not_agents_have_no_avatar(client, visitor_ann):
    assert client.get("/api/avatars/999999/").status_code == 404


def test_agent_messages_carry_the_avatar_and_visitor_messages_do_not(ticket_ann):
    agent = AgentFactory(display_name="Bob")
    reply = post_message(
        ticket=ticket_ann, sender=Sender.for_agent(agent.user, "Bob"), body="Hello!"
    )
    question = post_message(
        ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body="Hi"
    )
    assert message_payload(reply)["sender"]["avatar"] == f"/api/avatars/{agent.user_id}/"
    assert "avatar" not in message_payload(question)["sender"]
