"""Routing in real browsers: a new chat lands in the inbox of an agent with room,
who is told; when everyone is full, visitors see their place in the queue move
up until an agent takes them."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in_agent
from .test_chat import open_ticket, open_widget, visitor_says
from .test_dashboard import row

pytestmark = pytest.mark.browser

# Desktop notifications the dashboard raised, kept where the test can read them.
RECORD_NOTIFICATIONS = """
window.parleyNotes = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.parleyNotes.push(title); }
  addEventListener() {}
  close() {}
};
"""


def start_chat(context, page_url: str, body: str):
    visitor = open_widget(context, page_url)
    visitor_says(visitor, body)
    return visitor, visitor.evaluate("Parley.state().ticket")


def test_chats_go_to_an_agent_with_room_and_the_rest_wait_their_turn(
    quiet_app, host, new_context, screenshot
):
    # Ada takes one chat at a time, and the demo's own chats are answered.
    quiet_app.manage(
        "shell",
        "-c",
        "from agents.models import AgentProfile; from helpdesk.models import Ticket; "
        "AgentProfile.objects.update(max_concurrent_chats=1); "
        "Ticket.objects.update(status='resolved')",
    )
    ada_context = new_context()
    ada_context.add_init_script(RECORD_NOTIFICATIONS)
    ada = log_in_agent(ada_context, quiet_app, "ada")
    expect(ada.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    page_url = host.page(quiet_app)

    first_visitor, first = start_chat(new_context(), page_url, "My parcel is lost")
    expect(row(ada, first).get_by_test_id("row-assignee")).to_contain_text("Ada")
    expect(first_visitor.get_by_test_id("parley-queue")).to_be_hidden()
    ada.wait_for_function("window.parleyNotes.some((t) => t.endsWith('Assigned to you'))")

    # Ada is full: the next two wait, and each sees their place.
    second_visitor, second = start_chat(new_context(), page_url, "Wrong size delivered")
    third_visitor, _ = start_chat(new_context(), page_url, "Can I pay by invoice?")
    expect(second_visitor.get_by_test_id("parley-queue")).to_have_text(re.compile("next in line"))
    expect(third_visitor.get_by_test_id("parley-queue")).to_have_text(
        re.compile("number 2 in line")
    )
    expect(row(ada, second).get_by_test_id("row-assignee")).not_to_contain_text("Ada")
    screenshot(third_visitor, "queued")

    # Ada resolves the first chat: the second is hers, the third moves up.
    open_ticket(ada, first)
    ada.get_by_test_id("action-status").select_option("resolved")
    expect(row(ada, second).get_by_test_id("row-assignee")).to_contain_text("Ada")
    expect(second_visitor.get_by_test_id("parley-queue")).to_be_hidden()
    expect(third_visitor.get_by_test_id("parley-queue")).to_have_text(re.compile("next in line"))

    # A reload shows the place it has now, not one from before.
    third_visitor.reload()
    third_visitor.get_by_test_id("parley-launcher").click()
    expect(third_visitor.get_by_test_id("parley-queue")).to_have_text(re.compile("next in line"))
