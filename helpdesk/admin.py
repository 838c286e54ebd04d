from django.contrib import admin

from .models import Tag, Team, Visitor


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "created_at", "last_seen_at", "is_blocked"]
    list_filter = ["is_blocked", "created_at"]
    search_fields = ["id", "name", "email", "external_id"]
    readonly_fields = ["id", "created_at", "last_seen_at"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class TicketAdmin(admin.ModelAdmin):
    """Registered by chat.admin, which adds the messages inline."""

    list_display = ["id", "subject", "visitor", "status", "priority", "assignee", "last_message_at"]
    list_filter = ["status", "priority", "channel", "team", "tags"]
    search_fields = ["id", "subject", "visitor__name", "visitor__email"]
    list_select_related = ["visitor", "assignee"]
    raw_id_fields = ["visitor"]
    autocomplete_fields = ["tags"]
    readonly_fields = [
        "last_seq",
        "visitor_seen_seq",
        "agent_seen_seq",
        "created_at",
        "updated_at",
        "last_message_at",
        "first_response_at",
        "resolved_at",
    ]
