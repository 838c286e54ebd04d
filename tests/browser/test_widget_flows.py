"""The widget as a site owner configures it: looks, pre-chat form, offline form,
and a visitor's earlier conversations."""

import pytest
from playwright.sync_api import expect

from .conftest import configure_widget, log_in_agent
from .test_chat import open_widget, visitor_says

pytestmark = pytest.mark.browser


def test_the_widget_takes_its_look_and_greeting_from_the_server(app, host, new_context, screenshot):
    configure_widget(
        app,
        "brand",
        name="Acme <Support>",
        accent_color="#b91c1c",
        position="left",
        greeting="Ahoy! <b>Ask us anything.</b>",
    )
    page = open_widget(new_context(), host.page(app, "brand"))
    launcher = page.get_by_test_id("parley-launcher")
    box = launcher.bounding_box()
    assert box["x"] + box["width"] < 1280 / 2
    assert launcher.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(185, 28, 28)"
    expect(page.get_by_test_id("parley-greeting")).to_contain_text("Ahoy! <b>Ask us anything.</b>")
    expect(page.get_by_test_id("parley-panel")).to_contain_text("Acme <Support>")
    screenshot(page, "branded")


def test_an_unknown_key_renders_nothing(app, host, new_context):
    page = new_context().new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text))
    page.goto(host.page(app, "no-such-widget"))
    page.wait_for_timeout(1500)
    assert page.get_by_test_id("parley-launcher").count() == 0
    assert any("Parley" in text for text in errors)


def test_a_required_pre_chat_form_comes_before_the_chat(app, host, new_context):
    configure_widget(app, "strict", name="Strict", prechat="required")
    dashboard = log_in_agent(new_context(), app, "ada")
    page = open_widget(new_context(), host.page(app, "strict"))
    form = page.get_by_test_id("parley-prechat")
    expect(form).to_be_visible()
    expect(page.get_by_test_id("parley-prechat-skip")).to_have_count(0)
    expect(page.get_by_test_id("parley-input")).to_have_count(0)

    page.get_by_test_id("parley-prechat-name").fill("Dora <script>")
    page.get_by_test_id("parley-prechat-email").fill("not an email")
    page.get_by_test_id("parley-prechat-submit").click()
    expect(form).to_be_visible()

    page.get_by_test_id("parley-prechat-email").fill("dora@example.com")
    page.get_by_test_id("parley-prechat-submit").click()
    expect(form).to_be_hidden()
    visitor_says(page, "Hello from Dora")
    ticket = page.evaluate("Parley.state().ticket")
    row = dashboard.locator(f"[data-testid=inbox-row][data-ticket-id='{ticket}']")
    expect(row).to_contain_text("Dora <script>")


def test_with_nobody_online_a_visitor_leaves_a_message_and_an_email(
    quiet_app, host, new_context, screenshot
):
    page = open_widget(new_context(), host.page(quiet_app))
    form = page.get_by_test_id("parley-offline")
    expect(form).to_be_visible()
    page.get_by_test_id("parley-offline-email").fill("eve@example.com")
    note = "Please call me back about <b>zebra crossings</b>"
    page.get_by_test_id("parley-offline-body").fill(note)
    page.get_by_test_id("parley-offline-submit").click()
    expect(page.get_by_test_id("parley-offline-done")).to_contain_text("eve@example.com")
    screenshot(page, "offline-done")

    dashboard = log_in_agent(new_context(), quiet_app, "grace")
    row = dashboard.get_by_test_id("inbox-row").filter(has_text="zebra crossings")
    expect(row).to_have_count(1)
    row.click()
    expect(dashboard.get_by_test_id("thread")).to_contain_text(note)


def test_a_visitor_sees_and_reopens_earlier_conversations(app, host_site, new_context):
    page = open_widget(new_context(), host_site)
    visitor_says(page, "First question")
    first = page.evaluate("Parley.state().ticket")
    page.get_by_test_id("parley-back").click()
    page.get_by_test_id("parley-new-conversation").click()
    visitor_says(page, "Second question")
    second = page.evaluate("Parley.state().ticket")
    assert second != first

    page.get_by_test_id("parley-back").click()
    rows = page.get_by_test_id("parley-conversation")
    expect(rows).to_have_count(2)
    page.locator(f"[data-testid=parley-conversation][data-ticket-id='{first}']").click()
    expect(page.get_by_test_id("parley-messages")).to_contain_text("First question")
    expect(page.get_by_test_id("parley-messages")).not_to_contain_text("Second question")
