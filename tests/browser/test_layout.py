"""Where things land on screen, measured at the stated window size: what a
visitor or an agent must reach is in view without scrolling, and nothing runs
under something else."""

import pytest
from playwright.sync_api import expect

from .test_chat import open_widget

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
