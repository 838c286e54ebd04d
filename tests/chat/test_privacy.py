"""Privacy: exporting everything about a visitor, erasing them (from admin and
the agent API, administrators only), and the retention period."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from chat.models import Message, TranscriptRequest
from chat.privacy import services, tasks
from chat.privacy.models import Erasure
from chat.services import REDACTED_BODY, Sender, post_message
from chat.ticket_actions import Actor, ticket_change
from helpdesk.models import Notification, Ticket, Visitor, Widget

from ..factories import TicketFactory, UserFactory, VisitorFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def boss(db):
    return UserFactory(username="boss", is_superuser=True, is_staff=True)


@pytest.fixture
def boss_api(boss):
    api = APIClient()
    api.force_authenticate(boss)
    return api


@pytest.fixture
def chatted(ticket_ann, agent_bob, django_capture_on_commit_callbacks):
    """Ann's chat: her words, a file, Bob's reply and a note, a rating, a
    transcript request and the email it sent."""
    visitor = ticket_ann.visitor
    visitor.email = "ann@example.com"
    visitor.metadata = {"page_url": "https://shop.example/cart", "locale": "de-DE"}
    visitor.external_id = "crm-42"
    visitor.save()
    ann = Sender.for_visitor(visitor)
    bob = Sender.for_agent(agent_bob.user, "Bob")
    with django_capture_on_commit_callbacks(execute=True):
        post_message(ticket=ticket_ann, sender=ann, body="My card 4111 was charged twice")
        post_message(
            ticket=ticket_ann,
            sender=ann,
            body="",
            attachment=SimpleUploadedFile("receipt.png", PNG, "image/png"),
        )
        post_message(ticket=ticket_ann, sender=bob, body="Refunded, Ann.")
        post_message(ticket=ticket_ann, sender=bob, body="VIP customer", internal=True)
        ticket_change(ticket_id=ticket_ann.pk, by=Actor.for_user(agent_bob.user), status="resolved")
    Ticket.objects.filter(pk=ticket_ann.pk).update(
        subject="Charged twice", rating=5, rating_comment="Thanks Bob, from Ann"
    )
    TranscriptRequest.objects.create(ticket=ticket_ann, email="ann@example.com")
    Notification.objects.create(
        purpose="transcript:1", recipients="ann@example.com", subject="Your chat with Ann"
    )
    return Ticket.objects.get(pk=ticket_ann.pk)


def read_zip(content: bytes) -> tuple[dict, zipfile.ZipFile]:
    zipped = zipfile.ZipFile(io.BytesIO(content))
    return json.loads(zipped.read("visitor.json")), zipped


# --- export -----------------------------------------------------------------------------


def test_the_export_holds_the_visitor_their_conversations_and_their_files(chatted):
    document, zipped = read_zip(services.visitor_export(visitor=chatted.visitor).read())
    assert document["visitor"] | {"created_at": None, "last_seen_at": None} == {
        "id": str(chatted.visitor_id),
        "name": "Ann",
        "email": "ann@example.com",
        "external_id": "crm-42",
        "verified_at": None,
        "attributes": {},
        "metadata": {"page_url": "https://shop.example/cart", "locale": "de-DE"},
        "widget": "acme",
        "created_at": None,
        "last_seen_at": None,
        "is_blocked": False,
        "erased_at": None,
    }
    (ticket,) = document["tickets"]
    assert (ticket["subject"], ticket["rating"], ticket["rating_comment"]) == (
        "Charged twice",
        5,
        "Thanks Bob, from Ann",
    )
    assert ticket["transcript_requests"][0]["email"] == "ann@example.com"
    lines = [(m["seq"], m["sender"]["type"], m["body"], m["internal"]) for m in ticket["messages"]]
    assert lines[:4] == [
        (1, "visitor", "My card 4111 was charged twice", False),
        (2, "visitor", "", False),
        (3, "agent", "Refunded, Ann.", False),
        (4, "agent", "VIP customer", True),
    ]
    attachment = ticket["messages"][1]["attachment"]
    assert attachment["name"] == "receipt.png"
    assert zipped.read(attachment["file"]) == PNG


def test_only_administrators_export_through_the_api(chatted, boss_api, bob_api, api):
    url = f"/api/agent/visitors/{chatted.visitor_id}/export/"
    response = boss_api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"parley-visitor-{chatted.visitor_id}.zip" in response["Content-Disposition"]
    document, _ = read_zip(b"".join(response.streaming_content))
    assert document["visitor"]["email"] == "ann@example.com"
    assert bob_api.get(url).status_code == 403
    assert api.get(url).status_code in {401, 403}


def test_an_unknown_or_malformed_visitor_id_is_not_found(boss_api):
    assert (
        boss_api.get(f"/api/agent/visitors/{Ticket().pk or '0' * 8}-x/export/").status_code == 404
    )
    missing = "00000000-0000-0000-0000-000000000000"
    assert boss_api.get(f"/api/agent/visitors/{missing}/export/").status_code == 404
    assert boss_api.post(f"/api/agent/visitors/{missing}/erase/").status_code == 404


# --- erasure ----------------------------------------------------------------------------


def test_erasing_redacts_every_message_but_keeps_the_thread_whole(
    chatted, boss, media, django_capture_on_commit_callbacks
):
    stored = Message.objects.get(ticket=chatted, seq=2).attachment.name
    assert (media / stored).exists()
    with django_capture_on_commit_callbacks(execute=True):
        erasure = services.visitor_erase(visitor=chatted.visitor, by=boss)

    messages = list(Message.objects.filter(ticket=chatted).order_by("seq"))
    assert [m.seq for m in messages] == list(range(1, chatted.last_seq + 1))
    assert {m.body for m in messages} == {REDACTED_BODY}
    assert {m.sender_name for m in messages if m.sender_type == "visitor"} == {"Visitor"}
    assert not any(m.attachment for m in messages)
    assert not (media / stored).exists()

    visitor = Visitor.objects.get(pk=chatted.visitor_id)
    assert (visitor.name, visitor.email, visitor.external_id, visitor.metadata) == ("", "", "", {})
    assert visitor.erased_at is not None
    ticket = Ticket.objects.get(pk=chatted.pk)
    assert (ticket.subject, ticket.rating_comment, ticket.rating) == ("", "", 5)
    assert ticket.erased_at is not None
    assert not TranscriptRequest.objects.filter(ticket=chatted).exists()
    assert Notification.objects.get(purpose="transcript:1").recipients == ""

    assert (erasure.by, erasure.by_name, erasure.reason) == (boss, "boss", "request")
    assert (erasure.tickets, erasure.messages, erasure.files) == ([chatted.pk], 5, 1)
    assert erasure.visitor_cleared


def test_a_conversation_goes_on_after_an_erasure_with_no_gap(chatted, boss):
    services.visitor_erase(visitor=chatted.visitor, by=boss)
    visitor = Visitor.objects.get(pk=chatted.visitor_id)
    message = post_message(ticket=chatted, sender=Sender.for_visitor(visitor), body="me again")
    assert message.seq == chatted.last_seq + 1


def test_erasing_through_the_api_is_for_administrators_and_recorded(chatted, boss_api, bob_api):
    url = f"/api/agent/visitors/{chatted.visitor_id}/erase/"
    assert bob_api.post(url).status_code == 403
    assert Visitor.objects.get(pk=chatted.visitor_id).email == "ann@example.com"
    response = boss_api.post(url)
    assert response.status_code == 200
    assert response.data["tickets"] == [chatted.pk]
    assert Erasure.objects.get().by_name == "boss"


def test_admin_exports_one_visitor_and_erases_after_a_confirmation(chatted, admin_client):
    changelist = "/admin/helpdesk/visitor/"
    exported = admin_client.post(
        changelist, {"action": "export_visitor", "_selected_action": [chatted.visitor_id]}
    )
    assert exported["Content-Type"] == "application/zip"
    document, _ = read_zip(b"".join(exported.streaming_content))
    assert document["visitor"]["name"] == "Ann"

    asked = admin_client.post(
        changelist, {"action": "erase_visitors", "_selected_action": [chatted.visitor_id]}
    )
    assert asked.status_code == 200
    assert b"cannot be undone" in asked.content
    assert Visitor.objects.get(pk=chatted.visitor_id).name == "Ann"
    done = admin_client.post(
        changelist,
        {
            "action": "erase_visitors",
            "_selected_action": [chatted.visitor_id],
            "confirmed": "yes",
        },
    )
    assert done.status_code == 302
    assert Visitor.objects.get(pk=chatted.visitor_id).name == ""
    audit = admin_client.get("/admin/privacy/erasure/")
    assert str(chatted.visitor_id).encode() in audit.content
    assert b"admin" in audit.content


def test_staff_who_are_not_administrators_get_no_privacy_actions(chatted, client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__endswith="_visitor"))
    client.force_login(staff)
    page = client.get("/admin/helpdesk/visitor/")
    assert page.status_code == 200
    assert b"erase_visitors" not in page.content
    client.post(
        "/admin/helpdesk/visitor/",
        {"action": "erase_visitors", "_selected_action": [chatted.visitor_id], "confirmed": "yes"},
    )
    assert Visitor.objects.get(pk=chatted.visitor_id).name == "Ann"


# --- retention --------------------------------------------------------------------------


def ended(visitor, days_ago: int, status: str = "resolved") -> Ticket:
    ticket = TicketFactory(visitor=visitor)
    post_message(ticket=ticket, sender=Sender.for_visitor(visitor), body="hello")
    Ticket.objects.filter(pk=ticket.pk).update(
        status=status, resolved_at=timezone.now() - timedelta(days=days_ago)
    )
    return ticket


def test_retention_erases_conversations_ended_longer_ago_than_the_setting(settings):
    settings.PARLEY = settings.PARLEY | {"RETENTION_DAYS": 30}
    old_visitor = VisitorFactory(name="Old", email="old@example.com")
    Visitor.objects.filter(pk=old_visitor.pk).update(
        last_seen_at=timezone.now() - timedelta(days=60)
    )
    expired = ended(old_visitor, 40)
    closed = ended(old_visitor, 31, status="closed")
    recent_visitor = VisitorFactory(name="Recent")
    recent = ended(recent_visitor, 10)
    still_open = TicketFactory(visitor=recent_visitor)
    Ticket.objects.filter(pk=still_open.pk).update(created_at=timezone.now() - timedelta(days=90))

    assert tasks.erase_expired_conversations() == 1
    assert Message.objects.get(ticket=expired).body == REDACTED_BODY
    assert Message.objects.get(ticket=closed).body == REDACTED_BODY
    assert Message.objects.get(ticket=recent).body == "hello"
    # Nothing left of Old's but erased chats, and not seen for the period: cleared.
    assert Visitor.objects.get(pk=old_visitor.pk).email == ""
    erasure = Erasure.objects.get()
    assert (erasure.reason, erasure.by, sorted(erasure.tickets), erasure.visitor_cleared) == (
        "retention",
        None,
        sorted([expired.pk, closed.pk]),
        True,
    )
    # Run again: nothing more to erase.
    assert tasks.erase_expired_conversations() == 0


def test_retention_keeps_a_visitor_who_still_has_a_conversation(settings):
    settings.PARLEY = settings.PARLEY | {"RETENTION_DAYS": 30}
    visitor = VisitorFactory(name="Kept", email="kept@example.com")
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=timezone.now() - timedelta(days=60))
    ended(visitor, 40)
    ended(visitor, 5)
    tasks.erase_expired_conversations()
    assert Visitor.objects.get(pk=visitor.pk).email == "kept@example.com"
    assert not Erasure.objects.get().visitor_cleared


def test_retention_off_erases_nothing(settings, visitor_ann):
    settings.PARLEY = settings.PARLEY | {"RETENTION_DAYS": 0}
    ended(visitor_ann, 4000)
    assert tasks.erase_expired_conversations() == 0
    assert not Erasure.objects.exists()


def test_beat_runs_the_retention_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["erase-expired-conversations"]
    assert entry["task"] == tasks.erase_expired_conversations.name
    assert entry["schedule"] == 24 * 60 * 60


# --- the typing sneak peek --------------------------------------------------------------


def test_new_widgets_keep_what_visitors_type_to_themselves():
    assert Widget.objects.create(name="New", key="new").typing_preview is False


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Agents can see what you type before you send it."),
        ("de", "Unser Team sieht, was Sie schreiben, schon bevor Sie es senden."),
    ],
)
def test_the_widget_has_words_to_tell_visitors_their_typing_is_seen(api, language, words):
    Widget.objects.create(name="Peek", key="peek", typing_preview=True)
    response = api.get("/api/widget/config/", {"key": "peek"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.data["typing_preview"] is True
    assert response.data["words"]["typingVisible"] == words
