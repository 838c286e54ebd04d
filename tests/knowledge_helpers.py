"""Articles for tests: a few made to order, or the demo company's whole help
centre, with its search index built."""

from helpdesk.knowledge import retrieval
from helpdesk.knowledge.demo import seed_articles
from helpdesk.knowledge.models import Article, Category


def make_article(
    title: str, body: str, *, language: str = "en", slug: str = "", published: bool = True
) -> Article:
    category, _ = Category.objects.get_or_create(
        language=language, slug="general", defaults={"name": "General"}
    )
    return Article.objects.create(
        title=title,
        slug=slug or title.lower().replace(" ", "-").strip("?")[:50],
        language=language,
        category=category,
        body=body,
        published=published,
    )


def demo_help_centre() -> None:
    """The demo articles in both languages, indexed."""
    seed_articles()
    for language in ("en", "de"):
        retrieval.rebuild(language)
