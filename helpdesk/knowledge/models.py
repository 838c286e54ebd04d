"""Help articles, grouped in categories, one language each, and the search index
built from them (helpdesk/knowledge/retrieval.py)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse


class Language(models.TextChoices):
    # The languages Parley speaks (settings.LANGUAGES); an article is written in one.
    EN = "en", "English"
    DE = "de", "Deutsch"


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["language", "position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["language", "slug"], name="category_unique_slug")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class Article(models.Model):
    """One help article. The body is Markdown, rendered and sanitised on the way
    out (helpdesk/knowledge/rendering.py); only published articles are public and
    searchable."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    body = models.TextField(help_text="Markdown. Headings (## …) split it into searchable parts.")
    published = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language", "category__position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["language", "slug"], name="article_unique_slug")
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.category_id and self.category.language != self.language:
            raise ValidationError(
                {"category": "Choose a category in the article's language."},
                code="category_language",
            )

    def path(self, widget_key: str) -> str:
        """Where the help centre of widget ``widget_key`` shows this article."""
        return reverse("help:article", args=[widget_key, self.language, self.slug])


class SearchIndex(models.Model):
    """The retrieval index of one language, as bm25s saved it, zipped. Kept in the
    database so every server process (on any host) reads the same index; each
    process reloads it when ``version`` moves (docs/architecture.md)."""

    language = models.CharField(max_length=2, choices=Language.choices, unique=True)
    version = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(null=True, blank=True)
    passages = models.PositiveIntegerField(default=0)
    # What the index was built from: a rebuild from the same passages stores nothing.
    digest = models.CharField(max_length=64, blank=True)
    data = models.BinaryField(default=b"")

    class Meta:
        verbose_name_plural = "search indexes"

    def __str__(self) -> str:
        return f"{self.language} v{self.version} ({self.passages} passages)"
