"""A new admin's first steps in a real browser: copy a widget's embed tag from
admin, invite an agent, and the agent sets a password from the emailed link and
lands on the dashboard."""

import json
import re
import time
import zipfile

import pytest
from playwright.sync_api import expect

from .conftest import start_app

pytestmark = pytest.mark.browser


@pytest.fixture
def mailing_app(tmp_path):
    """An app of its own that writes its emails to files, sending them as it
    queues them (no worker)."""
    stack = start_app(
        tmp_path, EMAIL_FILE_PATH=str(tmp_path / "mail"), CELERY_TASK_ALWAYS_EAGER="true"
    )
    yield stack
    stack.stop_all()


def log_in_admin(context, app):
    page = context.new_page()
    page.goto(app.http("app", "/admin/login/?next=/admin/"))
    page.fill("#id_username", "admin")
    page.fill("#id_password", "parley-demo")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return page


def invitation_link(app, to: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    folder = app.tmp / "mail"
    while time.monotonic() < deadline:
        for mail in sorted(folder.glob("*.log")) if folder.exists() else []:
            text = mail.read_text()
            if f"To: {to}" in text and (found := re.search(r"http://\S+/agent/welcome/\S+/", text)):
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no invitation to {to}")


def test_an_admin_copies_the_embed_tag_and_invites_an_agent_who_lands_on_the_dashboard(
    mailing_app, new_context
):
    admin_context = new_context()
    admin_context.grant_permissions(["clipboard-read", "clipboard-write"])
    admin = log_in_admin(admin_context, mailing_app)

    admin.goto(mailing_app.http("app", "/admin/helpdesk/widget/"))
    admin.get_by_role("link", name="Ledgerly").click()
    tag = admin.locator("#parley-embed-tag").input_value()
    assert tag == (
        f'<script src="{mailing_app.http("app")}/static/widget/parley.js" data-key="demo" '
        "async></script>"
    )
    admin.get_by_role("button", name="Copy").click()
    expect(admin.get_by_role("button", name="Copied")).to_be_visible()
    assert admin.evaluate("navigator.clipboard.readText()") == tag
    preview = admin.frame_locator("iframe[name=parley-preview]")
    expect(preview.get_by_test_id("parley-launcher")).to_be_visible()

    admin.goto(mailing_app.http("app", "/admin/agents/agentprofile/"))
    admin.get_by_role("link", name="Invite agent").click()
    admin.fill("#id_email", "kai@example.com")
    admin.fill("#id_display_name", "Kai")
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.locator(".messagelist")).to_contain_text("Invited Kai")

    link = invitation_link(mailing_app, "kai@example.com")
    assert link.startswith(mailing_app.http("app"))  # the address it serves on
    kai = new_context().new_page()
    kai.goto(link)
    kai.fill("#id_new_password1", "kai-has-a-long-password-7")
    kai.fill("#id_new_password2", "kai-has-a-long-password-7")
    kai.get_by_role("button", name="Set password and open the dashboard").click()
    kai.wait_for_url("**/agent/")
    expect(kai.locator("#me-name")).to_have_text("Kai")


def test_an_admin_exports_a_visitor_then_erases_them(mailing_app, new_context):
    admin = log_in_admin(new_context(accept_downloads=True), mailing_app)
    admin.goto(mailing_app.http("app", "/admin/helpdesk/visitor/?q=maria%40example.com"))
    row = admin.locator("#result_list tbody tr", has_text="Maria")
    row.locator("input.action-select").check()
    admin.select_option("select[name=action]", "export_visitor")
    with admin.expect_download() as download:
        admin.get_by_role("button", name="Go").click()
    archive = zipfile.ZipFile(download.value.path())
    document = json.loads(archive.read("visitor.json"))
    assert document["visitor"]["email"] == "maria@example.com"
    assert "billing address" in document["tickets"][0]["messages"][0]["body"]

    admin.goto(mailing_app.http("app", "/admin/helpdesk/visitor/?q=maria%40example.com"))
    admin.locator("#result_list tbody tr", has_text="Maria").locator("input.action-select").check()
    admin.select_option("select[name=action]", "erase_visitors")
    admin.get_by_role("button", name="Go").click()
    expect(admin.get_by_text("Erasing cannot be undone")).to_be_visible()
    admin.get_by_role("button", name="Yes, erase them").click()
    expect(admin.locator(".messagelist")).to_contain_text("Erased 1 visitor")
    admin.goto(mailing_app.http("app", "/admin/privacy/erasure/"))
    expect(admin.locator("#result_list")).to_contain_text("admin")
    admin.goto(mailing_app.http("app", "/admin/helpdesk/visitor/?q=maria%40example.com"))
    expect(admin.locator("#result_list")).to_have_count(0)
