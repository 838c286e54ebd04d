"""Webhooks: which events reach which endpoints, how each delivery is signed,
sent, retried and logged, and how an endpoint that keeps failing is switched off.
Deliveries go to a real HTTP receiver on 127.0.0.1 (tests/webhook_receiver.py)."""

import json
import uuid

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import signals as chat_signals
from chat.closing import rate_conversation
from chat.services import Sender, post_message, start_conversation
from chat.ticket_actions import Actor, ticket_change
from chat.webhooks import events, services, subscriptions, tasks
from chat.webhooks.models import Attempt, Delivery, Endpoint
from chat.webhooks.signing import signature_header
from helpdesk.celery import app as celery_app
from helpdesk.models import Ticket

from ..factories import UserFactory
from ..webhook_receiver import Receiver, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooks(settings):
    """Small numbers, so retries and switching off happen within a test."""
    settings.PARLEY = settings.PARLEY | {
        "WEBHOOKS": {
            "TIMEOUT": 1.0,
            "MAX_ATTEMPTS": 3,
            "RETRY_BASE": 0,
            "DISABLE_AFTER": 5,
            "SUBSCRIPTION_CACHE": 30,
        }
    }
    return settings.PARLEY["WEBHOOKS"]


@pytest.fixture
def eager_retries():
    """Eager tasks run their retries at once, unless the retry propagates."""
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = True


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


def endpoint_for(receiver, *names, **fields):
    return Endpoint.objects.create(url=receiver.url, events=list(names or events.EVENTS), **fields)


def envelopes(receiver):
    return [json.loads(request.body) for request in receiver.received]


def visitor_says(ticket, body, capture):
    with capture(execute=True):
        return post_message(ticket=ticket, sender=Sender.for_visitor(ticket.visitor), body=body)


def test_a_message_is_delivered_signed_and_logged(
    hooks, receiver, ticket_ann, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(receiver, events.MESSAGE_CREATED)
    message = visitor_says(ticket_ann, "Where is my order?", django_capture_on_commit_callbacks)

    (request,) = receiver.received
    assert verify(endpoint.secret, request.body, request.headers["Parley-Signature"])
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Parley-Event"] == "message.created"
    envelope = json.loads(request.body)
    assert envelope["type"] == "message.created"
    assert request.headers["Parley-Delivery"] == envelope["id"]
    assert envelope["data"]["message"] | {"created_at": None} == {
        "id": message.pk,
        "seq": 1,
        "sender": {"type": "visitor", "name": "Ann"},
        "body": "Where is my order?",
        "internal": False,
        "attachment": None,
        "created_at": None,
    }
    assert envelope["data"]["conversation"]["id"] == ticket_ann.pk
    assert envelope["data"]["conversation"]["visitor"]["name"] == "Ann"

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, str(delivery.event_id)) == (
        "succeeded",
        1,
        envelope["id"],
    )
    attempt = Attempt.objects.get()
    assert (attempt.number, attempt.status_code, attempt.response_snippet) == (
        1,
        200,
        '{"ok": true}',
    )


def test_a_signature_with_another_secret_a_changed_body_or_an_old_time_is_refused(
    hooks, receiver, ticket_ann, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(receiver, events.MESSAGE_CREATED)
    visitor_says(ticket_ann, "hello", django_capture_on_commit_callbacks)
    (request,) = receiver.received
    header = request.headers["Parley-Signature"]
    assert verify(endpoint.secret, request.body, header)
    assert not verify("whsec_forged", request.body, header)
    assert not verify(endpoint.secret, request.body.replace(b"hello", b"HELLO"), header)
    timestamp = int(header.split(",")[0].removeprefix("t="))
    replayed = signature_header(endpoint.secret, request.body, timestamp - 3600)
    assert not verify(endpoint.secret, request.body, replayed)
    assert not verify(endpoint.secret, request.body, "v1=abc")


def test_each_change_of_a_ticket_is_its_own_event(
    hooks, receiver, visitor_ann, agent_bob, django_capture_on_commit_callbacks
):
    endpoint_for(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = start_conversation(visitor=visitor_ann, body="hi").ticket
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change(
            ticket_id=ticket.pk, by=Actor.for_user(agent_bob.user), assignee=agent_bob.user
        )
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change(ticket_id=ticket.pk, by=Actor.for_user(agent_bob.user), status="resolved")
    with django_capture_on_commit_callbacks(execute=True):
        rate_conversation(ticket=Ticket.objects.get(pk=ticket.pk), rating=4, comment="quick")

    sent = envelopes(receiver)
    assert [envelope["type"] for envelope in sent] == [
        "conversation.created",
        "message.created",  # the visitor's first message; system lines are not sent
        "conversation.assigned",
        "conversation.status_changed",
        "conversation.rated",
    ]
    assigned = sent[2]["data"]
    assert assigned["conversation"]["assignee"] == {"id": agent_bob.user.pk, "name": "Bob"}
    assert assigned["by"] == {"type": "agent", "name": "Bob", "user": agent_bob.user.pk}
    assert sent[3]["data"]["conversation"]["status"] == "resolved"
    rated = sent[4]["data"]["conversation"]
    assert (rated["rating"], rated["rating_comment"]) == (4, "quick")


def test_an_endpoint_hears_only_the_events_it_chose(
    hooks, receiver, visitor_ann, agent_bob, django_capture_on_commit_callbacks
):
    endpoint_for(receiver, events.STATUS_CHANGED)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = start_conversation(visitor=visitor_ann, body="hi").ticket
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change(ticket_id=ticket.pk, by=Actor.for_user(agent_bob.user), priority="high")
    assert receiver.received == []
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change(ticket_id=ticket.pk, by=Actor.for_user(agent_bob.user), status="pending")
    assert [envelope["type"] for envelope in envelopes(receiver)] == ["conversation.status_changed"]


def test_a_failing_receiver_is_retried_with_backoff_and_each_attempt_logged(
    hooks, ticket_ann, django_capture_on_commit_callbacks, monkeypatch, eager_retries
):
    failing = Receiver("fail")
    try:
        endpoint_for(failing, events.MESSAGE_CREATED)
        waits = []
        retry = tasks.deliver_webhook.retry

        def recording_retry(*args, countdown, **kwargs):
            waits.append(countdown)
            return retry(*args, countdown=countdown, **kwargs)

        monkeypatch.setattr(tasks.deliver_webhook, "retry", recording_retry)
        monkeypatch.setitem(hooks, "RETRY_BASE", 0.001)
        visitor_says(ticket_ann, "anyone?", django_capture_on_commit_callbacks)
    finally:
        failing.close()

    assert len(failing.received) == 3
    # One event, one id: a receiver that did get an attempt can tell a retry.
    assert len({request.headers["Parley-Delivery"] for request in failing.received}) == 1
    assert waits == [0.001, 0.002]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert list(delivery.attempt_log.values_list("number", "status_code", "response_snippet")) == [
        (1, 500, "receiver is down"),
        (2, 500, "receiver is down"),
        (3, 500, "receiver is down"),
    ]


def test_a_stalled_receiver_times_out_and_the_attempt_says_so(hooks, ticket_ann):
    stalled = Receiver("stall", delay=5)
    try:
        endpoint = endpoint_for(stalled, events.MESSAGE_CREATED)
        outcome = services.delivery_attempt(endpoint_id=endpoint.pk, envelope=envelope_of())
    finally:
        stalled.close()
    assert outcome.retry_after == 1
    attempt = Attempt.objects.get()
    assert attempt.status_code is None
    assert "timed out" in attempt.error
    assert attempt.duration_ms >= 1000  # it waited for the whole timeout


def test_a_slow_receiver_within_the_timeout_succeeds_and_its_time_is_logged(hooks, ticket_ann):
    slow = Receiver("slow", delay=0.3)
    try:
        endpoint = endpoint_for(slow, events.MESSAGE_CREATED)
        outcome = services.delivery_attempt(endpoint_id=endpoint.pk, envelope=envelope_of())
    finally:
        slow.close()
    assert outcome.retry_after is None
    attempt = Attempt.objects.get()
    assert attempt.status_code == 200
    assert attempt.duration_ms >= 300


def test_a_redirect_is_not_followed(hooks):
    redirecting = Receiver("redirect")
    try:
        endpoint = endpoint_for(redirecting, events.MESSAGE_CREATED)
        services.delivery_attempt(endpoint_id=endpoint.pk, envelope=envelope_of())
    finally:
        redirecting.close()
    attempt = Attempt.objects.get()
    assert (attempt.status_code, attempt.error) == (302, "Redirects are not followed.")
    assert Delivery.objects.get().status == "pending"  # to be retried


def test_an_endpoint_that_keeps_failing_is_switched_off_and_administrators_are_told_once(
    hooks, eager_retries
):
    UserFactory(is_superuser=True, is_staff=True, email="boss@example.com")
    UserFactory(is_superuser=False, email="agent@example.com")
    failing = Receiver("fail")
    try:
        endpoint = endpoint_for(failing, events.MESSAGE_CREATED)
        for _ in range(hooks["DISABLE_AFTER"] + 2):
            tasks.deliver_webhook.delay(endpoint.pk, envelope_of())
    finally:
        failing.close()
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_at is not None
    assert len(failing.received) == hooks["DISABLE_AFTER"]
    assert Delivery.objects.filter(status="skipped").count() >= 1
    (email,) = mail.outbox
    assert email.to == ["boss@example.com"]
    assert failing.url in email.subject
    assert "5 failed deliveries in a row" in email.body
    assert subscriptions.subscribers(events.MESSAGE_CREATED) == []


def test_a_success_starts_the_count_of_failures_again(hooks, receiver):
    endpoint = endpoint_for(receiver, events.MESSAGE_CREATED, consecutive_failures=4)
    services.delivery_attempt(endpoint_id=endpoint.pk, envelope=envelope_of())
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (True, 0)


def test_a_task_delivered_again_after_success_sends_nothing_more(hooks, receiver):
    endpoint = endpoint_for(receiver, events.MESSAGE_CREATED)
    envelope = envelope_of()
    services.delivery_attempt(endpoint_id=endpoint.pk, envelope=envelope)
    services.delivery_attempt(endpoint_id=endpoint.pk, envelope=envelope)
    assert len(receiver.received) == 1
    assert Attempt.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/hook",
        "gopher://127.0.0.1:70/",
        "javascript:alert(1)",
        "http://user:pass@127.0.0.1/hook",
        "http:///no-host",
    ],
)
def test_only_http_and_https_addresses_are_accepted(url):
    endpoint = Endpoint(url=url, events=[events.MESSAGE_CREATED])
    with pytest.raises(ValidationError):
        endpoint.full_clean()
    with pytest.raises(ValidationError):
        services.post(url, b"{}", {}, timeout=1)


def test_unknown_events_are_refused():
    endpoint = Endpoint(url="https://example.com/hook", events=["ticket.deleted"])
    with pytest.raises(ValidationError):
        endpoint.full_clean()


def test_a_message_costs_no_query_and_no_task_when_nobody_subscribes(
    hooks, ticket_ann, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.deliver_webhook, "apply_async", lambda **kw: queued.append(kw))
    endpoint_for(receiver, events.RATED)  # subscribed, but not to messages
    visitor_says(ticket_ann, "first", django_capture_on_commit_callbacks)  # fills the cache
    with CaptureQueriesContext(connection) as queries:
        visitor_says(ticket_ann, "second", django_capture_on_commit_callbacks)
    assert not [query for query in queries if "webhooks_" in query["sql"]]
    assert queued == []


def test_with_no_endpoints_at_all_the_lookup_is_one_query_per_cache_period(
    hooks, ticket_ann, django_capture_on_commit_callbacks
):
    with CaptureQueriesContext(connection) as queries:
        for body in ("one", "two", "three"):
            visitor_says(ticket_ann, body, django_capture_on_commit_callbacks)
    assert len([query for query in queries if "webhooks_" in query["sql"]]) == 1


def test_one_task_per_subscribed_endpoint(
    hooks, ticket_ann, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.deliver_webhook, "apply_async", lambda **kw: queued.append(kw))
    first = endpoint_for(receiver, events.MESSAGE_CREATED)
    second = endpoint_for(receiver, events.MESSAGE_CREATED, events.RATED)
    endpoint_for(receiver, events.MESSAGE_CREATED, is_active=False)
    visitor_says(ticket_ann, "hi", django_capture_on_commit_callbacks)
    assert sorted(call["args"][0] for call in queued) == [first.pk, second.pk]
    assert len({call["args"][1]["id"] for call in queued}) == 1


def test_saving_an_endpoint_is_seen_by_the_next_message(
    hooks, receiver, ticket_ann, django_capture_on_commit_callbacks
):
    visitor_says(ticket_ann, "before", django_capture_on_commit_callbacks)
    endpoint_for(receiver, events.MESSAGE_CREATED)
    visitor_says(ticket_ann, "after", django_capture_on_commit_callbacks)
    assert [e["data"]["message"]["body"] for e in envelopes(receiver)] == ["after"]


def test_administrators_manage_endpoints_and_read_the_log_in_admin(hooks, admin_client, receiver):
    response = admin_client.post(
        "/admin/webhooks/endpoint/add/",
        {
            "url": receiver.url,
            "description": "CRM",
            "events": ["message.created", "conversation.rated"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["message.created", "conversation.rated"]
    assert endpoint.secret.startswith("whsec_")
    services.delivery_attempt(endpoint_id=endpoint.pk, envelope=envelope_of())
    page = admin_client.get("/admin/webhooks/delivery/")
    assert page.status_code == 200
    assert b"message.created" in page.content
    detail = admin_client.get(f"/admin/webhooks/delivery/{Delivery.objects.get().pk}/change/")
    assert b"{&quot;ok&quot;: true}" in detail.content
    refused = admin_client.post(
        "/admin/webhooks/endpoint/add/",
        {"url": "file:///etc/passwd", "events": ["message.created"]},
    )
    assert refused.status_code == 200
    assert Endpoint.objects.count() == 1


def test_an_endpoint_switched_on_again_starts_counting_afresh(hooks, admin_client, receiver):
    endpoint = endpoint_for(receiver, is_active=False, consecutive_failures=20)
    admin_client.post(
        "/admin/webhooks/endpoint/",
        {"action": "switch_on", "_selected_action": [endpoint.pk]},
    )
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures, endpoint.disabled_at) == (
        True,
        0,
        None,
    )


def envelope_of(event: str = events.MESSAGE_CREATED) -> dict:
    return {"id": str(uuid.uuid4()), "type": event, "created_at": "", "data": {}}


def test_a_broker_that_is_down_costs_the_other_listeners_nothing(
    hooks, receiver, ticket_ann, django_capture_on_commit_callbacks, monkeypatch
):
    endpoint_for(receiver, events.MESSAGE_CREATED)

    def broker_down(**kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(tasks.deliver_webhook, "apply_async", broker_down)
    heard = []

    def listener(sender, message, **kwargs):
        heard.append(message.body)

    chat_signals.message_posted.connect(listener)
    try:
        visitor_says(ticket_ann, "still heard", django_capture_on_commit_callbacks)
    finally:
        chat_signals.message_posted.disconnect(listener)
    assert heard == ["still heard"]
