"""The help centre and the article editor's preview in a real browser."""

import pytest

pytestmark = pytest.mark.browser

HOSTILE = """Intro.

## Change your plan

Open **Settings**. <img src="x" onerror="window.pwned = true">
<script>window.pwned = true</script>
"""


def test_the_article_editor_previews_unsaved_markdown_without_running_its_scripts(
    app, new_context, screenshot
):
    page = new_context().new_page()
    page.goto(app.http("app", "/admin/login/?next=/admin/knowledge/article/add/"))
    page.fill("#id_username", "admin")
    page.fill("#id_password", "parley-demo")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/knowledge/article/add/")
    page.fill("#id_body", HOSTILE)
    page.click("button:has-text('Preview')")
    heading = page.locator("div.help-preview h2#change-your-plan")
    heading.wait_for()
    assert heading.text_content() == "Change your plan"
    assert page.locator("div.help-preview strong").text_content() == "Settings"
    assert page.evaluate("window.pwned") is None
    screenshot(page, "preview")


def test_the_help_centre_shows_articles_in_english_and_german(app, new_context):
    page = new_context(locale="de-DE").new_page()
    page.goto(app.http("app", "/help/demo/"))
    page.wait_for_url("**/help/demo/de/")
    assert page.locator("html").get_attribute("lang") == "de"
    page.click("text=Wie wechsle ich meinen Tarif?")
    assert page.locator("h1").text_content() == "Wie wechsle ich meinen Tarif?"
    assert page.locator("h2#tarif-wechseln").count() == 1
    page.click("text=English")
    assert page.locator("text=How do I change my plan?").count() == 1
