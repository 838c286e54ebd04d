"""The public help centre of each widget: its categories, articles and search,
in each language Parley speaks. Widgets share one knowledge base; the widget in
the address gives the pages its name and colour and is where links lead back."""

from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET

from helpdesk.models import Widget

from . import retrieval
from .models import Article, Category, Language
from .rendering import render as render_markdown

SEARCH_MAX_CHARS = 200
SEARCH_RESULTS = 10


def _page(request: HttpRequest, key: str, lang: str, template: str, context: dict) -> HttpResponse:
    if lang not in Language.values:
        raise Http404
    widget = get_object_or_404(Widget, key=key)
    other = [code for code in Language.values if code != lang]
    with translation.override(lang):
        return render(
            request,
            template,
            {"widget": widget, "lang": lang, "other_languages": other, **context},
        )


@require_GET
def home(request: HttpRequest, key: str) -> HttpResponse:
    """The help centre in the language the browser asked for."""
    get_object_or_404(Widget, key=key)
    lang = translation.get_language_from_request(request)[:2]
    return redirect("help:categories", key, lang if lang in Language.values else Language.EN)


@require_GET
def categories(request: HttpRequest, key: str, lang: str) -> HttpResponse:
    articles = Article.objects.filter(language=lang, published=True).only(
        "title", "slug", "category_id"
    )
    by_category: dict[int, list[Article]] = {}
    for article in articles:
        by_category.setdefault(article.category_id, []).append(article)
    shelves = [
        (category, by_category[category.pk])
        for category in Category.objects.filter(language=lang)
        if category.pk in by_category
    ]
    return _page(request, key, lang, "help/categories.html", {"shelves": shelves})


@require_GET
def article(request: HttpRequest, key: str, lang: str, slug: str) -> HttpResponse:
    found = get_object_or_404(
        Article.objects.select_related("category"), language=lang, slug=slug, published=True
    )
    return _page(
        request,
        key,
        lang,
        "help/article.html",
        {"article": found, "body": render_markdown(found.body)},
    )


@require_GET
def search(request: HttpRequest, key: str, lang: str) -> HttpResponse:
    query = request.GET.get("q", "")[:SEARCH_MAX_CHARS].strip()
    hits = (
        retrieval.best_articles(retrieval.search(query, lang, limit=SEARCH_RESULTS * 2))
        if query and lang in Language.values
        else []
    )
    return _page(
        request, key, lang, "help/search.html", {"query": query, "hits": hits[:SEARCH_RESULTS]}
    )


def article_url(key: str, hit: retrieval.Hit) -> str:
    """The help-centre address of a hit's passage, from the site root."""
    anchor = f"#{quote(hit.anchor)}" if hit.anchor else ""
    return reverse("help:article", args=[key, hit.language, hit.slug]) + anchor
