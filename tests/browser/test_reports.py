"""Reports in a real browser: an administrator sees a chat that was just answered
counted, and the charts drawn."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in_agent
from .test_chat import agent_says, open_ticket, open_widget, visitor_says
from .test_team_setup import log_in_admin

pytestmark = pytest.mark.browser


NOTHING = "\u2013"  # the dash the page shows for a time it has no value for


def open_reports(context, app):
    page = log_in_admin(context, app)
    page.goto(app.http("app", "/agent/reports/"))
    expect(page.locator("body[data-loaded=true]")).to_be_attached()
    return page


def conversations(page) -> int:
    return int(page.get_by_test_id("report-conversations").inner_text())


def test_an_administrator_sees_a_chat_just_answered_in_the_reports(
    app, host_site, new_context, screenshot
):
    reports = open_reports(new_context(), app)
    before = conversations(reports)

    dashboard = log_in_agent(new_context(), app, "ada")
    expect(dashboard.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "connected"
    )
    visitor = open_widget(new_context(), host_site)
    visitor_says(visitor, "How do I read last month's invoice?")
    open_ticket(dashboard, visitor.evaluate("Parley.state().ticket"))
    agent_says(dashboard, "Under Billing, then Invoices.")
    # The visitor ends the chat and rates it; the agent sees the rating, as text.
    visitor.get_by_test_id("parley-end").click()
    visitor.get_by_test_id("parley-end-confirm").click()
    visitor.get_by_test_id("parley-rating-star").nth(3).click()
    visitor.get_by_test_id("parley-rating-comment").fill("<b>Quick</b> and kind")
    visitor.get_by_test_id("parley-rating-submit").click()
    expect(visitor.get_by_test_id("parley-rating-done")).to_be_visible()
    expect(dashboard.get_by_test_id("ticket-rating")).to_have_text(
        "\u2605\u2605\u2605\u2605\u2606 4/5 \u201c<b>Quick</b> and kind\u201d"
    )

    reports.reload()
    expect(reports.locator("body[data-loaded=true]")).to_be_attached()
    expect(reports.get_by_test_id("report-conversations")).to_have_text(str(before + 1))
    # Answering an unassigned chat assigned it to Ada: her row has a first response.
    ada = reports.get_by_test_id("report-row").filter(has_text="Ada")
    expect(ada).to_have_count(1)
    expect(ada.locator("td").nth(2)).not_to_have_text(f"{NOTHING} / {NOTHING}")
    expect(reports.get_by_test_id("report-frt")).not_to_have_text(NOTHING)
    comment = reports.get_by_test_id("report-comment").first
    expect(comment).to_contain_text("<b>Quick</b> and kind")
    expect(comment.locator("b")).to_have_count(0)
    # uPlot drew the charts (canvas), not the page by hand.
    for chart in ("chart-days", "chart-hours", "chart-ratings"):
        expect(reports.get_by_test_id(chart).locator("canvas")).to_have_count(1)
    assert reports.get_by_test_id("chart-days").locator("canvas").bounding_box()["height"] > 100
    screenshot(reports, "reports")

    reports.get_by_test_id("report-group").select_option("widget")
    expect(reports.get_by_test_id("report-row").first).to_be_visible()
    with reports.expect_download() as download:
        reports.get_by_test_id("export-breakdown").click()
    assert download.value.suggested_filename.startswith("parley-breakdown-widget-")


def test_an_agent_has_no_reports_link_and_no_reports(app, new_context):
    dashboard = log_in_agent(new_context(), app, "ada")
    expect(dashboard.get_by_test_id("settings-link")).to_be_visible()
    expect(dashboard.get_by_test_id("reports-link")).to_have_count(0)
    answer = dashboard.goto(app.http("app", "/agent/reports/"))
    assert answer.status == 403
    expect(dashboard.get_by_role("heading")).to_have_text("Reports are for administrators")
