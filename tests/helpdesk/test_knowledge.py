"""The knowledge base: Markdown rendered safely, passages, the search index
and the public help centre."""

import pytest
from django.test import Client
from django.utils import timezone

from helpdesk.knowledge import retrieval
from helpdesk.knowledge.models import Article, SearchIndex
from helpdesk.knowledge.rendering import passages, render
from tests.factories import WidgetFactory
from tests.knowledge_helpers import demo_help_centre, make_article

pytestmark = pytest.mark.django_db

HOSTILE = """Intro <script>alert("x")</script>

## Steps

[click](javascript:alert(1)) <img src="x.png" onerror="alert(1)"> <iframe src="//evil"></iframe>
<a href="https://example.com" onclick="steal()">ok</a>
"""


def test_markdown_is_rendered_and_scripts_handlers_and_js_links_are_removed():
    html = render(HOSTILE)
    assert '<h2 id="steps">Steps</h2>' in html
    assert "<script" not in html and "alert(" not in html.replace("alert(1)", "")
    assert "onerror" not in html and "onclick" not in html and "<iframe" not in html
    assert "javascript:" not in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>' in html


def test_a_body_is_cut_into_passages_at_headings_as_plain_text():
    intro = "An introduction long enough to stand on its own as a passage. " * 3
    found = passages(
        f"{intro}\n\n## Change **your** plan\n\nGo to *Settings*.\n\n## Other\n\nMore."
    )
    assert [(p.heading, p.anchor, p.text) for p in found] == [
        ("", "", intro.strip()),
        ("Change your plan", "change-your-plan", "Go to Settings.\nOther\nMore."),
    ]


def test_a_short_introduction_goes_with_the_first_section():
    found = passages("Intro.\n\n## Steps\n\n1. Open Settings\n2. Choose Billing")
    assert [(p.heading, p.anchor, p.text) for p in found] == [
        ("", "", "Intro.\nSteps\n- Open Settings\n- Choose Billing")
    ]


def test_a_long_section_is_cut_at_its_paragraphs():
    paragraph = "word " * 100
    found = passages("## Long\n\n" + "\n\n".join([paragraph] * 4))
    assert len(found) == 4
    assert {p.heading for p in found} == {"Long"}


def test_saving_an_article_rebuilds_its_languages_index(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_article("Refunds", "## Card refunds\n\nOpen the invoice and choose Refund.")
    index = SearchIndex.objects.get(language="en")
    assert (index.version, index.passages) == (1, 1)
    hits = retrieval.search("how do I refund a card payment", "en")
    assert [hit.title for hit in hits] == ["Refunds"]
    assert hits[0].anchor == "card-refunds"


def test_search_finds_the_demo_article_that_answers_in_each_language():
    demo_help_centre()
    english = retrieval.search("how do I change my plan?", "en")
    assert english[0].title == "How do I change my plan?"
    german = retrieval.search("Wie kann ich meinen Tarif wechseln?", "de")
    assert german[0].title == "Wie wechsle ich meinen Tarif?"


def test_search_never_returns_unpublished_articles_even_from_an_older_index():
    article = make_article("Refunds", "Open the invoice and choose Refund.")
    retrieval.rebuild("en")
    Article.objects.filter(pk=article.pk).update(published=False)  # no rebuild yet
    assert retrieval.search("refund", "en") == []


def test_another_process_sees_a_rebuilt_index_by_its_version():
    make_article("Refunds", "Open the invoice and choose Refund.")
    retrieval.rebuild("en")
    assert retrieval.search("refund", "en")
    make_article("Exports", "Reports, then Export, then CSV.")
    # Built elsewhere: this process only sees the stored version move.
    SearchIndex.objects.filter(language="en").update(
        data=retrieval._pack(retrieval._passage_rows("en"), "en"),
        version=99,
        built_at=timezone.now(),
    )
    assert [hit.title for hit in retrieval.search("export csv", "en")] == ["Exports"]


@pytest.mark.parametrize(
    "query", ["", "   ", "the and of", "x" * 50_000, "<script>alert(1)</script>", "%%%"]
)
def test_odd_queries_find_nothing_or_something_but_never_fail(query):
    demo_help_centre()
    assert isinstance(retrieval.search(query, "en"), list)


def test_a_language_without_articles_or_an_unknown_one_finds_nothing():
    assert retrieval.search("refund", "en") == []
    assert retrieval.search("refund", "fr") == []


def test_the_help_centre_lists_categories_and_shows_articles_in_each_language():
    demo_help_centre()
    client = Client()
    WidgetFactory(key="demo", name="Ledgerly")
    home = client.get("/help/demo/", HTTP_ACCEPT_LANGUAGE="de")
    assert home.status_code == 302 and home["Location"] == "/help/demo/de/"
    page = client.get("/help/demo/de/")
    assert "Tarife und Abrechnung" in page.content.decode()
    assert "Ledgerly Hilfe-Center" in page.content.decode()
    assert "Unsere Artikel durchsuchen" in page.content.decode()
    article = client.get("/help/demo/en/articles/change-your-plan/")
    body = article.content.decode()
    assert '<h2 id="upgrades">Upgrades</h2>' in body
    assert "Updated" in body
    search = client.get("/help/demo/en/search/", {"q": "recurring invoices"})
    assert "/help/demo/en/articles/recurring-invoices/" in search.content.decode()


def test_the_help_centre_escapes_the_query_and_answers_404_for_unknowns():
    WidgetFactory(key="demo")
    client = Client()
    page = client.get("/help/demo/en/search/", {"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert "&lt;script&gt;" in page.content.decode()
    assert client.get("/help/nope/en/").status_code == 404
    assert client.get("/help/demo/fr/").status_code == 404
    assert client.get("/help/demo/en/articles/missing/").status_code == 404


def test_an_unpublished_article_is_not_public():
    WidgetFactory(key="demo")
    make_article("Draft", "Not yet.", slug="draft", published=False)
    assert Client().get("/help/demo/en/articles/draft/").status_code == 404


def test_the_widget_searches_articles_by_key_and_gets_links_to_the_help_centre(api, widget):
    demo_help_centre()
    response = api.get(
        "/api/widget/articles/",
        {"key": "acme", "q": "payment reminders", "lang": "en", "limit": 3},
        HTTP_ORIGIN="https://shop.example",
    )
    assert response.status_code == 200
    first = response.data["results"][0]
    assert first["title"] == "Automatic payment reminders"
    assert first["url"].startswith("http://127.0.0.1:8000/help/acme/en/articles/payment-reminders/")
    assert len(response.data["results"]) <= 3
    detail = api.get(
        f"/api/widget/articles/{first['id']}/", {"key": "acme"}, HTTP_ORIGIN="https://shop.example"
    )
    assert detail.data["title"] == "Automatic payment reminders"
    assert '<h2 id="turn-reminders-on">' in detail.data["html"]


def test_the_widgets_article_search_refuses_foreign_sites_and_bad_input(api, widget):
    demo_help_centre()
    foreign = api.get(
        "/api/widget/articles/", {"key": "acme", "q": "refund"}, HTTP_ORIGIN="https://evil.example"
    )
    assert foreign.status_code == 403
    unknown = api.get("/api/widget/articles/", {"key": "nope", "q": "refund"})
    assert unknown.status_code == 404
    too_long = api.get("/api/widget/articles/", {"key": "acme", "q": "x" * 201})
    assert too_long.status_code == 400
    bad_lang = api.get("/api/widget/articles/", {"key": "acme", "q": "refund", "lang": "fr"})
    assert bad_lang.status_code == 400


def test_an_unpublished_article_is_not_served_to_the_widget(api, widget):
    draft = make_article("Draft", "Not yet.", slug="draft", published=False)
    response = api.get(f"/api/widget/articles/{draft.pk}/", {"key": "acme"})
    assert response.status_code == 404


def test_the_admin_previews_an_article_rendered_and_sanitised(admin_client):
    article = make_article("Hostile", HOSTILE)
    page = admin_client.get(f"/admin/knowledge/article/{article.pk}/change/")
    body = page.content.decode()
    assert '<div class="help-preview"><p>Intro' in body
    assert "onerror" not in body.split('class="help-preview"')[1]


def test_the_admin_live_preview_renders_unsaved_markdown_sanitised(admin_client):
    page = admin_client.get("/admin/knowledge/article/add/")
    assert 'data-preview-url="/admin/knowledge/article/preview/"' in page.content.decode()
    assert "knowledge/admin-preview.js" in page.content.decode()
    response = admin_client.post("/admin/knowledge/article/preview/", {"body": HOSTILE})
    html = response.json()["html"]
    assert '<h2 id="steps">Steps</h2>' in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert admin_client.get("/admin/knowledge/article/preview/").status_code == 405


def test_the_admin_preview_is_for_staff_only(client, django_user_model):
    response = client.post("/admin/knowledge/article/preview/", {"body": "# Hi"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    staff = django_user_model.objects.create_user("writer", password="pw-123456", is_staff=True)
    client.force_login(staff)  # staff, but no permission on articles
    response = client.post("/admin/knowledge/article/preview/", {"body": "# Hi"})
    assert response.status_code == 403
