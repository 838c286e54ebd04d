"""The end of a chat: ending it, rating it, and the transcript by email."""

import pytest

from chat import events, tasks
from chat.models import Message, TranscriptRequest
from chat.services import Sender, post_message
from helpdesk.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """Transcript ids handed to Celery."""
    ids = []
    monkeypatch.setattr(tasks.send_transcript, "delay", ids.append)
    return ids


def url(ticket, action):
    return f"/api/widget/tickets/{ticket.pk}/{action}/"


def end(api, ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return api.post(url(ticket, "end"))


def test_ending_resolves_the_ticket_and_says_so_in_the_thread(
    ann_api, ticket_ann, broadcasts, django_capture_on_commit_callbacks
):
    post_message(ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body="hi")
    response = end(ann_api, ticket_ann, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert response.data["status"] == "resolved"
    last = Message.objects.get(ticket=ticket_ann, seq=2)
    assert (last.sender_type, last.body) == ("system", "Ann ended the chat.")
    told_visitor = [
        event
        for groups, event in broadcasts
        if groups == [events.visitor_group(ticket_ann.visitor_id)]
    ]
    assert told_visitor[-2]["message"]["body"] == "Ann ended the chat."
    assert told_visitor[-1] == {
        "type": "ticket.updated",
        "ticket": events.visitor_ticket_payload(Ticket.objects.get(pk=ticket_ann.pk)),
    }
    assert told_visitor[-1]["ticket"]["status"] == "resolved"
    inbox = [event for groups, event in broadcasts if groups == [events.AGENTS_GROUP]]
    # One inbox update for the end, already resolved: not one before and one after.
    assert [event["ticket"]["status"] for event in inbox] == ["resolved"]

    again = end(ann_api, ticket_ann, django_capture_on_commit_callbacks)
    assert again.status_code == 200
    assert Message.objects.filter(ticket=ticket_ann).count() == 2


def test_a_rating_needs_an_ended_conversation(ann_api, ticket_ann):
    response = ann_api.post(url(ticket_ann, "rating"), {"rating": 5}, format="json")
    assert response.status_code == 400
    assert response.data["code"] == "not_ended"


def test_a_rating_and_comment_are_stored_and_can_be_changed(
    ann_api, ticket_ann, django_capture_on_commit_callbacks
):
    end(ann_api, ticket_ann, django_capture_on_commit_callbacks)
    payload = {"rating": 2, "comment": "<img src=x onerror=alert(1)> slow"}
    response = ann_api.post(url(ticket_ann, "rating"), payload, format="json")
    assert response.data == {"ticket": ticket_ann.pk, "rating": 2, "comment": payload["comment"]}
    ann_api.post(url(ticket_ann, "rating"), {"rating": 5}, format="json")
    ticket_ann.refresh_from_db()
    assert (ticket_ann.rating, ticket_ann.rating_comment) == (5, "")


def test_the_visitors_other_devices_see_the_rating(
    api, ann_api, ticket_ann, django_capture_on_commit_callbacks
):
    end(ann_api, ticket_ann, django_capture_on_commit_callbacks)
    ann_api.post(url(ticket_ann, "rating"), {"rating": 4}, format="json")
    # Another browser of the same visitor starts a session with the same token.
    [listed] = ann_api.get("/api/widget/tickets/").data["results"]
    assert (listed["id"], listed["rating"]) == (ticket_ann.pk, 4)


@pytest.mark.parametrize(
    "payload",
    [{"rating": 0}, {"rating": 6}, {"rating": "five"}, {}, {"rating": 4, "comment": "x" * 1001}],
)
def test_a_bad_rating_is_refused_and_changes_nothing(
    ann_api, ticket_ann, payload, django_capture_on_commit_callbacks
):
    end(ann_api, ticket_ann, django_capture_on_commit_callbacks)
    response = ann_api.post(url(ticket_ann, "rating"), payload, format="json")
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    ticket_ann.refresh_from_db()
    assert ticket_ann.rating is None


def test_another_visitors_ticket_cannot_be_ended_rated_or_mailed(ann_api, ticket_ben, queued):
    for action, payload in (("end", {}), ("rating", {"rating": 1}), ("transcript", {})):
        response = ann_api.post(
            url(ticket_ben, action), {**payload, "email": "a@example.com"}, format="json"
        )
        assert response.status_code == 404, action
    ticket_ben.refresh_from_db()
    assert ticket_ben.status == Ticket.Status.NEW
    assert queued == []


def test_a_transcript_request_after_the_end_is_recorded_and_queued(
    ann_api, ticket_ann, queued, django_capture_on_commit_callbacks
):
    end(ann_api, ticket_ann, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = ann_api.post(
            url(ticket_ann, "transcript"), {"email": "ann@example.com"}, format="json"
        )
    assert response.status_code == 202
    assert response.data["when"] == "now"
    request = TranscriptRequest.objects.get()
    assert (request.ticket, request.email, request.sent_at) == (ticket_ann, "ann@example.com", None)
    assert queued == [request.pk]


def test_a_transcript_request_during_the_chat_waits_for_its_end(
    ann_api, ticket_ann, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ann_api.post(
            url(ticket_ann, "transcript"), {"email": "ann@example.com"}, format="json"
        )
    assert response.status_code == 202
    assert response.data["when"] == "on_end"
    request = TranscriptRequest.objects.get()
    assert request.on_end is True
    assert queued == []
    end(ann_api, ticket_ann, django_capture_on_commit_callbacks)
    assert queued == [request.pk]


def test_a_transcript_goes_to_the_visitors_email_unless_told_otherwise(
    ann_api, ticket_ann, queued, django_capture_on_commit_callbacks
):
    no_email = ann_api.post(url(ticket_ann, "transcript"), {}, format="json")
    assert no_email.status_code == 400
    assert "email" in no_email.data["fields"]
    ticket_ann.visitor.email = "ann@example.com"
    ticket_ann.visitor.save()
    assert ann_api.post(url(ticket_ann, "transcript"), {}, format="json").data["email"] == (
        "ann@example.com"
    )


@pytest.mark.parametrize("email", ["not-an-email", "a@", "<b>@example.com", "x" * 300])
def test_a_transcript_needs_a_real_email(ann_api, ticket_ann, queued, email):
    response = ann_api.post(url(ticket_ann, "transcript"), {"email": email}, format="json")
    assert response.status_code == 400
    assert "email" in response.data["fields"]
    assert not TranscriptRequest.objects.exists()


def test_transcripts_of_one_ticket_are_capped(
    ann_api, ticket_ann, queued, django_capture_on_commit_callbacks
):
    end(ann_api, ticket_ann, django_capture_on_commit_callbacks)
    for _ in range(3):
        ann_api.post(url(ticket_ann, "transcript"), {"email": "a@example.com"}, format="json")
    response = ann_api.post(url(ticket_ann, "transcript"), {"email": "b@example.com"})
    assert response.status_code == 400
    assert response.data["code"] == "too_many_transcripts"
    assert TranscriptRequest.objects.count() == 3


def test_the_transcript_email_has_what_the_visitor_saw_and_is_sent_once(
    ticket_ann, agent_bob, mailoutbox
):
    visitor = Sender.for_visitor(ticket_ann.visitor)
    agent = Sender.for_agent(agent_bob.user, "Bob")
    post_message(ticket=ticket_ann, sender=visitor, body="Where is <b>my</b> order?")
    post_message(ticket=ticket_ann, sender=agent, body="Refund them", internal=True)
    post_message(ticket=ticket_ann, sender=agent, body="On its way!")
    request = TranscriptRequest.objects.create(ticket=ticket_ann, email="ann@example.com")

    tasks.send_transcript(request.pk)
    tasks.send_transcript(request.pk)  # a retried or duplicated task

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ann@example.com"]
    assert "Ann: Where is <b>my</b> order?" in mail.body
    assert "Bob: On its way!" in mail.body
    assert "Refund them" not in mail.body
    request.refresh_from_db()
    assert request.sent_at is not None
