from django.contrib import admin

from helpdesk.admin import TicketAdmin
from helpdesk.models import Ticket

from .closing import ENDED, send_waiting_transcripts
from .models import Message, TranscriptRequest


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


@admin.register(Ticket)
class TicketWithMessagesAdmin(TicketAdmin):
    inlines = [MessageInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Ending a chat here is an end like any other: what was asked for goes out,
        # on commit (the admin saves atomically, and the save holds the row lock).
        if change and obj.status in ENDED and form.initial.get("status") not in ENDED:
            send_waiting_transcripts(ticket=obj)


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
