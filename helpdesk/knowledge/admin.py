from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from .models import Article, Category, SearchIndex
from .rendering import render

# Longer bodies are cut for the preview: it renders on every click.
BODY_PREVIEW_MAX_CHARS = 200_000


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
                "description": "The body as the help centre shows it, as last saved. "
                "The Preview button under the body shows the text as it is now.",
            },
        ),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    class Media:
        js = ["knowledge/admin-preview.js"]

    def get_urls(self):
        preview = self.admin_site.admin_view(require_POST(self.preview_view))
        return [
            path("preview/", preview, name="knowledge_article_preview"),
            *super().get_urls(),
        ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "body":
            # The live preview's button (admin-preview.js) posts the text here.
            field.widget.attrs["data-preview-url"] = reverse("admin:knowledge_article_preview")
        return field

    def preview_view(self, request: HttpRequest) -> JsonResponse:
        """The posted Markdown, rendered and sanitised as the help centre shows it."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            return JsonResponse({"code": "permission_denied"}, status=403)
        body = request.POST.get("body", "")[:BODY_PREVIEW_MAX_CHARS]
        return JsonResponse({"html": render(body)})

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
