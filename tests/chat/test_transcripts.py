"""Transcripts: what the visitor saw, as text and HTML, by email and as a download
for agents and admins; never an internal note, attachments as links."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from chat import tasks
from chat.models import TranscriptRequest
from chat.services import Sender, post_message

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def conversation(ticket_ann, agent_bob, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    visitor = Sender.for_visitor(ticket_ann.visitor)
    agent = Sender.for_agent(agent_bob.user, "Bob")
    post_message(ticket=ticket_ann, sender=visitor, body="Where is <b>my</b> order?")
    post_message(ticket=ticket_ann, sender=agent, body="Refund them quietly", internal=True)
    post_message(
        ticket=ticket_ann,
        sender=visitor,
        body="",
        attachment=SimpleUploadedFile("receipt <1>.png", PNG, "image/png"),
    )
    post_message(ticket=ticket_ann, sender=agent, body="On its way!")
    return ticket_ann


def test_the_email_has_text_and_html_of_what_the_visitor_saw(conversation, mailoutbox):
    request = TranscriptRequest.objects.create(ticket=conversation, email="ann@example.com")
    tasks.send_transcript(request.pk)
    tasks.send_transcript(request.pk)  # a retried or duplicated task
    [mail] = mailoutbox
    assert mail.subject == f"Transcript of your conversation #{conversation.pk}"
    assert "Ann: Where is <b>my</b> order?" in mail.body
    assert "Bob: On its way!" in mail.body
    assert "Refund them" not in mail.body
    assert "receipt <1>.png: http://127.0.0.1:8000/api/attachments/" in mail.body
    html = mail.alternatives[0][0]
    assert "Where is &lt;b&gt;my&lt;/b&gt; order?" in html and "Refund them" not in html
    assert '<a href="http://127.0.0.1:8000/api/attachments/' in html


def test_a_german_visitor_gets_a_german_transcript(conversation, mailoutbox):
    visitor = conversation.visitor
    visitor.metadata = {"locale": "de-CH"}
    visitor.save()
    request = TranscriptRequest.objects.create(ticket=conversation, email="ann@example.com")
    tasks.send_transcript(request.pk)
    assert mailoutbox[0].subject == f"Verlauf Ihrer Unterhaltung #{conversation.pk}"


def download(client, ticket, **query):
    return client.get(f"/api/agent/tickets/{ticket.pk}/transcript/", query)


def test_an_agent_downloads_it_as_html_or_text(conversation, agent_bob):
    client = APIClient()
    client.force_authenticate(agent_bob.user)
    html = download(client, conversation)
    assert html.status_code == 200
    assert html["Content-Type"] == "text/html; charset=utf-8"
    assert html["Content-Disposition"] == f'attachment; filename="parley-{conversation.pk}.html"'
    assert "sandbox" in html["Content-Security-Policy"]
    body = html.content.decode()
    assert "&lt;b&gt;my&lt;/b&gt;" in body and "Refund them" not in body

    text = download(client, conversation, kind="text")
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert "Ann: Where is <b>my</b> order?" in text.content.decode()
    assert download(client, conversation, kind="pdf").status_code == 400


def test_an_admin_downloads_it_and_nobody_else(conversation):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345-abc")
    client = APIClient()
    client.force_authenticate(admin)
    assert download(client, conversation).status_code == 200
    client.force_authenticate(UserFactory())
    assert download(client, conversation).status_code == 403
    assert download(APIClient(), conversation).status_code == 403
    client.force_authenticate(admin)
    assert client.get("/api/agent/tickets/424242/transcript/").status_code == 404


def test_the_admin_ticket_page_links_the_transcript(conversation, client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345-abc")
    client.force_login(admin)
    page = client.get(f"/admin/helpdesk/ticket/{conversation.pk}/change/").content.decode()
    assert f"/api/agent/tickets/{conversation.pk}/transcript/?kind=text" in page


def test_a_request_whose_ticket_was_deleted_sends_nothing(conversation, mailoutbox):
    request = TranscriptRequest.objects.create(ticket=conversation, email="ann@example.com")
    conversation.delete()
    tasks.send_transcript(request.pk)
    assert mailoutbox == []
