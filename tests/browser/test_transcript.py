"""The transcript by email, asked for during a chat and sent when an agent ends
it, through a real Celery worker and a real email backend (a folder of files)."""

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..processes import Stack, process_env
from .conftest import log_in_agent, widget_code
from .test_chat import agent_says, open_ticket, open_widget, visitor_says

pytestmark = pytest.mark.browser


@pytest.fixture
def mailing_app(tmp_path):
    """An app of its own whose worker sends email into ``tmp_path/mail``."""
    stack = Stack(tmp=tmp_path, env=process_env(tmp_path, EMAIL_FILE_PATH=str(tmp_path / "mail")))
    stack.setup(widget_code("demo", offline_form=False))
    stack.start_server("app")
    stack.start_celery()
    yield stack
    stack.stop_all()


def mail_to(app: Stack, to: str, timeout: float = 30) -> list[str]:
    """The emails to ``to`` so far, waiting up to ``timeout`` for the first (the
    demo data's team alerts go elsewhere)."""
    folder = Path(app.env["EMAIL_FILE_PATH"])
    deadline = time.monotonic() + timeout
    while True:
        found = [
            text
            for path in (sorted(folder.glob("*.log")) if folder.exists() else [])
            if f"To: {to}" in (text := path.read_text())
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_asked_during_the_chat_the_transcript_is_emailed_when_the_agent_resolves_it(
    mailing_app, host, new_context, screenshot
):
    app = mailing_app
    ada = log_in_agent(new_context(), app, "ada")
    visitor_browser = new_context()
    visitor = open_widget(visitor_browser, host.page(app))
    visitor_says(visitor, "Where is my <b>parcel</b>?")
    open_ticket(ada, visitor.evaluate("Parley.state().ticket"))
    agent_says(ada, "It left our warehouse today.")
    agent_says(ada, "Ship it express, no charge", internal=True)

    # Mid-chat: a link under the composer reveals the email form.
    visitor.get_by_test_id("parley-transcript-later").click()
    email = visitor.get_by_test_id("parley-transcript-email")
    expect(email).to_be_focused()
    email.fill("kim@example.com<script>")
    visitor.get_by_test_id("parley-transcript-submit").click()
    expect(visitor.locator("[data-field-error=email]")).to_be_visible()
    screenshot(visitor, "asking-mid-chat")
    email.fill("kim@example.com")
    visitor.get_by_test_id("parley-transcript-submit").click()
    done = visitor.get_by_test_id("parley-transcript-done")
    expect(done).to_have_text("We'll email the transcript to kim@example.com when this chat ends.")
    expect(done).to_be_focused()
    expect(visitor.get_by_test_id("parley-input")).to_be_visible()  # still chatting
    screenshot(visitor, "asked-mid-chat")
    # Another tab of the same visitor knows, and nothing has been sent yet.
    other_tab = open_widget(visitor_browser, host.page(app))
    expect(other_tab.get_by_test_id("parley-transcript-done")).to_contain_text("when this chat")
    expect(other_tab.get_by_test_id("parley-transcript-later")).to_have_count(0)
    assert mail_to(app, "kim@example.com", timeout=2) == []

    ada.get_by_test_id("action-status").select_option("resolved")
    [mail] = mail_to(app, "kim@example.com")
    assert "Where is my <b>parcel</b>?" in mail
    assert "It left our warehouse today." in mail
    assert "express" not in mail and "set the status" not in mail

    # The chat is over, and the widget says where the transcript went, also after
    # a reload: it offers no second request.
    expect(visitor.get_by_test_id("parley-input")).to_have_count(0)
    expect(done).to_have_text("We'll email the transcript to kim@example.com.")
    visitor.reload()
    visitor.get_by_test_id("parley-launcher").click()
    expect(visitor.get_by_test_id("parley-rating")).to_be_visible()
    expect(visitor.get_by_test_id("parley-transcript-done")).to_have_text(
        "We'll email the transcript to kim@example.com."
    )
    expect(visitor.get_by_test_id("parley-transcript-email")).to_have_count(0)
    screenshot(visitor, "ended-after-reload")
    # Reopened and resolved again: still the one email.
    ada.get_by_test_id("action-status").select_option("open")
    ada.get_by_test_id("action-status").select_option("closed")
    expect(ada.get_by_test_id("action-status")).to_have_value("closed")
    time.sleep(3)
    assert len(mail_to(app, "kim@example.com")) == 1
