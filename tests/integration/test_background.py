"""Celery work done by a real worker, fed through Redis by a real web process."""

import time
from pathlib import Path

import pytest

from ..processes import ROOT, Stack, post_json, process_env

pytestmark = pytest.mark.integration


def wait_for_mail(folder: Path, to: str, timeout: float = 60) -> str:
    """The file-backend output holding an email to ``to`` (other emails, such as
    the team's alerts about the demo data's waiting visitors, are passed over)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in sorted(folder.glob("*.log")) if folder.exists() else []:
            if f"To: {to}" in (text := mail.read_text()):
                return text
        time.sleep(0.5)
    raise AssertionError(f"no email to {to} in {folder} after {timeout}s")


@pytest.fixture
def embedded(tmp_path):
    """The make-run configuration: SQLite and a broker that is a folder on disk."""
    stack = Stack(tmp=tmp_path, env=process_env(tmp_path, EMAIL_FILE_PATH=str(tmp_path / "mail")))
    stack.setup()
    yield stack
    stack.stop_all()


@pytest.mark.parametrize("configuration", ["stack", "embedded"])
def test_a_transcript_request_is_mailed_by_the_worker(request, configuration):
    stack = request.getfixturevalue(configuration)
    stack.start_server("web")
    stack.start_celery()
    session = post_json(
        stack.http("web", "/api/widget/session/"),
        {"key": "demo", "name": "Kim", "email": "kim@example.com"},
    )
    auth = {"Authorization": f"Visitor {session['token']}"}
    first = post_json(
        stack.http("web", "/api/widget/tickets/"),
        {"body": "Do you ship to <b>Iceland</b>?", "client_id": "k-1"},
        auth,
    )
    # Asked during the chat: it goes out when the chat ends, with the closing line.
    answer = post_json(
        stack.http("web", f"/api/widget/tickets/{first['ticket']}/transcript/"), {}, auth
    )
    assert answer == {"ticket": first["ticket"], "email": "kim@example.com", "when": "on_end"}
    post_json(stack.http("web", f"/api/widget/tickets/{first['ticket']}/end/"), {}, auth)

    mail = wait_for_mail(Path(stack.env["EMAIL_FILE_PATH"]), to="kim@example.com")
    assert "Kim: Do you ship to <b>Iceland</b>?" in mail
    assert "Kim ended the chat." in mail
    stack.stop("worker")
    stack.stop("web")
    # The filesystem broker keeps all its folders under PARLEY_VAR_DIR.
    assert not (ROOT / "control").exists()
