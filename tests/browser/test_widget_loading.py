"""The host page gets the widget's small loader; the widget proper comes when the
visitor reaches for the chat, or at once for a visitor with a chat going."""

import pytest
from playwright.sync_api import expect

from .test_chat import visitor_says

pytestmark = pytest.mark.browser

WIDGET = "/static/widget/dist/widget-"


def watch(page) -> list[str]:
    """Every request the page makes, as it makes it."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def test_the_page_loads_only_the_loader_until_the_visitor_reaches_for_the_chat(
    new_context, host_site
):
    page = new_context().new_page()
    requests = watch(page)
    page.goto(host_site)
    launcher = page.get_by_test_id("parley-launcher")
    expect(launcher).to_be_visible()
    page.wait_for_load_state("networkidle")
    ours = [url for url in requests if "/static/" in url or "/api/" in url]
    assert [url.split("?")[0].split("/", 3)[3] for url in ours] == [
        "static/widget/parley.js",
        "api/widget/config/",
    ]
    assert not page.evaluate("Parley.state().connected")

    with page.expect_request(lambda request: WIDGET in request.url):
        launcher.hover()
    launcher.click()
    expect(page.get_by_test_id("parley-panel")).to_be_visible()
    expect(page.get_by_test_id("parley-input")).to_be_editable()
    assert sum(WIDGET in url for url in requests) == 1


def test_the_keyboard_reaching_for_the_launcher_loads_the_widget(new_context, host_site):
    page = new_context().new_page()
    page.goto(host_site)
    launcher = page.get_by_test_id("parley-launcher")
    expect(launcher).to_be_visible()
    with page.expect_request(lambda request: WIDGET in request.url):
        launcher.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("parley-panel")).to_be_visible()


def test_a_visitor_with_a_chat_going_gets_the_widget_at_once(new_context, host_site):
    page = new_context().new_page()
    page.goto(host_site)
    page.get_by_test_id("parley-launcher").click()
    visitor_says(page, "Still there after a reload?")

    with page.expect_request(lambda request: WIDGET in request.url):
        page.reload()
    # Connected without a touch, so replies arrive and the badge can count them.
    page.wait_for_function("Parley.state().connected")
    page.get_by_test_id("parley-launcher").click()
    expect(
        page.get_by_test_id("parley-message").filter(has_text="Still there after a reload?")
    ).to_have_count(1)
