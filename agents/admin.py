from django.contrib import admin

from .models import AgentProfile, CannedResponse


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "status", "max_concurrent_chats", "last_assigned_at"]
    list_filter = ["status", "teams"]
    search_fields = ["display_name", "user__username", "user__email"]
    raw_id_fields = ["user"]
    filter_horizontal = ["teams"]
    readonly_fields = ["last_assigned_at"]


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["shortcut", "owner"]
    list_filter = ["owner"]
    search_fields = ["shortcut", "body"]
