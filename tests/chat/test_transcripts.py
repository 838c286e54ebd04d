"""Transcripts: what the visitor saw, as text and HTML, by email (at once, or
when the chat ends if asked during it) and as a download for agents and admins;
never an internal note, attachments as links."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from agents.tasks import resolve_idle_tickets
from chat import tasks
from chat.models import TranscriptRequest
from chat.services import Sender, post_message
from chat.ticket_actions import AUTO_RESOLVED_LINE
from helpdesk.models import Ticket, Visitor

from ..conftest import as_visitor
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


# --- asked for during the chat, sent when it ends ----------------------------------

WHEN_ENDED = timedelta(days=2)


def transcripts(outbox):
    """The transcripts emailed, not the team's alerts about a waiting visitor."""
    return [mail for mail in outbox if mail.subject.startswith("Transcript of")]


def ask(api, ticket, email="ann@example.com"):
    return api.post(f"/api/widget/tickets/{ticket.pk}/transcript/", {"email": email}, format="json")


@pytest.fixture
def asked(ann_api, conversation, mailoutbox, django_capture_on_commit_callbacks):
    """Ann asked, while Bob was still answering, for the transcript when the chat ends."""
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(ann_api, conversation)
    assert response.status_code == 202
    assert response.data == {
        "ticket": conversation.pk,
        "email": "ann@example.com",
        "when": "on_end",
    }
    assert mailoutbox == []
    return conversation


def end_by(how, ticket, *, ann_api, bob_api, capture):
    """End the chat the way ``how`` says, running what it queues on commit."""
    with capture(execute=True):
        if how == "visitor":
            assert ann_api.post(f"/api/widget/tickets/{ticket.pk}/end/").status_code == 200
        elif how == "quiet":
            Ticket.objects.filter(pk=ticket.pk).update(last_message_at=timezone.now() - WHEN_ENDED)
            assert resolve_idle_tickets() == 1
        else:  # an agent sets the status in the dashboard: "resolved" or "closed"
            response = bob_api.patch(
                f"/api/agent/tickets/{ticket.pk}/", {"status": how}, format="json"
            )
            assert response.status_code == 200


def test_asked_during_the_chat_the_transcript_waits_for_the_end(asked, mailoutbox):
    request = TranscriptRequest.objects.get()
    assert (request.email, request.on_end, request.sent_at) == ("ann@example.com", True, None)
    assert mailoutbox == []


@pytest.mark.parametrize(
    "how, closing_line",
    [
        ("visitor", "Ann ended the chat."),
        ("quiet", AUTO_RESOLVED_LINE),
        # An agent's status change is an internal line ("Bob set the status to
        # Resolved"): the email is what the visitor saw, so it ends with the reply.
        ("resolved", "Bob: On its way!"),
        ("closed", "Bob: On its way!"),
    ],
)
def test_however_the_chat_ends_the_waiting_transcript_is_emailed_once(
    asked, how, closing_line, ann_api, bob_api, mailoutbox, django_capture_on_commit_callbacks
):
    end_by(how, asked, ann_api=ann_api, bob_api=bob_api, capture=django_capture_on_commit_callbacks)
    [mail] = transcripts(mailoutbox)
    assert mail.to == ["ann@example.com"]
    assert "Ann: Where is <b>my</b> order?" in mail.body
    assert mail.body.strip().splitlines()[-1].endswith(f"] {closing_line}")
    assert "Refund them" not in mail.body and "set the status" not in mail.body
    request = TranscriptRequest.objects.get()
    assert request.on_end is False and request.sent_at is not None


def test_a_chat_reopened_and_ended_again_sends_no_second_copy(
    asked, ann_api, bob_api, mailoutbox, django_capture_on_commit_callbacks
):
    ends = {"ann_api": ann_api, "bob_api": bob_api, "capture": django_capture_on_commit_callbacks}
    end_by("resolved", asked, **ends)
    with django_capture_on_commit_callbacks(execute=True):
        bob_api.patch(f"/api/agent/tickets/{asked.pk}/", {"status": "open"}, format="json")
        post_message(ticket=asked, sender=Sender.for_visitor(asked.visitor), body="One more")
    end_by("visitor", asked, **ends)
    end_by("closed", asked, **ends)
    [mail] = transcripts(mailoutbox)
    assert "One more" not in mail.body


def test_asking_again_during_the_chat_changes_the_address_it_waits_to_go_to(
    asked, ann_api, bob_api, mailoutbox, django_capture_on_commit_callbacks
):
    again = ask(ann_api, asked, "ann@work.example")
    assert again.status_code == 202
    assert again.data["when"] == "on_end"
    [request] = TranscriptRequest.objects.all()
    assert request.email == "ann@work.example"
    end_by(
        "visitor",
        asked,
        ann_api=ann_api,
        bob_api=bob_api,
        capture=django_capture_on_commit_callbacks,
    )
    [mail] = transcripts(mailoutbox)
    assert mail.to == ["ann@work.example"]


def test_asked_once_the_chat_has_ended_it_is_sent_at_once_with_the_closing_line(
    ann_api, bob_api, conversation, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    end_by("visitor", conversation, ann_api=ann_api, bob_api=bob_api, capture=capture)
    with capture(execute=True):
        response = ask(ann_api, conversation)
    assert response.data == {"ticket": conversation.pk, "email": "ann@example.com", "when": "now"}
    [mail] = transcripts(mailoutbox)
    assert mail.body.strip().endswith("] Ann ended the chat.")
    assert TranscriptRequest.objects.get().on_end is False


def test_the_cap_counts_the_waiting_request_and_a_new_address_for_it_is_not_another(
    ann_api, bob_api, conversation, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    ends = {"ann_api": ann_api, "bob_api": bob_api, "capture": capture}
    end_by("resolved", conversation, **ends)
    with capture(execute=True):
        ask(ann_api, conversation, "one@example.com")
        ask(ann_api, conversation, "two@example.com")
        bob_api.patch(f"/api/agent/tickets/{conversation.pk}/", {"status": "open"}, format="json")
        assert ask(ann_api, conversation, "three@example.com").data["when"] == "on_end"
        assert ask(ann_api, conversation, "four@example.com").data["when"] == "on_end"
    assert TranscriptRequest.objects.count() == 3
    end_by("resolved", conversation, **ends)
    refused = ask(ann_api, conversation, "five@example.com")
    assert refused.status_code == 400
    assert refused.data["code"] == "too_many_transcripts"
    assert [mail.to for mail in transcripts(mailoutbox)] == [
        ["one@example.com"],
        ["two@example.com"],
        ["four@example.com"],
    ]


@pytest.mark.parametrize(
    "email, problem",
    [
        ("not-an-email", "Enter a valid email address."),
        ("<script>alert(1)</script>@example.com", "Enter a valid email address."),
        ("ann@example.com<img src=x onerror=alert(1)>", "Enter a valid email address."),
        # Well formed, but longer than an address can be.
        ("a@" + ".".join(["b" * 63] * 4) + ".com", "no more than 254 characters"),
    ],
)
def test_a_bad_address_is_refused_and_the_waiting_request_keeps_its_own(
    asked, ann_api, bob_api, email, problem, mailoutbox, django_capture_on_commit_callbacks
):
    response = ask(ann_api, asked, email)
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert problem in " ".join(response.data["fields"]["email"])
    end_by(
        "resolved",
        asked,
        ann_api=ann_api,
        bob_api=bob_api,
        capture=django_capture_on_commit_callbacks,
    )
    assert [mail.to for mail in transcripts(mailoutbox)] == [["ann@example.com"]]


def test_nobody_else_can_ask_for_or_redirect_a_chats_transcript(
    asked, api, ticket_ben, bob_api, mailoutbox, django_capture_on_commit_callbacks
):
    ben_api = as_visitor(APIClient(), ticket_ben.visitor)
    assert ask(ben_api, asked, "ben@example.com").status_code == 404
    assert ask(ben_api, Ticket(pk=424242), "ben@example.com").status_code == 404
    forged = api.credentials(HTTP_AUTHORIZATION="Visitor forged:abc:def") or api
    assert ask(forged, asked, "ben@example.com").status_code == 401
    assert list(TranscriptRequest.objects.values_list("email", flat=True)) == ["ann@example.com"]
    end_by(
        "resolved", asked, ann_api=None, bob_api=bob_api, capture=django_capture_on_commit_callbacks
    )
    assert [mail.to for mail in transcripts(mailoutbox)] == [["ann@example.com"]]


def test_a_blocked_visitor_can_not_ask_and_gets_nothing_when_the_chat_ends(
    asked, ann_api, bob_api, mailoutbox, django_capture_on_commit_callbacks
):
    Visitor.objects.filter(pk=asked.visitor_id).update(is_blocked=True)
    response = ask(ann_api, asked, "other@example.com")
    assert response.status_code == 403
    end_by(
        "resolved", asked, ann_api=None, bob_api=bob_api, capture=django_capture_on_commit_callbacks
    )
    assert transcripts(mailoutbox) == []
    assert TranscriptRequest.objects.get().on_end is False  # dropped, not kept for later


def test_an_admin_resolving_the_ticket_sends_the_waiting_transcript(
    asked, client, mailoutbox, django_capture_on_commit_callbacks
):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345-abc")
    client.force_login(admin)
    url = f"/admin/helpdesk/ticket/{asked.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        status="resolved",
        tags=[],
        **{"messages-TOTAL_FORMS": "0", "messages-INITIAL_FORMS": "0"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [mail] = transcripts(mailoutbox)
    assert mail.to == ["ann@example.com"]
