"""Fixtures shared by the whole suite: a few named people, and the test-only
settings that keep unit tests off the network."""

import gc
import json
import os
from collections.abc import Callable

import channels.testing.application
import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import close_old_connections, connections
from django.test import Client, override_settings
from rest_framework.test import APIClient

from chat import events
from chat.services import Sender, post_message
from chat.visitor_auth import visitor_token
from helpdesk import db, memo
from helpdesk.asgi import application
from helpdesk.celery import app as celery_app

from .factories import AgentFactory, TicketFactory, VisitorFactory, WidgetFactory

ON_CI = os.environ.get("CI") == "true"
ORIGIN = b"http://127.0.0.1:8000"

# Tasks run where they are queued: no test leaves work in a broker for the next
# `make run`, and a task that fails fails its test. Real workers are in integration/.
celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True


def skip_or_fail(reason: str) -> None:
    """A missing service skips locally but fails on CI, where everything must run."""
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """MD5 instead of PBKDF2 for the passwords this process hashes: a factory-made
    agent costs a million PBKDF2 rounds (a quarter of a second here), hundreds of
    times a pass, and no test is about the hash's strength. Tests only: the
    settings module is untouched, and the daphne servers the integration and
    browser tests start keep the production hashers."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    yield
    # PostgreSQL drops no test database that is still in use: the consumers'
    # thread keeps its connection (helpdesk/db.py), and a connection a test left
    # open in a context that is gone is closed once it is collected.
    db.close_kept_connections()
    gc.collect()


def pytest_collection_modifyitems(items):
    """Browser tests run last. Playwright's sync API holds an event loop for the
    session (the browser fixture), and async tests that come after it and take no
    database found that loop running and could not start their own."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _postgres_tests_need_postgres(request):
    """A test marked ``postgres`` tests what only PostgreSQL has (row locks, the
    connection pool, full-text search, index plans): on SQLite it is skipped,
    or fails with CI=true."""
    if (
        request.node.get_closest_marker("postgres")
        and connections["default"].vendor != "postgresql"
    ):
        skip_or_fail("this test needs PostgreSQL: set DATABASE_URL")


@pytest.fixture(autouse=True)
def _local_layer_and_cache(settings):
    # Unit and consumer tests use the in-memory layer and cache even in the
    # PostgreSQL + Redis pass; real Redis is exercised by tests/integration.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "helpdesk.layers.LocalChannelLayer"}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    # What this process keeps beside the cache, too (helpdesk/memo.py).
    memo.forget_all()
    yield
    cache.clear()
    memo.forget_all()


@pytest.fixture(autouse=True)
def _sockets_close_their_connections(monkeypatch):
    """Channels' test communicator makes ``close_old_connections`` a no-op while
    it sends and receives, to keep a TestCase's transaction open across the
    consumer's calls. Here the consumers' code runs on threads of its own, never
    inside the test's transaction, and a connection it leaves open on a thread of
    the test's event loop is never given back to the PostgreSQL pool once that
    loop ends with the test: ten of them, and a later test waits 10 s for a
    connection and fails (tests/helpdesk/test_connection_pool.py)."""
    monkeypatch.setattr(channels.testing.application, "no_op", close_old_connections)


@pytest.fixture
def kept_queries(monkeypatch) -> Callable[[], list[str]]:
    """Counting the queries of the consumers, which run on the kept connections of
    their own threads (helpdesk/db.py), where ``django_assert_num_queries`` can't
    see: a function listing every query the consumers' kept connections have run
    since the fixture started, whichever of their threads ran it."""
    original = db.kept_connection

    def logging_connection():
        # Set per call: a thread that makes its connection later logs as well.
        connection = original()
        connection.force_debug_cursor = True
        return connection

    monkeypatch.setattr(db, "kept_connection", logging_connection)
    for connection in db.kept_connections():
        connection.queries_log.clear()
    return lambda: [query["sql"] for c in db.kept_connections() for query in c.queries_log]


@pytest.fixture
def broadcasts(monkeypatch):
    """Everything sent to channel-layer groups, as (groups, event) pairs.

    Each event goes through JSON first, as it would on the wire, so a payload that
    can't be serialised fails where it is built.
    """
    sent = []

    def record(frames):
        for groups, event in frames:
            assert event["type"] in events.SERVER_EVENTS
            sent.append((sorted(groups), json.loads(json.dumps(event))))

    monkeypatch.setattr(events, "broadcast_many", record)
    return sent


def http_scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    """An ASGI scope for a POST to ``path`` from outside, for an application
    driven directly (asgiref's ApplicationCommunicator)."""
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("198.51.100.1", 5555),
        "server": ("127.0.0.1", 80),
    }


@pytest.fixture
def widget(db):
    """An installation on one customer site; visitors from factories get their own."""
    return WidgetFactory(name="Acme", key="acme", allowed_origins="https://shop.example")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def bob_api(agent_bob):
    """The agent API as Bob, signed in."""
    api = APIClient()
    api.force_authenticate(agent_bob.user)
    return api


def as_visitor(api, visitor):
    """``api`` authenticated as ``visitor``, as the widget would be."""
    api.credentials(HTTP_AUTHORIZATION=f"Visitor {visitor_token(visitor)}")
    return api


@pytest.fixture
def ann_api(api, ticket_ann):
    return as_visitor(api, ticket_ann.visitor)


@database_sync_to_async
def say(ticket, body, *, agent=None, internal=False):
    """Post a message from an async test: the agent's, or the ticket's visitor's."""
    sender = (
        Sender.for_agent(agent.user, agent.display_name)
        if agent
        else Sender.for_visitor(ticket.visitor)
    )
    return post_message(ticket=ticket, sender=sender, body=body, internal=internal)


@pytest.fixture
def visitor_ann(widget):
    return VisitorFactory(name="Ann", widget=widget)


@pytest.fixture
def visitor_ben(db):
    return VisitorFactory(name="Ben")


@pytest.fixture
def agent_bob(db):
    return AgentFactory(display_name="Bob")


@pytest.fixture
def agent_cat(db):
    return AgentFactory(display_name="Cat")


@pytest.fixture
def ticket_ann(visitor_ann):
    return TicketFactory(visitor=visitor_ann)


@pytest.fixture
def ticket_ben(visitor_ben):
    return TicketFactory(visitor=visitor_ben)


# --- sockets ----------------------------------------------------------------------


async def connect(path: str, headers: list[tuple[bytes, bytes]] | None = None):
    communicator = WebsocketCommunicator(application, path, headers=headers or [])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def visitor_socket(token: str, resume: dict | None = None):
    """A widget socket that has said hello; returns (communicator, welcome)."""
    communicator = await connect("/ws/widget/", [(b"origin", b"https://shop.example")])
    await communicator.send_json_to({"type": "hello", "token": token, "resume": resume or {}})
    welcome = await communicator.receive_json_from()
    assert welcome["type"] == "welcome", welcome
    return communicator, welcome


@sync_to_async
def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def agent_socket(profile, *, first_tab: bool = True):
    """A dashboard socket logged in as ``profile``'s user; returns (communicator, welcome).

    An agent's first tab comes online, which is broadcast to all agents; that
    presence frame is read here so tests start from a quiet socket.
    """
    cookie = await session_cookie(profile.user)
    communicator = await connect("/ws/agent/", [(b"origin", ORIGIN), (b"cookie", cookie)])
    await communicator.send_json_to({"type": "hello"})
    welcome = await communicator.receive_json_from()
    assert welcome["type"] == "welcome", welcome
    if first_tab:
        await receive_until(communicator, "presence")
    return communicator, welcome


async def receive_until(communicator, frame_type: str, timeout: float = 2):
    """Frames up to and including the first of ``frame_type``."""
    frames = []
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        frames.append(frame)
        if frame["type"] == frame_type:
            return frames
