"""Abuse limits: rate limits per address and per visitor on the widget's
endpoints, the client's address behind a trusted proxy, blocked addresses and
ranges, and the daily caps on email to one address."""

import ipaddress
import time

import pytest
import redis.exceptions
from channels.testing import WebsocketCommunicator
from django.core import mail

from chat.models import TranscriptRequest
from helpdesk.abuse import throttling
from helpdesk.abuse.addresses import (
    is_address_blocked,
    rate_key,
    request_address,
    scope_address,
)
from helpdesk.abuse.email_limits import email_allowed
from helpdesk.abuse.models import BlockedAddress
from helpdesk.abuse.throttling import check
from helpdesk.asgi import application
from helpdesk.notifications import send_once

from ..conftest import as_visitor
from ..factories import TicketFactory, VisitorFactory

ORIGIN = "https://shop.example"


def limit(settings, scope: str, *, ip: str = "", visitor: str = "") -> None:
    """Set one scope's limits for the test ("" = none)."""
    limits = {name: dict(rates) for name, rates in settings.PARLEY["RATE_LIMITS"].items()}
    limits[scope] = {"ip": ip, "visitor": visitor}
    settings.PARLEY = {**settings.PARLEY, "RATE_LIMITS": limits}


def new_session(api, address: str = "198.51.100.1", **extra):
    return api.post(
        "/api/widget/session/",
        {"key": "acme"},
        format="json",
        HTTP_ORIGIN=ORIGIN,
        REMOTE_ADDR=address,
        **extra,
    )


# --- rate limits --------------------------------------------------------------------


def test_a_flood_of_sessions_from_one_address_gets_429_with_retry_after(api, widget, settings):
    limit(settings, "session", ip="3/min")
    assert [new_session(api).status_code for _ in range(3)] == [200, 200, 200]
    refused = new_session(api)
    assert refused.status_code == 429
    assert refused.data["code"] == "throttled"
    assert refused.data["message"]
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_a_flooder_does_not_hold_back_other_addresses(api, widget, settings):
    limit(settings, "session", ip="2/min")
    for _ in range(3):
        new_session(api, "198.51.100.1")
    assert new_session(api, "198.51.100.2").status_code == 200


def test_a_forged_forwarded_header_is_ignored_unless_a_proxy_header_is_trusted(
    api, widget, settings
):
    limit(settings, "session", ip="2/min")
    codes = [new_session(api, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)]
    assert codes == [200, 200, 429]


def test_behind_a_trusted_proxy_the_address_it_appended_is_counted(api, widget, settings):
    settings.PARLEY = {
        **settings.PARLEY,
        "CLIENT_ADDRESS_HEADER": "X-Forwarded-For",
        "TRUSTED_PROXY_COUNT": 1,
    }
    limit(settings, "session", ip="2/min")
    # The client writes anything it likes on the left; the proxy appends the peer.
    codes = [
        new_session(
            api, "10.0.0.2", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7"
        ).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]
    assert new_session(api, "10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200


def test_one_visitor_is_held_to_their_own_rate_and_others_on_the_address_are_not(
    api, ticket_ann, settings
):
    limit(settings, "message", ip="100/min", visitor="2/min")
    ann = as_visitor(api, ticket_ann.visitor)
    url = f"/api/widget/tickets/{ticket_ann.pk}/messages/"
    codes = [
        ann.post(url, {"body": f"hi {n}"}, format="json", HTTP_ORIGIN=ORIGIN).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]
    assert ticket_ann.messages.count() == 2

    other = TicketFactory(visitor=VisitorFactory(widget=ticket_ann.visitor.widget))
    as_visitor(api, other.visitor)
    url = f"/api/widget/tickets/{other.pk}/messages/"
    assert api.post(url, {"body": "hi"}, format="json", HTTP_ORIGIN=ORIGIN).status_code == 201


def test_an_address_over_its_limit_is_refused_from_memory_before_its_token_is_read(
    ann_api, ticket_ann, settings, monkeypatch, django_assert_num_queries
):
    """The bug: every refused request of a flood still read the visitor's token
    from the database and counted in the cache before its 429."""
    limit(settings, "message", ip="2/min")
    url = f"/api/widget/tickets/{ticket_ann.pk}/messages/"

    def post(address="198.51.100.1"):
        return ann_api.post(
            url, {"body": "hi"}, format="json", HTTP_ORIGIN=ORIGIN, REMOTE_ADDR=address
        )

    assert [post().status_code for _ in range(3)] == [201, 201, 429]

    def no_cache(counters):
        raise AssertionError("counted in the cache")

    monkeypatch.setattr(throttling, "_count", no_cache)
    with django_assert_num_queries(0):
        refused = post()
    assert refused.status_code == 429
    assert refused.data["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    monkeypatch.undo()
    # Only that address, only that scope, only until the window ends.
    assert post("198.51.100.2").status_code == 201
    assert ann_api.get(url, HTTP_ORIGIN=ORIGIN, REMOTE_ADDR="198.51.100.1").status_code == 200
    later = time.time() + 61
    monkeypatch.setattr(throttling.time, "time", lambda: later)
    assert post().status_code == 201


WIDGET_ENDPOINTS = [
    ("get", "/api/widget/config/?key=acme", "config"),
    ("post", "/api/widget/session/", "session"),
    ("get", "/api/widget/tickets/", "read"),
    ("post", "/api/widget/tickets/", "conversation"),
    ("get", "/api/widget/tickets/{ticket}/messages/", "read"),
    ("post", "/api/widget/tickets/{ticket}/messages/", "message"),
    ("post", "/api/widget/offline/", "conversation"),
    ("post", "/api/widget/tickets/{ticket}/transcript/", "transcript"),
    ("post", "/api/widget/tickets/{ticket}/attachments/", "upload"),
    # The stream authenticates on a thread of its own (database_sync_to_async),
    # which sees the test's data only once it is committed.
    pytest.param(
        "get", "/api/widget/stream/", "stream", marks=pytest.mark.django_db(transaction=True)
    ),
    ("post", "/api/widget/tickets/{ticket}/typing/", "signal"),
    ("post", "/api/widget/tickets/{ticket}/seen/", "signal"),
    ("post", "/api/widget/tickets/{ticket}/end/", "lifecycle"),
    ("post", "/api/widget/tickets/{ticket}/rating/", "lifecycle"),
]


@pytest.mark.parametrize(("method", "path", "scope"), WIDGET_ENDPOINTS)
@pytest.mark.parametrize("kind", ["ip", "visitor"])
def test_every_widget_endpoint_is_limited_per_address_and_per_visitor(
    ann_api, ticket_ann, settings, method, path, scope, kind
):
    if scope in {"config", "session"} and kind == "visitor":
        pytest.skip("no visitor yet: limited per address only")
    limit(settings, scope, **{kind: "0/min"})
    url = path.format(ticket=ticket_ann.pk)
    response = getattr(ann_api, method)(url, {}, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 429, getattr(response, "data", response.content)
    assert response["Retry-After"]


@pytest.mark.django_db(transaction=True)
def test_a_visitor_rate_counts_across_transports_of_the_same_scope(ann_api, ticket_ann, settings):
    """The stream counts per visitor whichever address it comes from."""
    limit(settings, "stream", visitor="1/min")
    first = ann_api.get("/api/widget/stream/", HTTP_ORIGIN=ORIGIN, REMOTE_ADDR="198.51.100.1")
    assert first.status_code == 200
    again = ann_api.get("/api/widget/stream/", HTTP_ORIGIN=ORIGIN, REMOTE_ADDR="198.51.100.2")
    assert again.status_code == 429
    assert again.json()["code"] == "throttled"


def test_a_limit_lets_hits_through_while_the_cache_is_unreachable(settings, monkeypatch, caplog):
    """Redis down must not cost a visitor their message (tests/integration/
    test_tail_delivery.py runs the same with a real Redis killed)."""
    limit(settings, "message", ip="1/min", visitor="1/min")

    class Unreachable:
        def __getattr__(self, name):
            raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr("helpdesk.abuse.throttling.cache", Unreachable())
    for _ in range(3):
        check("message", address_key="198.51.100.1", visitor_id="v1")
    assert "the cache is unreachable" in caplog.text


def test_ipv6_clients_are_counted_by_their_64():
    one = ipaddress.ip_address("2001:db8:1:2::1")
    other = ipaddress.ip_address("2001:db8:1:2:ffff::9")
    elsewhere = ipaddress.ip_address("2001:db8:1:3::1")
    assert rate_key(one) == rate_key(other) != rate_key(elsewhere)
    assert rate_key(ipaddress.ip_address("::ffff:198.51.100.4")) == "198.51.100.4"


def test_a_socket_address_is_read_from_scope_client_or_the_trusted_header(settings):
    scope = {"client": ("198.51.100.4", 5555), "headers": [(b"x-real-ip", b"203.0.113.5")]}
    assert str(scope_address(scope)) == "198.51.100.4"
    settings.PARLEY = {**settings.PARLEY, "CLIENT_ADDRESS_HEADER": "X-Real-IP"}
    assert str(scope_address(scope)) == "203.0.113.5"
    assert scope_address({"headers": []}) is None


def test_a_garbage_proxy_header_falls_back_to_the_peer(rf, settings):
    settings.PARLEY = {**settings.PARLEY, "CLIENT_ADDRESS_HEADER": "X-Forwarded-For"}
    request = rf.get("/", HTTP_X_FORWARDED_FOR="<script>", REMOTE_ADDR="198.51.100.4")
    assert str(request_address(request)) == "198.51.100.4"


# --- blocked addresses ----------------------------------------------------------------


@pytest.fixture
def blocked_range(db):
    return BlockedAddress.objects.create(network="203.0.113.0/24", reason="flooding")


def test_a_blocked_range_is_stored_canonically_and_matches_its_addresses(db):
    block = BlockedAddress.objects.create(network=" 203.0.113.77/24 ")
    assert block.network == "203.0.113.0/24"
    assert is_address_blocked("203.0.113.200")
    assert is_address_blocked("::ffff:203.0.113.1")
    assert not is_address_blocked("203.0.114.1")
    assert not is_address_blocked("not an address")
    assert not is_address_blocked(None)
    BlockedAddress.objects.create(network="2001:db8::/32")
    assert is_address_blocked("2001:db8:5::1")
    block.delete()
    assert not is_address_blocked("203.0.113.200")


@pytest.mark.django_db(transaction=True)
def test_a_blocked_address_gets_403_on_widget_endpoints(ann_api, ticket_ann, blocked_range):
    blocked = {"REMOTE_ADDR": "203.0.113.9", "HTTP_ORIGIN": ORIGIN}
    session = ann_api.post("/api/widget/session/", {"key": "acme"}, format="json", **blocked)
    assert session.status_code == 403
    assert session.data["code"] == "address_blocked"
    url = f"/api/widget/tickets/{ticket_ann.pk}/messages/"
    assert ann_api.post(url, {"body": "hi"}, format="json", **blocked).status_code == 403
    stream = ann_api.get("/api/widget/stream/", **blocked)
    assert (stream.status_code, stream.json()["code"]) == (403, "address_blocked")
    assert not ticket_ann.messages.exists()
    allowed = {"REMOTE_ADDR": "198.51.100.9", "HTTP_ORIGIN": ORIGIN}
    assert ann_api.post(url, {"body": "hi"}, format="json", **allowed).status_code == 201


def from_address(address: str):
    async def app(scope, receive, send):
        return await application({**scope, "client": (address, 40000)}, receive, send)

    return app


@pytest.mark.django_db(transaction=True)
async def test_a_widget_socket_from_a_blocked_address_is_refused_at_connect(blocked_range):
    refused = WebsocketCommunicator(from_address("203.0.113.9"), "/ws/widget/")
    connected, code = await refused.connect()
    assert (connected, code) == (False, 4403)

    allowed = WebsocketCommunicator(from_address("198.51.100.9"), "/ws/widget/")
    connected, _ = await allowed.connect()
    assert connected
    await allowed.disconnect()


def test_admin_can_block_an_address_or_a_range(admin_client):
    url = "/admin/abuse/blockedaddress/add/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"network": "198.51.100.0/25", "reason": "spam"})
    assert response.status_code == 302
    assert is_address_blocked("198.51.100.17")
    refused = admin_client.post(url, {"network": "<b>198.51.100</b>", "reason": ""})
    assert refused.status_code == 200
    assert b"is not an IP address or a range" in refused.content
    assert BlockedAddress.objects.count() == 1


# --- email caps -----------------------------------------------------------------------


def test_email_to_one_address_stops_at_the_daily_cap(db, settings):
    settings.PARLEY = {**settings.PARLEY, "EMAILS_PER_ADDRESS_PER_DAY": 2}
    ticket = TicketFactory()
    context = {"ticket": ticket, "messages": [], "visitor": ticket.visitor}
    sent = [
        send_once(
            f"test:{n}",
            to=["Stranger@example.com" if n % 2 else "stranger@example.com"],
            template="transcript",
            context=context,
        )
        for n in range(3)
    ]
    assert sent == [True, True, False]
    assert len(mail.outbox) == 2
    assert email_allowed("someone.else@example.com")


def test_transcript_requests_naming_one_address_stop_at_the_daily_cap(api, widget, settings):
    """The issue's mail bomb: many tickets, each asking for a transcript to one
    stranger's address."""
    settings.PARLEY = {**settings.PARLEY, "TRANSCRIPTS_PER_ADDRESS_PER_DAY": 2}
    visitor = VisitorFactory(widget=widget)
    as_visitor(api, visitor)
    codes = []
    for _ in range(3):
        ticket = TicketFactory(visitor=visitor)
        response = api.post(
            f"/api/widget/tickets/{ticket.pk}/transcript/",
            {"email": "victim@example.com"},
            format="json",
            HTTP_ORIGIN=ORIGIN,
        )
        codes.append(response.status_code)
    assert codes == [202, 202, 429]
    assert response.data["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert TranscriptRequest.objects.count() == 2
