"""Kill the Celery worker (SIGKILL) in the middle of sending an email: once a new
worker has taken the task over from Redis, the email has arrived exactly once.
helpdesk/notifications.py says where the one window left for a second copy is."""

import asyncio
import email
import json
import time
from collections.abc import Callable
from email.message import Message

import psycopg
import pytest
import redis

from ..processes import Stack, post_json
from .conftest import REDIS_URL, Inbox, mailing_settings, services_stack, smtp_server

pytestmark = pytest.mark.integration

# Short, so the task of the killed worker is given out again within the test.
VISIBILITY_TIMEOUT = 3
TASK = "chat.tasks.send_transcript"


class CarefulServer(Inbox):
    """An SMTP server that is slow to answer, and as careful as a correct MTA: an
    email is its own (in ``messages``) only if the client was still there to hear
    the 250.

    For an address in ``hold_data`` it holds its answer to the email until the
    address is taken out; for one in ``hold_quit`` it takes the email at once and
    holds its answer to the QUIT after it. ``seen`` is what happened, in order:
    ("data", to), ("dropped", to), ("quit", to)."""

    def __init__(self):
        super().__init__()
        self.attempts: list[Message] = []  # every email it got, kept or not
        self.seen: list[tuple[str, str]] = []
        self.hold_data: set[str] = set()
        self.hold_quit: set[str] = set()
        self.quit_held_for: dict[object, str] = {}  # session -> address

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        to = ", ".join(envelope.rcpt_tos)
        self.attempts.append(message)
        self.seen.append(("data", to))
        try:
            await self.hold_while(lambda: to in self.hold_data)
        except asyncio.CancelledError:
            # aiosmtpd cancels the handler when the client is gone: nobody to say
            # 250 to, so the email is not ours.
            self.seen.append(("dropped", to))
            raise
        if server.transport is None or server.transport.is_closing():
            self.seen.append(("dropped", to))
            return "451 Nobody there"
        self.messages.append(message)
        if to in self.hold_quit:
            self.quit_held_for[session] = to
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):
        if to := self.quit_held_for.pop(session, None):
            self.seen.append(("quit", to))
            await self.hold_while(lambda: to in self.hold_quit)
        return "221 Bye"

    @staticmethod
    async def hold_while(condition: Callable[[], bool], limit: float = 60) -> None:
        deadline = time.monotonic() + limit
        while condition() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    def to(self, address: str) -> list[Message]:
        return [message for message in self.messages if message["To"] == address]


def wait_for(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout}s for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def careful_smtp():
    server = CarefulServer()
    with smtp_server(server) as port:
        yield server, port


@pytest.fixture(scope="module")
def killing_stack(tmp_path_factory, careful_smtp):
    _, port = careful_smtp
    settings = mailing_settings(port, PARLEY_CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
    with services_stack(tmp_path_factory.mktemp("killing"), **settings) as stack:
        stack.start_server("web")
        yield stack


@pytest.fixture
def stack(killing_stack):
    """The stack with no worker: each test starts (and kills) its own."""
    yield killing_stack
    for name in [name for name in killing_stack.servers if name != "web"]:
        killing_stack.stop(name)


def ask_for_transcript(stack: Stack, address: str) -> int:
    """A visitor's ended chat whose transcript they ask for: one email to
    ``address``, queued at once. Returns the request's id."""
    web = stack.http("web")
    session = post_json(f"{web}/api/widget/session/", {"key": "demo", "name": "Kim"})
    auth = {"Authorization": f"Visitor {session['token']}"}
    ticket = post_json(f"{web}/api/widget/tickets/", {"body": "Send me this, please."}, auth)
    post_json(f"{web}/api/widget/tickets/{ticket['ticket']}/end/", {}, auth)
    post_json(f"{web}/api/widget/tickets/{ticket['ticket']}/transcript/", {"email": address}, auth)
    with psycopg.connect(stack.env["DATABASE_URL"]) as database:
        [(request_id,)] = database.execute(
            "SELECT id FROM chat_transcriptrequest WHERE email = %s", [address]
        ).fetchall()
    return request_id


def sent_at(stack: Stack, request_id: int) -> dict:
    """When the Notification row and the TranscriptRequest say the email went out
    (None: not yet; no "notification" key: no row)."""
    with psycopg.connect(stack.env["DATABASE_URL"]) as database:
        found = {
            "request": database.execute(
                "SELECT sent_at FROM chat_transcriptrequest WHERE id = %s", [request_id]
            ).fetchone()[0]
        }
        if row := database.execute(
            "SELECT sent_at FROM helpdesk_notification WHERE purpose = %s",
            [f"transcript:{request_id}"],
        ).fetchone():
            found["notification"] = row[0]
    return found


def in_broker(stack: Stack, request_id: int) -> list[str]:
    """Where Redis holds this request's task: "unacked" (a worker took it and has
    not acknowledged it) or "queued" (waiting for a worker)."""
    prefix = f"{stack.env['PARLEY_REDIS_PREFIX']}:"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        unacked = [json.loads(raw)[0] for raw in client.hvals(f"{prefix}unacked")]
        queued = [json.loads(raw) for raw in client.lrange(f"{prefix}email", 0, -1)]
    finally:
        client.close()

    def ours(message: dict) -> bool:
        headers = message["headers"]
        return headers["task"] == TASK and headers["argsrepr"] == f"({request_id},)"

    return ["unacked"] * sum(map(ours, unacked)) + ["queued"] * sum(map(ours, queued))


def ran_the_task(stack: Stack, worker: str) -> bool:
    log = (stack.tmp / f"celery-{worker}.log").read_text(errors="replace")
    return any(f"Task {TASK}[" in line and " succeeded " in line for line in log.splitlines())


def test_a_worker_killed_before_the_server_took_the_email_leaves_it_to_the_next(
    stack, careful_smtp
):
    server, _ = careful_smtp
    address = "killed-before-250@example.com"
    server.hold_data.add(address)
    stack.start_celery("first")
    request_id = ask_for_transcript(stack, address)

    # The whole email is on the server, which has not answered yet: kill now.
    wait_for(lambda: ("data", address) in server.seen, "the worker to hand over the email")
    stack.kill("first")
    wait_for(lambda: ("dropped", address) in server.seen, "the server to see the worker gone")
    server.hold_data.discard(address)
    assert server.to(address) == []
    assert sent_at(stack, request_id) == {"request": None, "notification": None}
    assert in_broker(stack, request_id) == ["unacked"]

    # Taken longer ago than the visibility timeout, the task is given out again
    # when the next worker starts.
    time.sleep(VISIBILITY_TIMEOUT + 0.5)
    stack.start_celery("second")
    [sent] = server.about(lambda message: message["To"] == address, timeout=30)
    wait_for(lambda: ran_the_task(stack, "second"), "the second worker to finish the task")
    wait_for(lambda: in_broker(stack, request_id) == [], "the task to be acknowledged")
    assert None not in sent_at(stack, request_id).values()

    time.sleep(VISIBILITY_TIMEOUT + 2)  # nothing left to give out again, however late
    assert server.to(address) == [sent]
    # The attempt cut short was the same email, down to its Message-ID.
    [cut_short, _] = [message for message in server.attempts if message["To"] == address]
    assert cut_short["Message-ID"] == sent["Message-ID"]


def test_a_worker_killed_after_recording_the_send_sends_no_second_copy(stack, careful_smtp):
    server, _ = careful_smtp
    address = "killed-after-commit@example.com"
    server.hold_quit.add(address)
    stack.start_celery("third")
    request_id = ask_for_transcript(stack, address)

    # The server has the email and the worker waits for its goodbye: the send is
    # committed, the task not acknowledged. Kill now.
    wait_for(lambda: ("quit", address) in server.seen, "the worker to say QUIT")
    assert sent_at(stack, request_id)["notification"] is not None
    assert in_broker(stack, request_id) == ["unacked"]
    stack.kill("third")
    server.hold_quit.discard(address)
    [sent] = server.to(address)

    time.sleep(VISIBILITY_TIMEOUT + 0.5)
    stack.start_celery("fourth")
    wait_for(lambda: ran_the_task(stack, "fourth"), "the next worker to run the task again")
    wait_for(lambda: in_broker(stack, request_id) == [], "the task to be acknowledged")
    # It ran to the end (the request says sent now) and sent nothing.
    assert None not in sent_at(stack, request_id).values()
    assert server.to(address) == [sent]
