"""What the issue names outright: a visitor whose network drops while they type,
and hostile strings in every field a visitor fills."""

import json

import pytest
from playwright.sync_api import expect

from .conftest import configure_widget, log_in_agent
from .test_chat import agent_says, open_ticket, open_widget, visitor_says
from .test_widget_more import PNG

pytestmark = pytest.mark.browser

STORED_BODIES = """
import json
from chat.models import Message
print(json.dumps(list(Message.objects.filter(ticket_id={ticket}).order_by("seq")
                      .values_list("body", flat=True))))
"""

# Each would run script if it were ever parsed as HTML; window.__pwned tells.
XSS_CORPUS = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=1</script>",
    '<svg onload="window.__pwned=1"></svg>',
    '"><iframe srcdoc="<script>parent.__pwned=1</script>">',
    "javascript:window.__pwned=1",
]


def stored_bodies(app, ticket: int) -> list[str]:
    # The shell's first lines tell what it imported; the answer is the last.
    output = app.manage("shell", "-c", STORED_BODIES.format(ticket=ticket))
    return json.loads(output.strip().splitlines()[-1])


def test_three_messages_typed_offline_arrive_once_when_back(
    app, host_site, new_context, screenshot
):
    dashboard = log_in_agent(new_context(), app, "ada")
    context = new_context()
    visitor = open_widget(context, host_site)
    visitor_says(visitor, "Before the tunnel")
    ticket = visitor.evaluate("Parley.state().ticket")
    open_ticket(dashboard, ticket)

    context.set_offline(True)
    for body in ("one", "two", "three"):
        visitor.get_by_test_id("parley-input").fill(f"In the tunnel: {body}")
        visitor.get_by_test_id("parley-send").click()
    pending = visitor.locator("[data-testid=parley-message][data-state=pending]")
    expect(pending).to_have_count(3)
    assert visitor.evaluate("Parley.state().outbox") == 3
    screenshot(visitor, "offline-outbox")

    context.set_offline(False)
    sent = visitor.locator("[data-testid=parley-message][data-state=sent]")
    expect(sent).to_have_count(4, timeout=30_000)
    thread = dashboard.get_by_test_id("thread-message")
    expect(thread).to_have_count(4)
    expected = ["Before the tunnel"] + [f"In the tunnel: {n}" for n in ("one", "two", "three")]
    assert [m.locator(".msg-body").inner_text() for m in thread.all()] == expected
    assert stored_bodies(app, ticket) == expected
    assert visitor.evaluate("Parley.state().outbox") == 0


def test_hostile_names_messages_and_file_names_stay_text(app, host, new_context, screenshot):
    configure_widget(app, "xss", name="Acme", prechat="optional", offline_form=False)
    dashboard = log_in_agent(new_context(), app, "grace")
    visitor = open_widget(new_context(), host.page(app, "xss"))
    name = XSS_CORPUS[0] + " Ann"
    visitor.get_by_test_id("parley-prechat-name").fill(name)
    visitor.get_by_test_id("parley-prechat-email").fill("ann@example.com")
    visitor.get_by_test_id("parley-prechat-submit").click()
    for body in XSS_CORPUS:
        visitor_says(visitor, body)
    visitor.get_by_test_id("parley-file").set_input_files(
        files=[{"name": XSS_CORPUS[2] + ".png", "mimeType": "image/png", "buffer": PNG}]
    )
    expect(visitor.get_by_test_id("parley-attachment")).to_have_count(1)

    open_ticket(dashboard, visitor.evaluate("Parley.state().ticket"))
    thread = dashboard.get_by_test_id("thread")
    for body in XSS_CORPUS:
        expect(thread).to_contain_text(body)
    expect(dashboard.get_by_test_id("ticket-header")).to_contain_text(name)
    expect(dashboard.get_by_test_id("thread-attachment")).to_have_count(1)
    expect(dashboard.locator("[data-testid=inbox-row]", has_text=name)).to_have_count(1)
    screenshot(dashboard, "xss-corpus-dashboard")
    screenshot(visitor, "xss-corpus-widget")
    for page in (visitor, dashboard):
        assert page.evaluate("window.__pwned") is None
        assert page.locator("img[src=x], iframe, svg[onload]").count() == 0


REOPEN_TOKEN = """
from chat.visitor_auth import reopen_token
from helpdesk.models import Ticket
print(reopen_token(Ticket.objects.get(pk={ticket})))
"""


def test_the_link_in_a_reply_email_reopens_the_chat_in_another_browser(app, host_site, new_context):
    dashboard = log_in_agent(new_context(), app, "ada")
    visitor = open_widget(new_context(), host_site)
    visitor_says(visitor, "I have to run, email me")
    ticket = visitor.evaluate("Parley.state().ticket")
    open_ticket(dashboard, ticket)
    agent_says(dashboard, "Your refund is on its way.")
    token = app.manage("shell", "-c", REOPEN_TOKEN.format(ticket=ticket)).strip().splitlines()[-1]

    phone = new_context().new_page()  # no storage: as if on another device
    phone.goto(f"{host_site}#parley-reopen={token}")
    expect(phone.get_by_test_id("parley-panel")).to_be_visible()
    reply = phone.locator("[data-testid=parley-message][data-sender-type=agent]")
    expect(reply).to_contain_text("Your refund is on its way.")
    assert phone.evaluate("Parley.state().ticket") == ticket
    assert "parley-reopen" not in phone.url
