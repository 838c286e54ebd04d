"""Where things land on screen, measured at the stated window size: what a
visitor or an agent must reach is in view without scrolling, and nothing runs
under something else."""

import io

import pytest
from playwright.sync_api import expect

from .conftest import log_in_agent
from .test_chat import agent_says, open_ticket, open_widget, visitor_says

pytestmark = pytest.mark.browser


def in_scroller(locator) -> dict:
    """``locator``'s box against its nearest scrolling ancestor's visible box."""
    return locator.evaluate(
        """el => {
            const scrolls = (node) => /(auto|scroll)/.test(getComputedStyle(node).overflowY);
            let box = el.parentElement;
            while (box && !scrolls(box)) box = box.parentElement;
            const outer = box.getBoundingClientRect(), inner = el.getBoundingClientRect();
            return {top: inner.top, bottom: inner.bottom, viewTop: outer.top,
                    viewBottom: outer.top + box.clientHeight, scrollTop: box.scrollTop};
        }"""
    )


def test_the_offline_forms_send_button_is_in_view_without_scrolling(
    quiet_app, host, new_context, screenshot
):
    page = open_widget(new_context(), host.page(quiet_app))  # 1280 x 800
    expect(page.get_by_test_id("parley-offline")).to_be_visible()
    submit = page.get_by_test_id("parley-offline-submit")
    where = in_scroller(submit)
    assert where["scrollTop"] == 0
    assert where["viewTop"] <= where["top"] and where["bottom"] <= where["viewBottom"], where
    # ... and inside the panel, which is itself in the window.
    panel = page.get_by_test_id("parley-panel").bounding_box()
    button = submit.bounding_box()
    assert button["y"] + button["height"] <= min(panel["y"] + panel["height"], 800)
    screenshot(page, "offline-form")


def picture(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (15, 118, 110)).save(out, "PNG")
    return out.getvalue()


def bottom_gap(thread) -> float:
    """How far the thread's last line ends below the thread's visible bottom."""
    return thread.evaluate(
        """list => {
            const last = [...list.querySelectorAll("[data-testid=thread-message]")].pop();
            const seen = list.getBoundingClientRect().top + list.clientHeight;
            return last.getBoundingClientRect().bottom - seen;
        }"""
    )


def test_the_dashboard_thread_stays_at_the_newest_line_after_a_picture(
    app, host_site, new_context, screenshot
):
    ada = log_in_agent(new_context(), app, "ada")
    visitor = open_widget(new_context(), host_site)
    visitor_says(visitor, "Can you show me where the button is?")
    open_ticket(ada, visitor.evaluate("Parley.state().ticket"))
    for n in range(8):  # enough lines that the thread scrolls
        agent_says(ada, f"Line {n} of the explanation")
    ada.get_by_test_id("composer-file").set_input_files(
        files=[{"name": "here.png", "mimeType": "image/png", "buffer": picture(240, 240)}]
    )
    thread = ada.get_by_test_id("thread")
    image = thread.locator("[data-testid=thread-attachment] img")
    expect(image).to_have_count(1)
    ada.wait_for_function(
        "() => document.querySelector('[data-testid=thread-attachment] img')?.complete"
        " && document.querySelector('[data-testid=thread-attachment] img').naturalWidth > 0"
    )
    ada.wait_for_timeout(300)  # a frame or two for any scrolling that follows the load
    assert bottom_gap(thread) <= 1, "the picture ends under the composer"
    # Lines after it show too.
    visitor_says(visitor, "Found it, thanks")
    expect(thread.locator("[data-testid=thread-message]").last).to_contain_text("Found it")
    ada.wait_for_timeout(300)
    assert bottom_gap(thread) <= 1, "the newest line is below the fold"
    screenshot(ada, "thread-after-picture")


def test_with_the_visitor_sidebar_open_at_1440_the_ticket_header_stays_clear_of_it(
    app, host_site, new_context, screenshot
):
    ada = log_in_agent(new_context(), app, "ada")
    ada.set_viewport_size({"width": 1440, "height": 900})
    visitor = open_widget(new_context(), host_site)
    # The first line is the subject, shown on one line: a long one must not
    # widen the header.
    visitor_says(visitor, "Hello, I ordered a standing desk three weeks ago " * 3)
    open_ticket(ada, visitor.evaluate("Parley.state().ticket"))
    toggle = ada.locator("#sidebar-toggle")
    if toggle.get_attribute("aria-expanded") != "true":  # open by default this wide
        toggle.click()
    sidebar = ada.get_by_test_id("visitor-sidebar")
    expect(sidebar).to_be_visible()
    edge = sidebar.bounding_box()["x"]
    for name, control in (
        ("Visitor button", toggle),
        ("Assign to me", ada.get_by_test_id("action-assign-me")),
        ("transfer note", ada.get_by_test_id("action-note")),
        ("assignee", ada.get_by_test_id("action-assignee")),
        ("tags", ada.get_by_test_id("action-tags")),
    ):
        box = control.bounding_box()
        assert box["x"] + box["width"] <= edge, f"the {name} runs under the sidebar: {box}, {edge}"
        assert box["width"] >= 24, f"the {name} is squeezed to nothing: {box}"
    # Nothing in the header is wider than the header (so clipped out of sight).
    header = ada.get_by_test_id("ticket-header")
    assert header.evaluate("el => el.scrollWidth <= el.clientWidth")
    screenshot(ada, "sidebar-open-1440")
