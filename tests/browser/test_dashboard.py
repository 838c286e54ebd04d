"""Two agents (Ada and Grace) and one visitor in three browsers, working the same
inbox: what one does, the others see without reloading."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import log_in_agent
from .test_chat import agent_says, open_ticket, open_widget, visitor_says

pytestmark = pytest.mark.browser


@pytest.fixture
def team(app, host_site, new_context):
    """Ada and Grace on the dashboard, and a visitor who has just said hello."""
    ada = log_in_agent(new_context(), app, "ada")
    grace = log_in_agent(new_context(), app, "grace")
    for agent in (ada, grace):
        expect(agent.get_by_test_id("connection-status")).to_have_attribute(
            "data-state", "connected"
        )
    visitor = open_widget(new_context(), host_site)
    return ada, grace, visitor


def new_chat(visitor, body: str, *agents) -> int:
    """The visitor opens a chat with ``body``; each of ``agents`` opens it too."""
    visitor_says(visitor, body)
    ticket = visitor.evaluate("Parley.state().ticket")
    for agent in agents:
        open_ticket(agent, ticket)
    return ticket


def row(dashboard, ticket: int):
    return dashboard.locator(f"[data-testid=inbox-row][data-ticket-id='{ticket}']")


def count(dashboard, view: str) -> int:
    text = dashboard.get_by_test_id(f"view-count-{view}").inner_text().strip()
    return int(text or 0)


def test_the_inbox_updates_live_with_unread_counts(team, screenshot):
    ada, grace, visitor = team
    unassigned_before = count(grace, "unassigned")
    ticket = new_chat(visitor, "Is anyone there? My card was charged twice.")
    for agent in (ada, grace):
        expect(row(agent, ticket)).to_be_visible()
        expect(row(agent, ticket)).to_contain_text("My card was charged twice")
        expect(row(agent, ticket)).to_have_attribute("data-unread-count", "1")
    expect(grace.get_by_test_id("view-count-unassigned")).to_have_text(str(unassigned_before + 1))
    visitor_says(visitor, "Hello?")
    expect(row(grace, ticket).get_by_test_id("row-unread")).to_have_text("2")
    screenshot(grace, "inbox")


def test_an_assignment_is_seen_by_both_agents(team, screenshot):
    ada, grace, visitor = team
    ticket = new_chat(visitor, "I need help with an invoice", ada)
    mine_before = count(ada, "mine")
    ada.get_by_test_id("action-assign-me").click()
    expect(row(grace, ticket).get_by_test_id("row-assignee")).to_contain_text("Ada")
    expect(ada.get_by_test_id("view-count-mine")).to_have_text(str(mine_before + 1))
    system_line = ada.locator("[data-testid=thread-message][data-sender-type=system]")
    expect(system_line).to_contain_text("Ada Agent took this")

    # Ada hands it over to Grace with a note; Grace's "mine" gets it.
    ada.get_by_test_id("action-note").fill("Billing question, yours")
    ada.get_by_test_id("action-assignee").select_option(label="Grace Agent")
    expect(system_line.last).to_contain_text("Billing question, yours")
    grace.get_by_test_id("view-mine").click()
    expect(row(grace, ticket)).to_be_visible()
    expect(row(ada, ticket).get_by_test_id("row-assignee")).to_contain_text("Grace")
    assert visitor.locator("[data-testid=parley-message][data-sender-type=system]").count() == 0
    screenshot(ada, "ticket-view")


def test_typing_goes_both_ways_with_a_sneak_peek_and_a_collision_notice(team):
    ada, grace, visitor = team
    new_chat(visitor, "Quick question", ada, grace)
    expect(ada.get_by_test_id("collision-notice")).to_contain_text("Grace")

    visitor.get_by_test_id("parley-input").press_sequentially("Where is my ord", delay=20)
    expect(ada.get_by_test_id("visitor-typing")).to_be_visible()
    expect(ada.get_by_test_id("visitor-draft")).to_have_text("Where is my ord")

    ada.get_by_test_id("composer-input").press_sequentially("Let me check", delay=20)
    expect(visitor.get_by_test_id("parley-typing")).to_contain_text("Ada")
    expect(grace.get_by_test_id("collision-notice")).to_contain_text("typing")


def test_an_internal_note_reaches_agents_but_never_the_visitor(team):
    ada, grace, visitor = team
    new_chat(visitor, "Can I get a discount?", ada, grace)
    agent_says(ada, "Loyal customer: 10% is fine", internal=True)
    note = grace.locator("[data-testid=thread-message][data-internal=true]", has_text="10% is")
    expect(note).to_have_count(1)
    agent_says(ada, "Let me see what I can do.")
    expect(visitor.locator("[data-testid=parley-message][data-sender-type=agent]")).to_have_count(1)
    assert "10% is fine" not in visitor.get_by_test_id("parley-messages").inner_text()
    # The transcript an agent downloads is what the visitor saw.
    with ada.expect_download() as download:
        ada.get_by_test_id("ticket-transcript").click()
    transcript = Path(download.value.path()).read_text()
    assert "Let me see what I can do." in transcript and "10% is fine" not in transcript


def test_a_status_change_is_reflected_for_everyone(team):
    ada, grace, visitor = team
    ticket = new_chat(visitor, "All sorted, thanks", ada)
    ada.get_by_test_id("action-status").select_option("resolved")
    expect(row(grace, ticket)).to_have_count(0)  # out of the open views
    grace.get_by_test_id("view-resolved").click()
    expect(row(grace, ticket)).to_be_visible()
    expect(ada.get_by_test_id("action-status")).to_have_value("resolved")
    # The visitor's chat is over: no composer, a rating instead.
    expect(visitor.get_by_test_id("parley-input")).to_have_count(0)
    expect(visitor.get_by_test_id("parley-rating")).to_be_visible()


def test_canned_responses_and_search(team):
    ada, _, visitor = team
    ticket = new_chat(visitor, "What are your opening hours for order 4711?", ada)
    composer = ada.get_by_test_id("composer-input")
    # "/ho" starts /hours; /hello only says "how": the shortcut comes first.
    composer.press_sequentially("/ho", delay=30)
    options = ada.get_by_test_id("canned-option")
    expect(options.first).to_have_attribute("data-shortcut", "hours")
    expect(options.first).to_have_attribute("aria-selected", "true")
    composer.press("Enter")
    expect(composer).to_have_value("We're here Monday to Friday, 9:00 to 18:00 CET.")

    ada.get_by_test_id("search-input").fill("4711")
    ada.get_by_test_id("search-input").press("Enter")
    expect(ada.get_by_test_id("search-header")).to_contain_text("4711")
    expect(row(ada, ticket).get_by_test_id("row-snippet")).to_contain_text("order 4711")


def test_the_visitor_sidebar_tells_who_is_there(team):
    ada, _, visitor = team
    new_chat(visitor, "Hi from the pricing page", ada)
    sidebar = ada.get_by_test_id("visitor-sidebar")
    expect(sidebar.get_by_test_id("sidebar-online")).to_have_attribute("data-online", "true")
    expect(sidebar.get_by_test_id("sidebar-browser")).to_contain_text("Chrom")
    expect(sidebar.get_by_test_id("sidebar-page")).to_contain_text("localhost")
    visitor.close()
    expect(sidebar.get_by_test_id("sidebar-online")).to_have_attribute("data-online", "false")


REPLY_WHILE_DOWN = """
from chat.services import Sender, post_message, start_conversation
from helpdesk.models import Ticket, Visitor
ticket = Ticket.objects.get(pk={ticket})
post_message(ticket=ticket, sender=Sender.for_visitor(ticket.visitor), body="Still there?")
start_conversation(visitor=Visitor.objects.create(name="Nora"), body="Nora's new question")
"""


def test_after_a_restart_the_dashboard_shows_everything_it_missed(app, team):
    ada, _, visitor = team
    ticket = new_chat(visitor, "Before the restart", ada)

    app.stop("app")
    expect(ada.get_by_test_id("connection-status")).not_to_have_attribute("data-state", "connected")
    app.manage("shell", "-c", REPLY_WHILE_DOWN.format(ticket=ticket))
    app.start_server("app")

    expect(ada.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "connected", timeout=30_000
    )
    expect(ada.get_by_test_id("thread")).to_contain_text("Still there?")
    expect(ada.locator("[data-testid=inbox-row]", has_text="Nora's new question")).to_be_visible()


LONG_THREAD = """
from chat.services import Sender, post_message, start_conversation
from helpdesk.models import Visitor
first = start_conversation(visitor=Visitor.objects.create(name="Olga"), body="Message 1")
for n in range(2, 121):
    post_message(ticket=first.ticket, sender=Sender.for_visitor(first.ticket.visitor),
                 body=f"Message {n}")
print(first.ticket_id)
"""


def test_older_messages_load_as_the_agent_scrolls_back(app, new_context):
    ticket = int(app.manage("shell", "-c", LONG_THREAD).strip().splitlines()[-1])
    ada = log_in_agent(new_context(), app, "ada")
    open_ticket(ada, ticket)
    thread = ada.get_by_test_id("thread-message")
    expect(thread.last).to_contain_text("Message 120")
    expect(ada.get_by_test_id("thread").get_by_text("Message 1", exact=True)).to_have_count(0)
    first = ada.get_by_test_id("thread").get_by_text("Message 1", exact=True)
    for _ in range(20):  # a page at a time, as the agent scrolls to the top
        if first.count():
            break
        ada.get_by_test_id("thread").evaluate("thread => thread.scrollTo(0, 0)")
        ada.wait_for_timeout(300)
    expect(first).to_have_count(1)
    expect(ada.get_by_test_id("thread-load-older")).to_be_hidden()  # nothing older
    expect(thread).to_have_count(120)
    seqs = [int(m.get_attribute("data-seq")) for m in thread.all()]
    assert seqs == list(range(1, 121))


def test_the_keyboard_works_the_inbox(team):
    ada, _, visitor = team
    ticket = new_chat(visitor, "Keyboard people welcome?")
    expect(row(ada, ticket)).to_be_visible()
    ada.locator("body").click()
    ada.keyboard.press("?")
    expect(ada.get_by_test_id("shortcuts-help")).to_be_visible()
    ada.keyboard.press("Escape")
    expect(ada.get_by_test_id("shortcuts-help")).to_be_hidden()
    ada.keyboard.press("3")  # All
    row(ada, ticket).focus()
    ada.keyboard.press("Enter")
    expect(ada.get_by_test_id("ticket-header")).to_contain_text(f"#{ticket}")
    ada.locator("body").click()
    ada.keyboard.press("a")
    expect(row(ada, ticket).get_by_test_id("row-assignee")).to_contain_text("Ada")
    ada.keyboard.press("c")
    expect(ada.get_by_test_id("composer-input")).to_be_focused()


HOSTILE_VISITOR = """
from helpdesk.models import Ticket
visitor = Ticket.objects.get(pk={ticket}).visitor
visitor.metadata = {{**visitor.metadata, "page_url": "javascript:window.__pwned=1",
    "referrer": "<img src=x onerror=window.__pwned=1>", "timezone": "<b>Mars</b>",
    "user_agent": "<script>window.__pwned=1</script>"}}
visitor.save()
"""


def test_what_a_visitors_browser_reported_stays_text_in_the_sidebar(app, team):
    ada, _, visitor = team
    ticket = new_chat(visitor, "Look at my metadata")
    app.manage("shell", "-c", HOSTILE_VISITOR.format(ticket=ticket))
    open_ticket(ada, ticket)
    sidebar = ada.get_by_test_id("visitor-sidebar")
    expect(sidebar.get_by_test_id("sidebar-page")).to_contain_text("javascript:window.__pwned=1")
    expect(sidebar.get_by_test_id("sidebar-referrer")).to_contain_text("<img src=x")
    assert sidebar.locator("a[href^='javascript']").count() == 0
    assert ada.locator("img[src=x]").count() == 0
    assert ada.evaluate("window.__pwned") is None
