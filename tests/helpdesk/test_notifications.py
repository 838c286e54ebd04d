"""Sending an email once (helpdesk/notifications.py): what a retry or a second
delivery of a task does, the order of send and commit, and the Message-ID every
attempt shares. The worker killed for real is in tests/integration/test_worker_kill.py."""

import re
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone

from chat.transcripts import transcript_context
from helpdesk.models import Notification
from helpdesk.notifications import message_id, send_once

pytestmark = pytest.mark.django_db


class Server(BaseEmailBackend):
    """Stands in for the SMTP backend: notes each step with what the worker's
    database connection saw then, and fails the steps a test names."""

    steps: list[dict] = []
    failing: set[str] = set()

    def open(self) -> bool:
        self.note("open")
        return True

    def send_messages(self, messages) -> int:
        self.note("send", message_ids=[message.extra_headers["Message-ID"] for message in messages])
        mail.outbox.extend(messages)
        return len(messages)

    def close(self) -> None:
        self.note("close")

    def note(self, step: str, **details) -> None:
        row = Notification.objects.filter(purpose=PURPOSE).first()
        self.steps.append(
            {
                "step": step,
                "in_transaction": connection.in_atomic_block,
                "row_says_sent": row is not None and row.sent_at is not None,
                **details,
            }
        )
        if step in self.failing:
            raise SMTPException(f"451 {step} failed, try again later")


PURPOSE = "transcript:1"


@pytest.fixture
def server(settings, monkeypatch):
    settings.EMAIL_BACKEND = f"{__name__}.Server"
    monkeypatch.setattr(Server, "steps", [])
    monkeypatch.setattr(Server, "failing", set())
    return Server


@pytest.fixture
def send(ticket_ann):
    def send(purpose: str = PURPOSE) -> bool:
        return send_once(
            purpose,
            to=["ann@example.com"],
            template="transcript",
            context=transcript_context(ticket_ann),
        )

    return send


def test_the_message_id_is_one_per_notification_on_parley_s_host(send, settings, mailoutbox):
    settings.PARLEY = {**settings.PARLEY, "SITE_URL": "https://help.example.com"}
    assert send() is True
    [email] = mailoutbox
    sent = email.message()["Message-ID"]
    assert re.fullmatch(r"<[0-9a-f]{32}@help\.example\.com>", sent)
    assert sent == message_id(Notification.objects.get(purpose=PURPOSE))


def test_with_no_host_name_for_the_site_the_message_id_names_the_sending_domain(
    send, settings, mailoutbox
):
    settings.PARLEY = {**settings.PARLEY, "SITE_URL": "http://[::1]:8000"}
    settings.DEFAULT_FROM_EMAIL = "Parley <support@shop.example>"
    send()
    assert mailoutbox[0].extra_headers["Message-ID"].endswith("@shop.example>")


def test_other_notifications_and_a_purpose_used_again_get_other_message_ids(send, mailoutbox):
    send("transcript:1")
    send("transcript:2")
    # A new database starts its transcripts at 1 again.
    Notification.objects.all().delete()
    send("transcript:1")
    ids = [email.extra_headers["Message-ID"] for email in mailoutbox]
    assert len(set(ids)) == 3


def test_a_notification_already_sent_sends_nothing(send, mailoutbox):
    Notification.objects.create(purpose=PURPOSE, sent_at=timezone.now())
    assert send() is False
    assert mailoutbox == []


def test_a_second_run_after_a_send_sends_nothing(send, mailoutbox):
    assert send() is True
    assert send() is False
    assert len(mailoutbox) == 1


def test_a_failed_send_is_not_recorded_and_the_retry_sends_the_same_email(send, server):
    server.failing = {"send"}
    with pytest.raises(SMTPException):
        send()
    assert Notification.objects.get(purpose=PURPOSE).sent_at is None
    assert mail.outbox == []

    server.failing = set()
    assert send() is True
    record = Notification.objects.get(purpose=PURPOSE)
    assert record.sent_at is not None and record.recipients == "ann@example.com"
    assert len(mail.outbox) == 1
    [failed, sent] = [step["message_ids"] for step in server.steps if step["step"] == "send"]
    assert failed == sent == [message_id(record)]


@pytest.mark.django_db(transaction=True)
def test_the_send_is_committed_before_the_goodbye_to_the_server(send, server):
    """After the server's 250 only the commit is left to do; QUIT comes after it."""
    assert send() is True
    steps = [(step["step"], step["in_transaction"], step["row_says_sent"]) for step in server.steps]
    assert steps == [
        ("open", True, True),  # the row written, in the open transaction
        ("send", True, True),
        ("close", False, True),  # committed
    ]


@pytest.mark.django_db(transaction=True)
def test_a_goodbye_that_fails_after_the_commit_does_not_fail_the_task(send, server):
    server.failing = {"close"}
    assert send() is True
    assert Notification.objects.get(purpose=PURPOSE).sent_at is not None
    assert send() is False  # and a retry would have sent nothing
