"""Webhooks sent by a real Celery worker, after a real web process stored the
chat: to a receiver that answers, one that fails (retried with backoff) and one
that stalls (cut off by the timeout), all on 127.0.0.1."""

import json
import time

import pytest

from ..processes import Stack, post_json, process_env
from ..webhook_receiver import Receiver, verify
from .conftest import services_stack

pytestmark = pytest.mark.integration

SECRET = "whsec_integration"
WEBHOOKS = {
    "PARLEY_WEBHOOK_TIMEOUT": "1",
    "PARLEY_WEBHOOK_MAX_ATTEMPTS": "3",
    "PARLEY_WEBHOOK_RETRY_BASE": "0.5",
}


@pytest.fixture(params=["embedded", "services"])
def parley(request, tmp_path):
    """The make-run configuration (SQLite, a folder for a broker), or PostgreSQL
    and Redis."""
    if request.param == "embedded":
        stack = Stack(tmp=tmp_path, env=process_env(tmp_path, **WEBHOOKS))
        stack.setup()
        yield stack
        stack.stop_all()
    else:
        with services_stack(tmp_path, **WEBHOOKS) as stack:
            yield stack


@pytest.fixture
def receivers():
    made = {name: Receiver(name, delay=5) for name in ("ok", "fail", "stall")}
    yield made
    for receiver in made.values():
        receiver.close()


def add_endpoint(stack: Stack, url: str) -> None:
    stack.manage(
        "shell",
        "-c",
        "from chat.webhooks.models import Endpoint; "
        f"Endpoint.objects.create(url={url!r}, events=['conversation.created'], "
        f"secret={SECRET!r})",
    )


def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not so after {timeout}s")


def attempts(stack: Stack) -> list[list]:
    output = stack.manage(
        "shell",
        "-c",
        "import json; from chat.webhooks.models import Attempt; "
        "print(json.dumps([[a.delivery.endpoint.url, a.number, a.status_code, a.error] "
        "for a in Attempt.objects.select_related('delivery__endpoint').order_by('id')]))",
    )
    return json.loads(output.strip().splitlines()[-1])


def test_a_worker_delivers_signed_retries_failures_and_cuts_off_a_stall(parley, receivers):
    for receiver in receivers.values():
        add_endpoint(parley, receiver.url)
    parley.start_server("web")
    parley.start_celery()
    session = post_json(parley.http("web", "/api/widget/session/"), {"key": "demo"})
    started = post_json(
        parley.http("web", "/api/widget/tickets/"),
        {"body": "Hello <b>webhooks</b>", "client_id": "w-1"},
        {"Authorization": f"Visitor {session['token']}"},
    )

    wait_until(lambda: len(receivers["ok"].received) == 1)
    (delivery,) = receivers["ok"].received
    assert verify(SECRET, delivery.body, delivery.headers["Parley-Signature"])
    envelope = json.loads(delivery.body)
    assert envelope["type"] == "conversation.created"
    assert envelope["data"]["conversation"]["id"] == started["ticket"]

    # Three tries each, the same event every time.
    wait_until(lambda: len(receivers["fail"].received) == 3)
    wait_until(lambda: len(receivers["stall"].received) == 3)
    ids = {r.headers["Parley-Delivery"] for r in receivers["fail"].received}
    assert ids == {envelope["id"]}
    wait_until(lambda: len(attempts(parley)) == 7)
    log = attempts(parley)
    assert [row[1:3] for row in log if row[0] == receivers["fail"].url] == [
        [1, 500],
        [2, 500],
        [3, 500],
    ]
    stalled = [row for row in log if row[0] == receivers["stall"].url]
    assert [row[1] for row in stalled] == [1, 2, 3]
    assert all(row[2] is None and "timed out" in row[3] for row in stalled)
    time.sleep(2)  # nothing more comes: attempts ran out
    assert len(receivers["fail"].received) == 3
