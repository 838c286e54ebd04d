"""Verified identity in real browsers: a site signs its user in on two devices
(two browser contexts: nothing shared), the person sees one history, live; a
forged claim gets nothing; signing out leaves nothing behind on a shared computer;
the agent sees who it is, attributes as text."""

import json
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.identity_helpers import signed_identity

from .conftest import log_in_agent
from .test_chat import open_ticket, visitor_says

pytestmark = pytest.mark.browser

# The page a signed-in user gets from the customer's server: the stub queues the
# call made before the loader has run (docs/identity.md).
SIGNED_IN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Shop: your account</title></head>
<body>
  <h1>Your account</h1>
  <script>
    {stub}
    Parley.identify({claim});
  </script>
  <script src="{app}/static/widget/parley.js" data-key="demo" async></script>
</body></html>
"""


# docs/identity.md, verbatim.
STUB = (
    'window.Parley = window.Parley || { q: [], identify(c) { this.q.push(["identify", c]); }, '
    'logout() { this.q.push(["logout"]); } };'
)


class DemoWidget:
    def __init__(self, app):
        self.identity_secret = app.manage(
            "shell",
            "-c",
            "from helpdesk.models import Widget; "
            "print(Widget.objects.get(key='demo').identity_secret)",
        ).split()[-1]  # after the shell's own chatter


def signed_in_page(app, host, claim: dict) -> str:
    name = f"{app.ports['app']}-signed-in-{uuid.uuid4().hex[:8]}.html"
    # JSON inside a script: "</" can't end it early.
    literal = json.dumps(claim).replace("</", "<\\/")
    (host.root / name).write_text(
        SIGNED_IN_PAGE.format(app=app.http("app"), claim=literal, stub=STUB)
    )
    return f"http://localhost:{host.server.server_address[1]}/{name}"


def open_signed_in(context, url: str):
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.errors = errors
    page.goto(url)
    page.get_by_test_id("parley-launcher").click()
    expect(page.get_by_test_id("parley-panel")).to_be_visible()
    return page


def signed_in_as(context, app, host, widget: DemoWidget, user_id: str, **claim):
    """A page of the site for ``user_id``, freshly signed, with the chat open."""
    url = signed_in_page(app, host, signed_identity(widget, user_id, **claim))
    return open_signed_in(context, url)


def bubbles(page):
    return page.locator("[data-testid=parley-message] .bubble")


def shows_nothing_of_anyone(page) -> None:
    expect(page.get_by_test_id("parley-panel")).to_be_visible()
    expect(bubbles(page)).to_have_count(0)
    assert page.evaluate("Parley.state().ticket") is None


def test_a_signed_in_user_has_one_history_on_two_devices_and_signs_out_clean(
    app, host, host_site, new_context, screenshot
):
    widget = DemoWidget(app)
    user_id = f"ann-{uuid.uuid4().hex[:8]}"
    claim = signed_identity(
        widget,
        user_id,
        name="Ann Archer",
        email="ann@shop.example",
        attributes={"plan": "<b>pro</b><img src=x onerror=window.__pwned=1>", "seats": 12},
    )
    url = signed_in_page(app, host, claim)

    laptop = open_signed_in(new_context(), url)
    visitor_says(laptop, "Hello from my laptop")
    ticket = laptop.evaluate("Parley.state().ticket")

    # Another device: no storage in common, the same person and conversation.
    phone = open_signed_in(new_context(), url)
    expect(bubbles(phone).filter(has_text="Hello from my laptop")).to_have_count(1)
    assert phone.evaluate("Parley.state().ticket") == ticket
    visitor_says(phone, "And from my phone")
    expect(bubbles(laptop).filter(has_text="And from my phone")).to_have_count(1)

    # A later page of the site signs afresh, with the account as it is now.
    claim = signed_identity(
        widget, user_id, name="Ann Archer", attributes={**claim["attributes"], "seats": 13}
    )
    laptop.goto(signed_in_page(app, host, claim))
    # The chat going loads the widget at once; its history comes after the session.
    expect(bubbles(laptop)).to_have_count(2)

    # The agent sees who it is, and the site's attributes as the text they are.
    dashboard = log_in_agent(new_context(), app, "ada")
    open_ticket(dashboard, ticket)
    sidebar = dashboard.get_by_test_id("visitor-sidebar")
    expect(sidebar.get_by_test_id("sidebar-verified")).to_be_visible()
    expect(sidebar.get_by_test_id("sidebar-name")).to_have_text("Ann Archer")
    attributes = sidebar.get_by_test_id("sidebar-attribute")
    expect(attributes).to_have_text(
        [user_id, "<b>pro</b><img src=x onerror=window.__pwned=1>", "13"]
    )
    assert sidebar.locator("dd img, dd b").count() == 0
    assert dashboard.evaluate("window.__pwned") is None
    row = dashboard.locator(f"[data-testid=inbox-row][data-ticket-id='{ticket}'] .row-name")
    expect(row).to_have_attribute("data-verified", "true")
    screenshot(dashboard, "agent-sees-verified")

    # Signing out on the laptop: nothing of Ann's stays for the next person.
    laptop.evaluate("Parley.logout()")
    expect(bubbles(laptop)).to_have_count(0)
    assert laptop.evaluate("Parley.state().ticket") is None
    stored = laptop.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('parley:'))"
        ".map(k => JSON.parse(localStorage[k]))"
    )
    assert all(s["token"] is None and s["list"] == [] for s in stored)
    laptop.goto(host_site)  # an anonymous page of the site, next user
    laptop.get_by_test_id("parley-launcher").click()
    shows_nothing_of_anyone(laptop)


def test_a_forged_claim_to_a_users_id_gets_none_of_their_chats(app, host, new_context):
    widget = DemoWidget(app)
    user_id = f"ben-{uuid.uuid4().hex[:8]}"
    owner = signed_in_as(new_context(), app, host, widget, user_id)
    visitor_says(owner, "Ben's private question")

    forged = {**signed_identity(widget, user_id), "signature": "0" * 64}
    intruder = open_signed_in(new_context(), signed_in_page(app, host, forged))
    # Refused, said in the console for the site's developers; the chat still works
    # for the intruder as nobody in particular.
    visitor_says(intruder, "Let me see")
    assert any("identify was refused" in e for e in intruder.errors)
    expect(bubbles(intruder).filter(has_text="Ben's private question")).to_have_count(0)
    assert intruder.evaluate("Parley.state().ticket") != owner.evaluate("Parley.state().ticket")


def test_another_user_signing_in_on_the_same_browser_starts_clean(app, host, new_context):
    widget = DemoWidget(app)
    context = new_context()
    first = signed_in_as(context, app, host, widget, f"cy-{uuid.uuid4().hex[:8]}")
    visitor_says(first, "Cy was here")
    first.close()
    # The site forgot to call logout; the next user's identify wipes Cy's state.
    second = signed_in_as(context, app, host, widget, f"di-{uuid.uuid4().hex[:8]}")
    expect(second.get_by_test_id("parley-input")).to_be_visible()
    shows_nothing_of_anyone(second)


def test_a_page_left_open_past_its_signature_keeps_the_person_signed_in(app, host, new_context):
    widget = DemoWidget(app)
    user_id = f"eve-{uuid.uuid4().hex[:8]}"
    context = new_context()
    fresh = signed_in_as(context, app, host, widget, user_id)
    visitor_says(fresh, "Still me?")
    ticket = fresh.evaluate("Parley.state().ticket")
    # Seven hours later (past PARLEY_IDENTITY_MAX_AGE), with a new signature the
    # widget hasn't taken yet: refused, and this browser stays the person it was.
    stale_claim = signed_identity(widget, user_id, issued_at=int(time.time()) - 7 * 3600)
    stale = open_signed_in(context, signed_in_page(app, host, stale_claim))
    expect(bubbles(stale).filter(has_text="Still me?")).to_have_count(1)
    assert stale.evaluate("Parley.state().ticket") == ticket
    assert any("identify was refused" in e for e in stale.errors)


def test_signing_in_mid_chat_carries_the_chat_over_and_the_agent_sees_who_it_is(
    app, host_site, new_context
):
    """A single-page app signs its user in while the chat is open."""
    widget = DemoWidget(app)
    user_id = f"fay-{uuid.uuid4().hex[:8]}"
    dashboard = log_in_agent(new_context(), app, "grace")
    visitor = new_context().new_page()
    visitor.goto(host_site)
    visitor.get_by_test_id("parley-launcher").click()
    visitor_says(visitor, "Where is my order?")
    ticket = visitor.evaluate("Parley.state().ticket")
    open_ticket(dashboard, ticket)
    sidebar = dashboard.get_by_test_id("visitor-sidebar")
    expect(sidebar.get_by_test_id("sidebar-name")).to_be_visible()
    expect(sidebar.get_by_test_id("sidebar-verified")).to_be_hidden()

    visitor.evaluate(
        "claim => Parley.identify(claim)", signed_identity(widget, user_id, name="Fay")
    )
    expect(sidebar.get_by_test_id("sidebar-verified")).to_be_visible()
    expect(sidebar.get_by_test_id("sidebar-name")).to_have_text("Fay")
    expect(dashboard.get_by_test_id("thread")).to_contain_text(f"verified as {user_id}")
    # The same conversation goes on, as the person.
    assert visitor.evaluate("Parley.state().ticket") == ticket
    visitor_says(visitor, "Order 1234")
    expect(dashboard.get_by_test_id("thread")).to_contain_text("Order 1234")
    expect(bubbles(visitor)).to_have_count(2)
