"""The assistant in the widget: a question answered as it is written, from the
help articles, and a person when the visitor asks for one."""

import itertools
import re

import pytest
from playwright.sync_api import expect

from .conftest import configure_widget, log_in_agent, start_app
from .test_chat import open_widget

pytestmark = pytest.mark.browser

QUESTION = "how do I change my plan?"

# Every text the answer's draft showed, in order, leaving its source links out.
WATCH_DRAFT = """log => {
  window.parleyDraft = [];
  new MutationObserver(() => {
    const draft = log.querySelector("[data-state=streaming] .bubble");
    if (!draft) return;
    const words = [...draft.childNodes].filter((n) => n.nodeName !== "UL");
    const text = words.map((n) => n.textContent).join("");
    if (text !== window.parleyDraft.at(-1)) window.parleyDraft.push(text);
  }).observe(log, { childList: true, subtree: true, characterData: true });
}"""


@pytest.fixture
def helpbot(app, host):
    """A widget with the assistant on, over the demo's help articles."""
    configure_widget(app, "helpbot", name="Ledgerly", assistant=True, offline_form=True)
    build_index(app)
    return host.page(app, "helpbot")


# What `make run`'s worker does after seed_demo; these processes have none.
BUILD_INDEX = "from helpdesk.knowledge import retrieval; retrieval.rebuild('en')"


def build_index(app):
    app.shell(BUILD_INDEX)


@pytest.fixture
def slow_app(tmp_path):
    """The demo, its built-in answerer writing a piece every half second, so a
    Stop lands mid-answer however busy the machine is."""
    stack = start_app(tmp_path, prepare=BUILD_INDEX, PARLEY_ASSISTANT_EXTRACTIVE_PACE="0.5")
    yield stack
    stack.stop_all()


def ask(page, question):
    page.get_by_test_id("parley-messages").evaluate(WATCH_DRAFT)
    page.get_by_test_id("parley-input").fill(question)
    page.get_by_test_id("parley-send").click()
    answer = page.locator("[data-testid=parley-message][data-sender-type=bot][data-state=sent]")
    expect(answer).to_have_count(1)
    return answer


def test_a_visitor_reads_the_answer_as_it_is_written_with_its_source(helpbot, new_context):
    page = open_widget(new_context(), helpbot)
    answer = ask(page, QUESTION)
    expect(page.locator("[data-testid=parley-message][data-sender-type=visitor]")).to_contain_text(
        QUESTION
    )
    final = answer.locator(".bubble").inner_text()
    drafts = [text for text in page.evaluate("window.parleyDraft") if text]
    # Grown in at least two steps before it was complete, each the one before plus more.
    assert len(drafts) >= 2, drafts
    for shorter, longer in itertools.pairwise(drafts):
        assert longer.startswith(shorter) and len(longer) > len(shorter)
    assert final.startswith(drafts[-1].strip()[:40])
    assert len(drafts[0]) < len(drafts[-1]) <= len(final)
    # Its source links to the help centre.
    source = answer.locator("a[href*='/help/helpbot/']").first
    expect(source).to_be_visible()
    # Shown once, though the stored line also came over the socket.
    page.wait_for_timeout(500)
    expect(page.locator("[data-testid=parley-message][data-sender-type=bot]")).to_have_count(1)
    expect(page.locator("[data-state=streaming]")).to_have_count(0)
    # Thumbs up on the answer is kept.
    up = answer.get_by_test_id("parley-thumb-up")
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")


def test_talk_to_a_person_hands_the_chat_to_an_agent_who_sees_the_assistants_lines(
    app, helpbot, new_context
):
    dashboard = log_in_agent(new_context(), app, "ada")
    expect(dashboard.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "connected"
    )
    page = open_widget(new_context(), helpbot)
    ask(page, QUESTION)
    page.get_by_test_id("parley-talk-to-person").click()
    # The assistant steps back: the next line is for people.
    expect(page.get_by_test_id("parley-talk-to-person")).to_have_count(0)
    ticket = page.evaluate("Parley.state().ticket")
    row = dashboard.locator(f"[data-testid=inbox-row][data-ticket-id='{ticket}']")
    row.click()
    thread = dashboard.get_by_test_id("thread")
    expect(
        thread.locator("[data-testid=thread-message][data-sender-type=visitor]")
    ).to_contain_text([QUESTION])
    bot = thread.locator("[data-testid=thread-message][data-sender-type=bot]")
    expect(bot.first).to_be_visible()
    assert bot.count() >= 2  # the answer, and the line saying a person will take over
    expect(bot.first.get_by_test_id("thread-bot-label")).to_have_text("Assistant")
    source = bot.first.get_by_test_id("thread-source")
    expect(source).to_have_text("How do I change my plan?")
    assert "/help/helpbot/en/articles/change-your-plan/" in source.get_attribute("href")
    # Ada's thumbs on the answer are kept.
    down = bot.first.get_by_test_id("thread-thumb-down")
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(bot.first.get_by_test_id("thread-thumb-up")).to_have_attribute("aria-pressed", "false")

    # A reply drafted from the articles waits above the composer: edit, then send.
    suggested = dashboard.get_by_test_id("suggestion")
    expect(suggested.get_by_test_id("suggestion-body")).to_contain_text("Change plan")
    suggested.get_by_test_id("suggestion-edit").click()
    expect(suggested).to_be_hidden()
    composer = dashboard.get_by_test_id("composer-input")
    expect(composer).to_have_value(re.compile("Change plan"))
    composer.press("End")
    composer.type(" Ada here, happy to help.")
    dashboard.get_by_test_id("composer-send").click()
    expect(page.locator("[data-testid=parley-message][data-sender-type=agent]")).to_contain_text(
        "Ada here, happy to help."
    )


def test_a_visitor_searches_the_articles_and_gets_suggestions_while_typing(helpbot, new_context):
    page = open_widget(new_context(), helpbot)
    page.get_by_test_id("parley-search-articles").click()
    page.get_by_test_id("parley-article-search").fill("change plan")
    found = page.get_by_test_id("parley-article").filter(has_text="How do I change my plan?")
    expect(found).to_have_count(1)
    expect(found).to_have_attribute("target", "_blank")
    assert "/help/helpbot/en/articles/change-your-plan/" in found.get_attribute("href")

    # Suggestions follow the first message as it is typed.
    page.get_by_test_id("parley-input").press_sequentially("send an invoice reminder")
    expect(page.get_by_test_id("parley-article").first).to_be_visible()
    expect(page.get_by_test_id("parley-article").filter(has_text="change my plan")).to_have_count(0)
    # Once the conversation has begun, the articles make way.
    page.get_by_test_id("parley-send").click()
    expect(
        page.locator("[data-testid=parley-message][data-sender-type=bot][data-state=sent]")
    ).to_have_count(1)
    expect(page.get_by_test_id("parley-articles")).to_be_hidden()


def test_stop_ends_the_answer_where_it_is_and_keeps_what_was_written(slow_app, host, new_context):
    page = open_widget(new_context(), host.page(slow_app))
    page.get_by_test_id("parley-input").fill(QUESTION)
    page.get_by_test_id("parley-send").click()
    expect(page.locator("[data-state=streaming]")).to_have_count(1)
    stop = page.get_by_test_id("parley-stop")
    expect(stop).to_be_visible()
    stop.click()
    answer = page.locator("[data-testid=parley-message][data-sender-type=bot][data-state=sent]")
    expect(answer).to_have_count(1)
    expect(stop).to_be_hidden()
    # Cut short: the answer's last sentence never came.
    assert "Ledgerly account" not in answer.inner_text()
    # The composer is the assistant's again for the next question.
    page.get_by_test_id("parley-input").fill("and my invoices?")
    expect(page.get_by_test_id("parley-send")).to_be_enabled()


def test_with_nobody_online_talk_to_a_person_asks_for_the_email_replies_go_to(
    quiet_app, host, new_context
):
    configure_widget(quiet_app, "demo", assistant=True, offline_form=True)
    build_index(quiet_app)
    page = open_widget(new_context(), host.page(quiet_app))
    ask(page, QUESTION)
    page.get_by_test_id("parley-talk-to-person").click()
    form = page.get_by_test_id("parley-handoff")
    expect(form).to_be_visible()
    page.get_by_test_id("parley-handoff-email").fill("not an email")
    page.get_by_test_id("parley-handoff-submit").click()
    expect(form).to_be_visible()
    page.get_by_test_id("parley-handoff-email").fill("eve@example.com")
    page.get_by_test_id("parley-handoff-submit").click()
    expect(page.get_by_test_id("parley-offline-done")).to_contain_text("eve@example.com")

    dashboard = log_in_agent(new_context(), quiet_app, "grace")
    ticket = page.evaluate("Parley.state().ticket")
    row = dashboard.locator(f"[data-testid=inbox-row][data-ticket-id='{ticket}']")
    expect(row).to_have_count(1)
