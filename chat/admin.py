from django.contrib import admin, messages
from django.utils.translation import ngettext

from helpdesk.admin import TicketAdmin
from helpdesk.models import Ticket

from .models import Message, TranscriptRequest
from .ticket_actions import FIELDS, Actor, ticket_change


class MessageInline(admin.TabularInline):
    """Read-only: messages are written by post_message, never by hand."""

    model = Message
    fields = ["seq", "sender_type", "sender_name", "body", "internal", "created_at"]
    readonly_fields = fields
    ordering = ["seq"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _bulk_status(status: Ticket.Status, description: str):
    """An admin action that moves every selected ticket to ``status`` the way the
    dashboard would: one ticket change each, with its line, broadcast and routing."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        by = Actor.for_user(request.user)
        changed = 0
        for ticket_id, current in queryset.values_list("pk", "status"):
            if current != status:
                ticket_change(ticket_id=ticket_id, by=by, status=status)
                changed += 1
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d ticket set to %(status)s.",
                "%(count)d tickets set to %(status)s.",
                changed,
            )
            % {"count": changed, "status": status.label},
            messages.SUCCESS,
        )

    action.__name__ = f"set_{status.value}"
    return action


@admin.register(Ticket)
class TicketWithMessagesAdmin(TicketAdmin):
    """Edits of status, priority, assignee, team and tags, in the form or in bulk,
    go through chat.ticket_actions like every other change: recorded in the
    thread, told to dashboards and the visitor, and routed."""

    inlines = [MessageInline]
    actions = [
        _bulk_status(Ticket.Status.RESOLVED, "Resolve selected tickets"),
        _bulk_status(Ticket.Status.CLOSED, "Close selected tickets"),
        _bulk_status(Ticket.Status.OPEN, "Reopen selected tickets"),
    ]

    def has_add_permission(self, request):
        # A ticket starts with a conversation: the widget, the offline form or the API.
        return False

    def save_model(self, request, obj, form, change):
        # The fields the actions own are written by ticket_change (save_related,
        # once the form's tags are known); the admin saves the rest itself.
        own = [name for name in form.changed_data if name not in FIELDS]
        if own:
            obj.save(update_fields=[*own, "updated_at"])

    def save_related(self, request, form, formsets, change):
        changes = {name: form.cleaned_data[name] for name in FIELDS if name in form.changed_data}
        if "tags" in changes:
            changes["tags"] = [tag.name for tag in changes["tags"]]
        if changes:
            # In the admin's own transaction: a refused change rolls the whole form back.
            ticket_change(ticket_id=form.instance.pk, by=Actor.for_user(request.user), **changes)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["ticket", "seq", "sender_type", "sender_name", "internal", "created_at"]
    list_filter = ["sender_type", "internal", "created_at"]
    search_fields = ["body", "ticket__id", "sender_name"]
    list_select_related = ["ticket"]
    readonly_fields = [field.name for field in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting one would leave a hole in the ticket's seq that clients chase.
        return False


@admin.register(TranscriptRequest)
class TranscriptRequestAdmin(admin.ModelAdmin):
    """A record of what was asked and sent; requests come only from visitors."""

    list_display = ["ticket", "email", "requested_at", "on_end", "sent_at"]
    list_filter = ["on_end", "requested_at", "sent_at"]
    search_fields = ["email", "ticket__id"]
    readonly_fields = ["ticket", "email", "requested_at", "on_end", "sent_at"]

    def has_add_permission(self, request):
        return False
