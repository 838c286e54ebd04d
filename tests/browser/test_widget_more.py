"""The widget where WebSockets don't work, at the end of a chat, with files,
links and another language."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in_agent
from .test_chat import agent_says, open_ticket, open_widget, visitor_says, widget_bodies

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"  # noqa: E501 - a 1x1 PNG


def chat_both_ways(visitor, dashboard, screenshot=None):
    visitor_says(visitor, "Can you hear me without a socket?")
    open_ticket(dashboard, visitor.evaluate("Parley.state().ticket"))
    agent_says(dashboard, "Loud and clear.")
    expect(visitor.locator("[data-testid=parley-message][data-sender-type=agent]")).to_contain_text(
        "Loud and clear."
    )
    visitor_says(visitor, "Great!")
    # Three messages and the team's line that the agent took the chat by answering.
    expect(dashboard.get_by_test_id("thread-message")).to_have_count(4)


def test_the_fallback_transport_carries_a_whole_chat(app, host, new_context, screenshot):
    dashboard = log_in_agent(new_context(), app, "ada")
    visitor = open_widget(new_context(), host.page(app, transport="fallback"))
    chat_both_ways(visitor, dashboard)
    assert visitor.evaluate("Parley.state().transport") == "fallback"
    visitor.reload()
    visitor.get_by_test_id("parley-launcher").click()
    expect(visitor.get_by_test_id("parley-message")).to_have_count(3)
    screenshot(visitor, "fallback")


def test_when_websockets_are_blocked_the_widget_falls_back_by_itself(app, host_site, new_context):
    dashboard = log_in_agent(new_context(), app, "grace")
    context = new_context()
    context.route_web_socket("**/ws/widget/**", lambda socket: socket.close())
    visitor = open_widget(context, host_site)
    chat_both_ways(visitor, dashboard)
    assert visitor.evaluate("Parley.state().transport") == "fallback"


def test_a_visitor_ends_rates_and_asks_for_the_transcript(app, host_site, new_context):
    context = new_context()
    visitor = open_widget(context, host_site)
    visitor_says(visitor, "That's all, thanks")
    other_tab = open_widget(context, host_site)
    expect(other_tab.get_by_test_id("parley-messages")).to_contain_text("That's all, thanks")
    visitor.get_by_test_id("parley-end").click()
    visitor.get_by_test_id("parley-end-confirm").click()
    expect(
        visitor.locator("[data-testid=parley-message][data-sender-type=system]")
    ).to_contain_text("ended the chat")
    expect(visitor.get_by_test_id("parley-input")).to_have_count(0)
    expect(other_tab.get_by_test_id("parley-input")).to_have_count(0)  # tabs stay in sync

    # Arrow keys pick a star, as in a radio group.
    stars = visitor.get_by_test_id("parley-rating-star")
    stars.first.focus()
    for _ in range(3):
        visitor.keyboard.press("ArrowRight")
    expect(stars.nth(3)).to_be_focused()
    expect(stars.nth(3)).to_have_attribute("aria-pressed", "true")
    visitor.get_by_test_id("parley-rating-comment").fill("<i>Quick</i> and kind")
    visitor.get_by_test_id("parley-rating-submit").click()
    expect(visitor.get_by_test_id("parley-rating-done")).to_be_visible()

    visitor.get_by_test_id("parley-transcript-email").fill("me@example.com")
    visitor.get_by_test_id("parley-transcript-submit").click()
    expect(visitor.get_by_test_id("parley-transcript-done")).to_contain_text("me@example.com")


def test_a_visitor_starts_with_an_image_and_links_stay_safe(
    app, host_site, new_context, screenshot
):
    dashboard = log_in_agent(new_context(), app, "ada")
    visitor = open_widget(new_context(), host_site)
    # The screenshot opens the conversation; the words come after.
    visitor.get_by_test_id("parley-file").set_input_files(
        files=[{"name": "screen <1>.png", "mimeType": "image/png", "buffer": PNG}]
    )
    image = visitor.locator("[data-testid=parley-attachment][data-content-type='image/png']")
    expect(image).to_have_count(1)
    expect(visitor.locator("[data-testid=parley-message][data-state=sent]")).to_have_count(1)
    visitor_says(visitor, "Here is a screenshot")

    open_ticket(dashboard, visitor.evaluate("Parley.state().ticket"))
    seen_by_agent = dashboard.locator("[data-testid=thread-attachment] img")
    expect(seen_by_agent).to_have_count(1)
    dashboard.wait_for_function(
        "() => document.querySelector('[data-testid=thread-attachment] img').naturalWidth === 1"
    )
    agent_says(dashboard, "See https://example.com/help?a=1 or javascript:alert(1)")
    reply = visitor.locator("[data-testid=parley-message][data-sender-type=agent]")
    expect(reply).to_contain_text("javascript:alert(1)")
    links = reply.locator("a")
    expect(links).to_have_count(1)
    assert links.get_attribute("href") == "https://example.com/help?a=1"
    assert "noopener" in links.get_attribute("rel")
    screenshot(visitor, "attachment-and-link")


def test_the_widget_speaks_german_when_asked(app, host, new_context):
    english = open_widget(new_context(locale="en-GB"), host.page(app))
    expect(english.get_by_test_id("parley-input")).to_have_attribute(
        "placeholder", "Write a message…"
    )
    expect(english.get_by_test_id("parley-greeting")).to_contain_text(
        "Hi! How can we help you today?"
    )
    # The page asks for German; so does a German browser.
    for german in (
        open_widget(new_context(locale="en-GB"), host.page(app, lang="de")),
        open_widget(new_context(locale="de-DE"), host.page(app)),
    ):
        expect(german.get_by_test_id("parley-input")).to_have_attribute(
            "placeholder", "Nachricht schreiben…"
        )
        # The widget's stock greeting too, not only Parley's own words.
        expect(german.get_by_test_id("parley-greeting")).to_contain_text(
            "Hallo! Wie können wir Ihnen helfen?"
        )
    visitor_says(german, "Hallo")
    assert widget_bodies(german)[-1][1] == "Hallo"
    # The server's own refusals come in German too.
    german.get_by_test_id("parley-file").set_input_files(
        files=[{"name": "bild.png", "mimeType": "image/png", "buffer": b"<html>no image</html>"}]
    )
    expect(german.locator("[data-testid=parley-message][data-state=failed]")).to_have_count(1)
    expect(german.locator(".hint")).to_have_text(
        "Senden Sie ein Bild (PNG, JPEG, GIF, WebP) oder ein PDF."
    )


def test_a_keyboard_alone_is_enough_to_chat(app, host_site, new_context):
    dashboard = log_in_agent(new_context(), app, "grace")
    page = new_context().new_page()
    page.goto(host_site)
    expect(page.get_by_test_id("parley-launcher")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "PARLEY-WIDGET"
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("parley-panel")).to_be_visible()
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Enter")
    expect(
        page.locator("[data-testid=parley-message][data-state=sent]", has_text="Typed without")
    ).to_have_count(1)

    open_ticket(dashboard, page.evaluate("Parley.state().ticket"))
    agent_says(dashboard, "Heard you.")
    expect(page.get_by_test_id("parley-live")).to_contain_text("Heard you.")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("parley-panel")).to_be_hidden()
