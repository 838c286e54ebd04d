"""The inbox's unread badge counts what people wrote, not the thread's system
lines."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in_agent
from .test_chat import open_ticket, open_widget, visitor_says

pytestmark = pytest.mark.browser


def test_an_automatically_assigned_chat_with_one_message_shows_one_unread(
    quiet_app, host, new_context
):
    # Routing is on here: the chat goes to Ada with an "Assigned ... automatically" line.
    ada = log_in_agent(new_context(), quiet_app, "ada")
    expect(ada.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    visitor = open_widget(new_context(), host.page(quiet_app))
    visitor_says(visitor, "My order never came")
    ticket = visitor.evaluate("Parley.state().ticket")
    row = ada.locator(f"[data-testid=inbox-row][data-ticket-id='{ticket}']")
    expect(row.get_by_test_id("row-assignee")).to_contain_text("Ada")
    expect(row).to_have_attribute("data-unread-count", "1")
    # So does a fresh load of the inbox.
    ada.reload()
    expect(row).to_have_attribute("data-unread-count", "1")
    # Reading it clears it (the visitor sees the read mark); a later system line
    # does not bring it back.
    open_ticket(ada, ticket)
    expect(visitor.locator("[data-testid=parley-message] .tick")).to_have_text("✓✓")
    ada.get_by_test_id("action-priority").select_option("high")
    lines = ada.locator("[data-testid=thread-message][data-sender-type=system]")
    expect(lines.last).to_contain_text("priority")
    ada.get_by_test_id("view-all").click()
    other = ada.get_by_test_id("inbox-row").filter(has_not_text="My order never came").first
    other.click()
    expect(row).to_have_attribute("data-unread-count", "0")
    visitor_says(visitor, "Any news?")
    expect(row).to_have_attribute("data-unread-count", "1")
