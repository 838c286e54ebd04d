from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse

from helpdesk.admin import VisitorAdmin
from helpdesk.models import Visitor
from helpdesk.roles import is_administrator

from .api import export_response
from .models import Erasure
from .services import visitor_erase


@admin.action(description="Export everything about this visitor (zip)")
def export_visitor(modeladmin, request: HttpRequest, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(request, "Export one visitor at a time.", messages.WARNING)
        return None
    return export_response(queryset.get())


@admin.action(description="Erase the selected visitors' personal data and messages")
def erase_visitors(modeladmin, request: HttpRequest, queryset):
    if request.POST.get("confirmed") != "yes":
        return TemplateResponse(
            request,
            "admin/privacy/erase_confirmation.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": "Erase visitors?",
                "visitors": queryset,
                "action": "erase_visitors",
                "opts": modeladmin.model._meta,
            },
        )
    for visitor in queryset:
        visitor_erase(visitor=visitor, by=request.user)
    modeladmin.message_user(
        request, f"Erased {queryset.count()} visitor(s); see Privacy > Erasures.", messages.SUCCESS
    )
    return None


class PrivacyVisitorAdmin(VisitorAdmin):
    """The helpdesk's visitor admin with the privacy actions, which need chat's
    messages; registered here as chat.admin registers the ticket admin."""

    list_display = [*VisitorAdmin.list_display, "erased_at"]
    readonly_fields = [*VisitorAdmin.readonly_fields, "erased_at"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if is_administrator(request.user):
            for action in (export_visitor, erase_visitors):
                actions[action.__name__] = (action, action.__name__, action.short_description)
        return actions


admin.site.unregister(Visitor)
admin.site.register(Visitor, PrivacyVisitorAdmin)


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    """The audit record: read-only, kept when the data is gone."""

    list_display = ["at", "visitor_id", "by_name", "reason", "messages", "files", "visitor_cleared"]
    list_filter = ["reason", "at"]
    search_fields = ["visitor_id", "by_name"]
    readonly_fields = [field.name for field in Erasure._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
