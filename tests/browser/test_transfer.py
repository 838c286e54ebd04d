"""Transferring a chat from the dashboard: to someone who is not there, only after
the agent confirms."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in_agent
from .test_chat import open_ticket, open_widget, visitor_says

pytestmark = pytest.mark.browser


def assignee_of(app, ticket: int) -> str:
    return app.manage(
        "shell",
        "-c",
        "from helpdesk.models import Ticket; "
        f"print(getattr(Ticket.objects.get(pk={ticket}).assignee, 'username', '-'))",
    ).splitlines()[-1]


def test_a_transfer_to_an_agent_who_is_not_online_asks_first(
    quiet_app, host, new_context, screenshot
):
    # Nobody has been online on this app: Ada and Grace come, Alex (admin) never does.
    ada = log_in_agent(new_context(), quiet_app, "ada")
    grace = log_in_agent(new_context(), quiet_app, "grace")
    visitor = open_widget(new_context(), host.page(quiet_app))
    visitor_says(visitor, "My invoice has the wrong address")
    ticket = visitor.evaluate("Parley.state().ticket")
    open_ticket(ada, ticket)
    select = ada.get_by_test_id("action-assignee")
    dialog = ada.get_by_test_id("confirm-dialog")
    thread = ada.get_by_test_id("thread")
    # Routing may have given it to either of them; Ada takes it (herself: no question).
    assign_me = ada.get_by_test_id("action-assign-me")
    if assign_me.inner_text() != "Assigned to you":
        assign_me.click()
    expect(assign_me).to_have_text("Assigned to you")
    expect(dialog).to_be_hidden()
    ada_id = select.locator("option", has_text="Ada Agent").get_attribute("value")
    expect(select).to_have_value(ada_id)

    # Offline: the dialog asks; Cancel (where the focus starts) changes nothing.
    ada.get_by_test_id("action-note").fill("Alex knows this customer")
    select.select_option(label="Alex Admin")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Alex Admin is offline")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    screenshot(ada, "confirm-offline")
    ada.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(select).to_have_value(ada_id)
    expect(ada.get_by_test_id("action-note")).to_have_value("Alex knows this customer")
    # Escape is a no as well.
    select.select_option(label="Alex Admin")
    expect(dialog).to_be_visible()
    ada.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(select).to_have_value(ada_id)
    assert assignee_of(quiet_app, ticket) == "ada"

    # Away counts as not there too; confirming from the keyboard transfers.
    grace.get_by_test_id("presence-toggle").click()
    expect(grace.get_by_test_id("presence-toggle")).not_to_be_checked()
    expect(ada.locator("[data-testid=team-member][data-status=away]")).to_have_count(1)
    select.select_option(label="Grace Agent")
    expect(dialog).to_contain_text("Grace Agent is away")
    ada.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Transfer anyway")).to_be_focused()
    ada.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(select).to_have_value(
        select.locator("option", has_text="Grace Agent").get_attribute("value")
    )
    expect(thread.locator("[data-sender-type=system]").last).to_contain_text(
        "Alex knows this customer"
    )
    assert assignee_of(quiet_app, ticket) == "grace"

    # Someone online: no question.
    grace.get_by_test_id("presence-toggle").click()
    expect(ada.locator("[data-testid=team-member][data-status=online]")).to_have_count(2)
    select.select_option(label="Ada Agent")
    expect(assign_me).to_have_text("Assigned to you")
    select.select_option(label="Grace Agent")
    expect(assign_me).to_have_text("Assign to me")
    expect(dialog).to_be_hidden()
    assert assignee_of(quiet_app, ticket) == "grace"
