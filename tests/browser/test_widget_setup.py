"""What an admin sets up, as a visitor's browser shows it: the typing sneak peek
is announced, and the greeting comes in the visitor's language."""

import pytest
from playwright.sync_api import expect

from .conftest import configure_widget
from .test_chat import open_widget

pytestmark = pytest.mark.browser


def test_a_visitor_is_told_when_agents_see_what_they_type(app, host, new_context):
    configure_widget(app, "peek", name="Peek", typing_preview=True, offline_form=False)
    configure_widget(app, "quiet", name="Quiet", typing_preview=False, offline_form=False)
    page = open_widget(new_context(), host.page(app, "peek"))
    expect(page.get_by_test_id("parley-typing-visible")).to_have_text(
        "Agents can see what you type before you send it."
    )
    quiet = open_widget(new_context(), host.page(app, "quiet"))
    expect(quiet.get_by_test_id("parley-input")).to_be_visible()
    expect(quiet.get_by_test_id("parley-typing-visible")).to_have_count(0)


def test_a_german_visitor_sees_the_german_greeting(app, host, new_context):
    configure_widget(app, "hallo", name="Hallo", greeting="Hello!", greeting_de="Guten Tag!")
    page = open_widget(new_context(locale="de-DE"), host.page(app, "hallo"))
    expect(page.get_by_test_id("parley-greeting")).to_contain_text("Guten Tag!")
