"""Nobody waits in silence: the team hears of a waiting visitor, a visitor who left
hears of the replies, nobody hears of what they have seen, and nothing twice."""

import time
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives

from agents import offline_notifications, tasks
from agents import signals as agent_signals
from chat.services import Sender, mark_seen, post_message
from chat.visitor_auth import reopen_token, visitor_token
from helpdesk.models import Notification, Team, Ticket
from helpdesk.presence import AGENTS, VISITORS

from ..factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(monkeypatch):
    """Tasks the message hook queued, as (task name, args, countdown); none run."""
    queued = []
    for task in (tasks.notify_team_of_waiting_visitor, tasks.notify_visitor_of_replies):
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda args, countdown, name=task.name: queued.append((name, args, countdown)),
        )
    return queued


@pytest.fixture
def visitor_writes(ticket_ann, django_capture_on_commit_callbacks):
    def write(body):
        with django_capture_on_commit_callbacks(execute=True):
            return post_message(
                ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body=body
            )

    return write


@pytest.fixture
def agent_replies(ticket_ann, agent_bob, django_capture_on_commit_callbacks):
    def reply(body, internal=False):
        with django_capture_on_commit_callbacks(execute=True):
            return post_message(
                ticket=ticket_ann,
                sender=Sender.for_agent(agent_bob.user, agent_bob.display_name),
                body=body,
                internal=internal,
            )

    return reply


# --- the team hears of a waiting visitor ---------------------------------------------------


def test_with_nobody_online_every_agent_hears_at_once_and_once(
    visitor_writes, agent_bob, agent_cat, ticket_ann
):
    visitor_writes("<b>Hello?</b> My order never came")
    visitor_writes("Anyone?")
    [email] = mail.outbox
    assert sorted(email.to) == sorted([agent_bob.user.email, agent_cat.user.email])
    assert "Ann" in email.subject and f"#{ticket_ann.pk}" in email.subject
    assert "<b>Hello?</b> My order never came" in email.body  # text stays text
    assert f"/agent/#ticket-{ticket_ann.pk}" in email.body
    html, kind = email.alternatives[0]
    assert kind == "text/html"
    assert "&lt;b&gt;Hello?&lt;/b&gt;" in html and "<b>Hello?" not in html


def test_with_an_agent_online_the_team_hears_only_after_the_delay(
    visitor_writes, scheduled, agent_bob, settings
):
    AGENTS.connect(agent_bob.user_id)
    message = visitor_writes("Hi")
    delay = settings.PARLEY["UNANSWERED_DELAY"]
    assert scheduled == [(tasks.notify_team_of_waiting_visitor.name, (message.ticket_id,), delay)]


def test_a_burst_of_visitor_messages_queues_one_check_that_sees_them_all(
    visitor_writes, scheduled, agent_bob, ticket_ann, settings
):
    AGENTS.connect(agent_bob.user_id)
    for n in range(5):
        visitor_writes(f"line {n}")
    delay = settings.PARLEY["UNANSWERED_DELAY"]
    assert scheduled == [(tasks.notify_team_of_waiting_visitor.name, (ticket_ann.pk,), delay)]


def test_a_burst_through_one_process_reads_the_shared_cache_for_its_check_once(
    visitor_writes, scheduled, agent_bob, ticket_ann, monkeypatch
):
    AGENTS.connect(agent_bob.user_id)
    reads = []

    class ReadsCounted:
        def get(self, key, *args, **kwargs):
            reads.append(key)
            return cache.get(key, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(cache, name)

    monkeypatch.setattr(agent_signals, "cache", ReadsCounted())
    for n in range(5):
        visitor_writes(f"line {n}")
    assert reads == [agent_signals._waiting_check_key(ticket_ann.pk)]
    assert len(scheduled) == 1


def test_a_check_another_process_queued_is_found_in_the_shared_cache(
    visitor_writes, scheduled, agent_bob
):
    AGENTS.connect(agent_bob.user_id)
    visitor_writes("Hi")
    agent_signals.checks_queued_here.forget()  # as if another process had queued it
    visitor_writes("Hello?")
    assert len(scheduled) == 1


def test_a_message_the_queued_check_may_miss_queues_its_own(
    visitor_writes, scheduled, agent_bob, ticket_ann, settings, monkeypatch
):
    AGENTS.connect(agent_bob.user_id)
    delay = settings.PARLEY["UNANSWERED_DELAY"]
    visitor_writes("Hi")
    now = time.time()
    # Just before the first check is due, it may already be running.
    monkeypatch.setattr(agent_signals.time, "time", lambda: now + delay - 1)
    visitor_writes("Hello?")
    assert len(scheduled) == 2


def test_a_burst_of_visitor_messages_asks_who_is_online_once(
    visitor_writes, scheduled, agent_bob, monkeypatch
):
    AGENTS.connect(agent_bob.user_id)
    # However slow this run, the burst falls within the answer's lifetime.
    monkeypatch.setattr(agent_signals.ONLINE, "seconds", 600)
    asked = []
    real = agent_signals.agents_online
    monkeypatch.setattr(
        agent_signals, "agents_online", lambda team_id: asked.append(team_id) or real(team_id)
    )
    for n in range(5):
        visitor_writes(f"line {n}")
    assert asked == [None]


def test_a_visitor_writing_when_everyone_left_is_checked_at_once_despite_a_queued_check(
    visitor_writes, scheduled, ticket_ann, settings, monkeypatch
):
    monkeypatch.setattr(agent_signals, "team_online", lambda team_id: True)
    visitor_writes("Hi")
    monkeypatch.setattr(agent_signals, "team_online", lambda team_id: False)
    visitor_writes("Anyone?")
    name = tasks.notify_team_of_waiting_visitor.name
    delay = settings.PARLEY["UNANSWERED_DELAY"]
    assert scheduled == [(name, (ticket_ann.pk,), delay), (name, (ticket_ann.pk,), 0)]


def test_an_agent_online_outside_the_tickets_team_is_nobody_to_wait_for(
    visitor_writes, scheduled, agent_bob, ticket_ann
):
    sales = Team.objects.create(name="Sales")
    Ticket.objects.filter(pk=ticket_ann.pk).update(team=sales)
    AGENTS.connect(agent_bob.user_id)  # online, but not in Sales
    message = visitor_writes("Prices?")
    assert scheduled == [(tasks.notify_team_of_waiting_visitor.name, (message.ticket_id,), 0)]


def test_a_reply_or_a_read_before_the_check_means_no_email(
    ticket_ann, agent_bob, scheduled, visitor_writes, agent_replies
):
    visitor_writes("Hi")
    agent_replies("Hello Ann!")
    assert offline_notifications.email_team_about_waiting_visitor(ticket_ann.pk) is False
    message = visitor_writes("One more thing")
    mark_seen(ticket=ticket_ann, side="agent", seq=message.seq)
    assert offline_notifications.email_team_about_waiting_visitor(ticket_ann.pk) is False
    assert mail.outbox == []


def test_an_internal_note_is_no_answer(ticket_ann, scheduled, visitor_writes, agent_replies):
    visitor_writes("Hi")
    agent_replies("Checking with billing", internal=True)
    assert offline_notifications.email_team_about_waiting_visitor(ticket_ann.pk) is True
    assert "Checking with billing" not in mail.outbox[0].body


def test_the_assignee_or_else_the_team_hears(ticket_ann, agent_bob, scheduled, visitor_writes):
    billing = Team.objects.create(name="Billing")
    dora = AgentFactory(display_name="Dora")
    dora.teams.add(billing)
    Ticket.objects.filter(pk=ticket_ann.pk).update(team=billing)
    visitor_writes("Invoice question")
    offline_notifications.email_team_about_waiting_visitor(ticket_ann.pk)
    assert mail.outbox[-1].to == [dora.user.email]

    Ticket.objects.filter(pk=ticket_ann.pk).update(assignee=agent_bob.user)
    visitor_writes("Still here")  # a new wait: the last one was not answered either
    Notification.objects.all().delete()
    offline_notifications.email_team_about_waiting_visitor(ticket_ann.pk)
    assert mail.outbox[-1].to == [agent_bob.user.email]


# --- a visitor who left hears of the replies ---------------------------------------------------


def test_an_offline_visitor_gets_every_unseen_reply_in_one_email(
    ticket_ann, scheduled, visitor_writes, agent_replies, settings
):
    visitor = ticket_ann.visitor
    visitor.email = "ann@example.com"
    visitor.metadata = {"page_url": "https://shop.example/help#faq", "locale": "en-GB"}
    visitor.save()
    visitor_writes("Where is my parcel?")
    first = agent_replies("Let me look.")
    second = agent_replies("It left the warehouse today: <tracking 42>")
    assert (tasks.notify_visitor_of_replies.name, (ticket_ann.pk, second.seq),
            settings.PARLEY["VISITOR_EMAIL_DELAY"]) in scheduled  # fmt: skip

    # The first reply's check finds a newer one: that one's check sends.
    assert offline_notifications.email_visitor_unseen_replies(ticket_ann.pk, first.seq) is False
    assert offline_notifications.email_visitor_unseen_replies(ticket_ann.pk, second.seq) is True
    assert offline_notifications.email_visitor_unseen_replies(ticket_ann.pk, second.seq) is False
    [email] = mail.outbox
    assert email.to == ["ann@example.com"]
    assert "Let me look." in email.body and "<tracking 42>" in email.body
    link = next(word for word in email.body.split() if "#parley-reopen=" in word)
    assert link.startswith("https://shop.example/help#parley-reopen=")


def test_no_email_to_a_visitor_who_saw_the_reply_is_online_or_has_no_address(
    ticket_ann, scheduled, agent_replies
):
    visitor = ticket_ann.visitor
    reply = agent_replies("Hi Ann")
    assert offline_notifications.email_visitor_unseen_replies(ticket_ann.pk, reply.seq) is False
    visitor.email = "ann@example.com"
    visitor.save()
    VISITORS.connect(visitor.pk)
    assert offline_notifications.email_visitor_unseen_replies(ticket_ann.pk, reply.seq) is False
    VISITORS.disconnect(visitor.pk)
    mark_seen(ticket=ticket_ann, side="visitor", seq=reply.seq)
    assert offline_notifications.email_visitor_unseen_replies(ticket_ann.pk, reply.seq) is False
    assert mail.outbox == []


def test_a_visitor_reads_the_email_in_their_language(ticket_ann, scheduled, agent_replies):
    visitor = ticket_ann.visitor
    visitor.email = "ann@example.com"
    visitor.metadata = {"locale": "de-AT"}
    visitor.save()
    reply = agent_replies("Hallo Ann")
    offline_notifications.email_visitor_unseen_replies(ticket_ann.pk, reply.seq)
    assert mail.outbox[0].body.startswith("Hallo Ann,")
    assert "Antworten Sie auf unserer Website" in mail.outbox[0].body  # no page: no link


def test_a_failed_send_is_not_recorded_so_the_retry_sends(
    ticket_ann, scheduled, visitor_writes, agent_bob, monkeypatch
):
    visitor_writes("Hi")
    original = EmailMultiAlternatives.send

    def refuse(self, fail_silently=False):
        raise SMTPException("server away")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    with pytest.raises(SMTPException):
        offline_notifications.email_team_about_waiting_visitor(ticket_ann.pk)
    assert not Notification.objects.filter(sent_at__isnull=False).exists()
    monkeypatch.setattr(EmailMultiAlternatives, "send", original)
    assert offline_notifications.email_team_about_waiting_visitor(ticket_ann.pk) is True
    assert len(mail.outbox) == 1


# --- the link back into the chat ------------------------------------------------------------


def session(api, **fields):
    return api.post(
        "/api/widget/session/",
        {"key": "acme", **fields},
        format="json",
        HTTP_ORIGIN="https://shop.example",
    )


def test_the_reopen_link_brings_the_visitor_back_to_the_ticket(api, ticket_ann):
    token = reopen_token(ticket_ann)
    response = session(api, reopen=token)  # another browser: no visitor token
    assert response.status_code == 200
    assert response.data["visitor"]["id"] == str(ticket_ann.visitor_id)
    assert response.data["open"] == ticket_ann.pk
    assert response.data["token"] == visitor_token(ticket_ann.visitor)


@pytest.mark.parametrize("token", ["forged", "", "x" * 600])
def test_a_bad_reopen_link_is_ignored(api, ticket_ann, token):
    response = session(api, reopen=token)
    assert response.status_code in {200, 400}
    if response.status_code == 200:
        assert response.data["visitor"]["id"] != str(ticket_ann.visitor_id)
        assert response.data["open"] is None


def test_a_reopen_link_for_another_widget_is_ignored(api, widget, ticket_ben):
    token = reopen_token(ticket_ben)  # Ben did not come through "acme"
    response = session(api, reopen=token)
    assert response.data["open"] is None
    assert response.data["visitor"]["id"] != str(ticket_ben.visitor_id)


def test_an_expired_reopen_link_is_ignored(api, ticket_ann, settings):
    token = reopen_token(ticket_ann)
    settings.PARLEY = {**settings.PARLEY, "REOPEN_LINK_MAX_AGE": -1}
    assert session(api, reopen=token).data["open"] is None


def test_the_link_only_leads_to_a_site_the_widget_may_be_on(ticket_ann, scheduled, agent_replies):
    visitor = ticket_ann.visitor  # on "acme", which allows https://shop.example only
    visitor.email = "ann@example.com"
    visitor.metadata = {"page_url": "https://evil.example/login"}
    visitor.save()
    reply = agent_replies("Here you go")
    offline_notifications.email_visitor_unseen_replies(ticket_ann.pk, reply.seq)
    assert "evil.example" not in mail.outbox[0].body
    assert "parley-reopen" not in mail.outbox[0].body


def test_a_deleted_ticket_is_nothing_to_tell(ticket_ann, scheduled, visitor_writes):
    message = visitor_writes("Hi")
    Ticket.objects.filter(pk=ticket_ann.pk).delete()
    assert offline_notifications.email_team_about_waiting_visitor(ticket_ann.pk) is False
    assert offline_notifications.email_visitor_unseen_replies(ticket_ann.pk, message.seq) is False
