from django.contrib import admin

from .models import Answer


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    """Read only: what the assistant said, from what, and how it was rated."""

    list_display = [
        "ticket",
        "outcome",
        "handoff_reason",
        "backend",
        "language",
        "visitor_helpful",
        "agent_helpful",
        "created_at",
    ]
    list_filter = ["outcome", "handoff_reason", "backend", "language", "agent_helpful"]
    list_select_related = ["ticket__visitor"]
    fields = [
        "ticket",
        "question",
        "reply",
        "outcome",
        "handoff_reason",
        "backend",
        "language",
        "sources",
        "visitor_helpful",
        "agent_helpful",
        "agent_rated_by",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
