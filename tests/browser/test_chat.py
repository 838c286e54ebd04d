"""A visitor on a customer's site and an agent on the dashboard, in two real
browsers (separate contexts: no shared cookies or storage)."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in_agent

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 1</script>'


def open_widget(context, host_site):
    page = context.new_page()
    page.goto(host_site)
    launcher = page.get_by_test_id("parley-launcher")
    expect(launcher).to_be_visible()
    launcher.click()
    expect(page.get_by_test_id("parley-panel")).to_be_visible()
    return page


def visitor_says(page, body: str) -> int:
    """Send ``body`` from the widget; return its seq once the server has acked it."""
    page.get_by_test_id("parley-input").fill(body)
    page.get_by_test_id("parley-send").click()
    sent = page.locator("[data-testid=parley-message][data-state=sent]", has_text=body)
    expect(sent).to_have_count(1)
    return int(sent.get_attribute("data-seq"))


def open_ticket(dashboard, ticket_id: int):
    row = dashboard.locator(f"[data-testid=inbox-row][data-ticket-id='{ticket_id}']")
    expect(row).to_be_visible()
    row.click()
    expect(dashboard.get_by_test_id("ticket-header")).to_contain_text(f"#{ticket_id}")


def agent_says(dashboard, body: str, *, internal: bool = False) -> int:
    note = dashboard.get_by_test_id("composer-internal")
    if note.is_checked() != internal:
        note.click()
    dashboard.get_by_test_id("composer-input").fill(body)
    dashboard.get_by_test_id("composer-send").click()
    sent = dashboard.locator("[data-testid=thread-message][data-state=sent]", has_text=body).filter(
        has_not=dashboard.locator("[data-state=pending]")
    )
    expect(sent).to_have_count(1)
    return int(sent.get_attribute("data-seq"))


def widget_bodies(page) -> list[tuple[int, str]]:
    messages = page.get_by_test_id("parley-message")
    return [
        (int(m.get_attribute("data-seq")), m.locator(".bubble").inner_text())
        for m in messages.all()
    ]


def test_a_visitor_and_an_agent_chat_live(app, host_site, new_context, screenshot):
    dashboard = log_in_agent(new_context(), app, "ada")
    expect(dashboard.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "connected"
    )
    visitor = open_widget(new_context(), host_site)
    expect(visitor.get_by_test_id("parley-status")).to_have_attribute("data-state", "online")

    first = visitor_says(visitor, "Hi, can I change my plan mid-month?")
    ticket = visitor.evaluate("Parley.state().ticket")
    open_ticket(dashboard, ticket)
    thread = dashboard.get_by_test_id("thread")
    expect(thread).to_contain_text("Hi, can I change my plan mid-month?")

    visitor.get_by_test_id("parley-input").press_sequentially("One more thing")
    expect(dashboard.get_by_test_id("visitor-typing")).to_be_visible()
    visitor.get_by_test_id("parley-input").fill("")

    reply = agent_says(dashboard, "Yes, any time: the difference is prorated.")
    assert reply == first + 1
    from_agent = visitor.locator(
        f"[data-testid=parley-message][data-sender-type=agent][data-seq='{reply}']"
    )
    expect(from_agent).to_contain_text("the difference is prorated")
    avatar = from_agent.locator("img.av")
    expect(avatar).to_have_count(1)  # initials: the seeded agents have no picture
    avatar.evaluate("img => img.decode()")
    assert avatar.evaluate("img => img.naturalWidth") > 0

    second = visitor_says(visitor, "Great, thanks!")
    expect(thread).to_contain_text("Great, thanks!")
    # Between them, the team's line that Ada took the chat by answering it.
    assert second == reply + 2
    screenshot(visitor, "visitor")
    screenshot(dashboard, "agent")


def test_the_widget_ignores_the_host_pages_css(app, host_site, new_context, screenshot):
    page = open_widget(new_context(), host_site)
    send = page.get_by_test_id("parley-send")
    style = send.evaluate("el => [getComputedStyle(el).fontFamily, getComputedStyle(el).display]")
    assert "Comic Sans" not in style[0]
    assert style[1] != "inline"
    # The host page itself still gets its own styles.
    assert "Comic Sans" in page.locator("h1").evaluate("el => getComputedStyle(el).fontFamily")
    screenshot(page, "hostile-host-page")


def test_after_a_reload_the_visitor_sees_every_message_once_in_order(app, host_site, new_context):
    dashboard = log_in_agent(new_context(), app, "grace")
    visitor = open_widget(new_context(), host_site)
    visitor_says(visitor, "first")
    open_ticket(dashboard, visitor.evaluate("Parley.state().ticket"))
    agent_says(dashboard, "second")
    expect(visitor.get_by_test_id("parley-message")).to_have_count(2)
    visitor_says(visitor, "third")

    visitor.reload()
    visitor.get_by_test_id("parley-launcher").click()
    expect(visitor.get_by_test_id("parley-message")).to_have_count(3)
    # Seq 3 is the team's line that Grace took the chat: the visitor never holds it.
    assert widget_bodies(visitor) == [(1, "first"), (2, "second"), (4, "third")]


def test_an_internal_note_never_reaches_the_widget(app, host_site, new_context):
    dashboard = log_in_agent(new_context(), app, "ada")
    visitor = open_widget(new_context(), host_site)
    visitor_says(visitor, "My invoice is wrong")
    open_ticket(dashboard, visitor.evaluate("Parley.state().ticket"))

    note = agent_says(dashboard, "Customer was double-billed, refund pending", internal=True)
    expect(dashboard.locator(f"[data-testid=thread-message][data-seq='{note}']")).to_have_attribute(
        "data-internal", "true"
    )
    agent_says(dashboard, "Sorry about that, a refund is on its way.")

    expect(visitor.get_by_test_id("parley-message")).to_have_count(2)
    visitor.reload()
    visitor.get_by_test_id("parley-launcher").click()
    expect(visitor.get_by_test_id("parley-message")).to_have_count(2)
    bodies = [body for _, body in widget_bodies(visitor)]
    assert bodies == ["My invoice is wrong", "Sorry about that, a refund is on its way."]
    assert "double-billed" not in visitor.content()


def test_markup_in_messages_is_shown_as_text_on_both_sides(app, host_site, new_context):
    dashboard = log_in_agent(new_context(), app, "grace")
    visitor = open_widget(new_context(), host_site)
    visitor_says(visitor, XSS)
    open_ticket(dashboard, visitor.evaluate("Parley.state().ticket"))
    expect(dashboard.get_by_test_id("thread")).to_contain_text(XSS)
    agent_says(dashboard, "<b>bold?</b> " + XSS)

    expect(visitor.locator("[data-testid=parley-message][data-sender-type=agent]")).to_contain_text(
        "<b>bold?</b>"
    )
    for page in (visitor, dashboard):
        assert page.evaluate("window.__pwned") is None
        assert page.locator("img[src=x], b:text('bold?')").count() == 0


REPLY_WHILE_DOWN = """
from agents.models import AgentProfile
from chat.services import Sender, post_message
from helpdesk.models import Ticket
ada = AgentProfile.objects.get(user__username="ada")
post_message(ticket=Ticket.objects.get(pk={ticket}), body="Sent while you were away",
             sender=Sender.for_agent(ada.user, ada.display_name))
"""


def test_the_widget_reconnects_resumes_and_flushes_its_outbox(app, host_site, new_context):
    """The server goes away; an agent's reply and the visitor's own message written
    during the outage both arrive once, in order, when it comes back."""
    visitor = open_widget(new_context(), host_site)
    visitor_says(visitor, "Are you there?")
    ticket = visitor.evaluate("Parley.state().ticket")

    app.stop("app")
    expect(visitor.get_by_test_id("parley-status")).to_have_attribute("data-state", "connecting")
    visitor.get_by_test_id("parley-input").fill("Typed while offline")
    visitor.get_by_test_id("parley-send").click()
    pending = visitor.locator("[data-testid=parley-message][data-state=pending] .bubble")
    expect(pending).to_have_text("Typed while offline")
    app.manage("shell", "-c", REPLY_WHILE_DOWN.format(ticket=ticket))

    app.start_server("app")
    sent = visitor.locator("[data-testid=parley-message][data-state=sent]")
    expect(sent).to_have_count(3, timeout=30_000)
    assert widget_bodies(visitor) == [
        (1, "Are you there?"),
        (2, "Sent while you were away"),
        (3, "Typed while offline"),
    ]
    assert visitor.evaluate("Parley.state().outbox") == 0
