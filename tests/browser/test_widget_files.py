"""Files a visitor sends from the widget: what a refused one offers, and how sizes
read."""

import pytest
from playwright.sync_api import expect

from .test_chat import open_widget, visitor_says

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.7\n%%EOF\n12345"  # 20 bytes


def test_a_refused_file_offers_remove_not_retry_and_its_error_goes_with_it(
    app, host_site, new_context
):
    page = open_widget(new_context(), host_site)
    visitor_says(page, "I will send you my receipt")
    # Named and typed as a picture, so only the server can tell it is none.
    page.get_by_test_id("parley-file").set_input_files(
        files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": b"<html>no</html>"}]
    )
    failed = page.locator("[data-testid=parley-message][data-state=failed]")
    expect(failed).to_have_count(1)
    hint = page.locator(".hint")
    expect(hint).to_have_text("Send an image (PNG, JPEG, GIF, WebP) or a PDF.")
    # Sending the same bytes again cannot succeed: no Retry, only Remove.
    expect(failed.get_by_role("button", name="Retry")).to_have_count(0)
    failed.get_by_role("button", name="Remove").click()
    expect(failed).to_have_count(0)
    expect(hint).to_have_text("")


def test_a_file_that_failed_on_the_way_can_be_retried(app, host_site, new_context):
    context = new_context()
    page = open_widget(context, host_site)
    visitor_says(page, "Here comes a file")
    context.route("**/attachments/", lambda route: route.abort())
    page.get_by_test_id("parley-file").set_input_files(
        files=[{"name": "tiny.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    failed = page.locator("[data-testid=parley-message][data-state=failed]")
    expect(failed).to_have_count(1)
    expect(page.locator(".hint")).not_to_have_text("")
    context.unroute("**/attachments/")
    failed.get_by_role("button", name="Retry").click()
    sent = page.locator("[data-testid=parley-message][data-state=sent]", has_text="tiny.pdf")
    expect(sent).to_have_count(1)
    # A 20-byte file is 20 B, not "1 KB"; and the error it had is gone.
    expect(sent.get_by_test_id("parley-attachment")).to_have_text("📄 tiny.pdf (20 B)")
    expect(page.locator(".hint")).to_have_text("")
