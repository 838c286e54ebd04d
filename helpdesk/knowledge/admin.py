from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .models import Article, Category, SearchIndex
from .rendering import render


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "position", "slug"]
    list_filter = ["language"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "category", "published", "updated_at"]
    list_filter = ["language", "published", "category"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "language", "category", "published"]}),
        (None, {"fields": ["body"]}),
        (
            "Preview",
            {
                "fields": ["preview"],
                "description": "The body as the help centre shows it, as last saved: "
                "use Save and continue editing to see a change.",
            },
        ),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="Rendered")
    def preview(self, article: Article) -> str:
        if not article.body:
            return "-"
        # render() returns nh3-sanitised HTML: safe to show as it is.
        return format_html('<div class="help-preview">{}</div>', mark_safe(render(article.body)))  # noqa: S308


@admin.register(SearchIndex)
class SearchIndexAdmin(admin.ModelAdmin):
    """Read-only: the index is built by the worker when articles change."""

    list_display = ["language", "version", "passages", "built_at"]
    fields = ["language", "version", "passages", "built_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
