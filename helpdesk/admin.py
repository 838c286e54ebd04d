from django.conf import settings
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .business_hours import is_open
from .models import (
    Notification,
    OpeningHours,
    Tag,
    Team,
    Ticket,
    Visitor,
    Widget,
    new_identity_secret,
)
from .roles import is_administrator


def widget_embed_tag(widget: Widget) -> str:
    """The tag a site pastes to get ``widget``: the loader, at Parley's address."""
    src = f"{settings.PARLEY['SITE_URL']}/{settings.STATIC_URL.strip('/')}/widget/parley.js"
    return f'<script src="{src}" data-key="{widget.key}" async></script>'


IDENTITY_FIELDSET = (
    "Verified identity",
    {
        "fields": ["identity_secret"],
        "description": "Your server signs its signed-in users' ids with this secret, "
        "so Parley knows who they are on any device (docs/identity.md). Keep it on "
        "the server: it must never reach a browser. If it leaks, rotate it with the "
        "widget list's action \u201cRotate the identity secret\u201d.",
    },
)


@admin.register(Widget)
class WidgetAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "team", "prechat", "offline_form", "position", "created_at"]
    list_filter = ["team", "prechat", "offline_form", "position"]
    search_fields = ["name", "key", "allowed_origins"]
    readonly_fields = ["created_at", "embed_tag", "preview"]
    fieldsets = [
        (None, {"fields": ["name", "key", "allowed_origins"]}),
        ("Look", {"fields": ["greeting", "greeting_de", "accent_color", "position"]}),
        (
            "Flow",
            {
                "fields": [
                    "team",
                    "prechat",
                    "offline_form",
                    "offline_message",
                    "offline_message_de",
                ]
            },
        ),
        ("Privacy", {"fields": ["typing_preview"]}),
        ("Assistant", {"fields": ["assistant"]}),
        (None, {"fields": ["created_at"]}),
    ]

    actions = ["rotate_identity_secret"]

    class Media:
        js = ["dashboard/admin-widget.js"]

    def get_readonly_fields(self, request, obj=None):
        # Embed tags in the wild name the key: changing it would break them. The
        # identity secret changes only by rotation (the list's action).
        return [*self.readonly_fields, "key", "identity_secret"] if obj else self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # nothing to embed or preview until it is saved
            return self.fieldsets
        embed = (
            "Put it on your site",
            {
                "fields": ["embed_tag", "preview"],
                "description": "Paste the tag into every page that should have the chat, "
                "just before </body>. The preview shows the saved settings.",
            },
        )
        fieldsets = [self.fieldsets[0], embed, *self.fieldsets[1:]]
        if is_administrator(request.user):
            fieldsets.insert(-1, IDENTITY_FIELDSET)
        return fieldsets

    @admin.action(description="Rotate the identity secret", permissions=["rotate"])
    def rotate_identity_secret(self, request, queryset) -> None:
        # One at a time, so no two widgets ever share a secret.
        for widget in queryset:
            widget.identity_secret = new_identity_secret()
            widget.save(update_fields=["identity_secret"])
        self.message_user(
            request,
            f"New identity secrets for {queryset.count()} widget(s). Signatures made "
            "with the old ones are refused from now on: put the new secret on your server.",
            messages.WARNING,
        )

    def has_rotate_permission(self, request) -> bool:
        return is_administrator(request.user)

    @admin.display(description="Embed tag")
    def embed_tag(self, widget: Widget) -> str:
        return format_html(
            '<textarea id="parley-embed-tag" readonly rows="2" cols="90" '
            'style="font-family:monospace">{}</textarea><br>'
            '<button type="button" class="button" data-copy="parley-embed-tag">Copy</button>',
            widget_embed_tag(widget),
        )

    @admin.display(description="Live preview")
    def preview(self, widget: Widget) -> str:
        url = reverse("widget-preview", args=[widget.key])
        links = format_html_join(
            " · ",
            '<a href="{}?lang={}" target="parley-preview">{}</a>',
            ((url, code, name) for code, name in settings.LANGUAGES),
        )
        return format_html(
            '<p>{}</p><iframe name="parley-preview" title="Preview of the widget" '
            'src="{}?lang=en" width="440" height="680" '
            'style="border:1px solid #cbd5e1;border-radius:8px"></iframe>',
            links,
            url,
        )


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "widget", "created_at", "last_seen_at", "is_blocked"]
    list_filter = ["is_blocked", "widget", "created_at"]
    search_fields = ["id", "name", "email", "external_id"]
    # What a verified identity set (chat.identity) is the host site's word, and
    # its bounds are checked there: shown, not edited.
    readonly_fields = ["id", "created_at", "last_seen_at", "verified_at", "attributes"]


class OpeningHoursInline(admin.TabularInline):
    """A team's spans. Overlapping spans are allowed (the team is open in either),
    and equal times mean 24 hours, so every row the form accepts means something."""

    model = OpeningHours
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "open_now"]
    search_fields = ["name"]
    inlines = [OpeningHoursInline]
    fieldsets = [
        (
            None,
            {
                "fields": ["name", "timezone"],
                "description": "No opening hours: the team is always open. Outside its "
                "hours the team is offline: the widgets routed to it show the offline "
                "form and no chats are assigned to its agents. Hours are wall-clock "
                "times in the team's time zone; a span may run past midnight "
                "(22:00-06:00), and a day may have several.",
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("opening_hours")

    @admin.display(description="Open now", boolean=True)
    def open_now(self, team: Team) -> bool:
        return is_open(team, timezone.now())


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class TicketAdmin(admin.ModelAdmin):
    """Registered by chat.admin, which adds the messages inline."""

    list_display = ["id", "subject", "visitor", "status", "priority", "assignee", "last_message_at"]
    list_filter = ["status", "priority", "channel", "team", "tags"]
    search_fields = ["id", "subject", "visitor__name", "visitor__email"]
    list_select_related = ["visitor", "assignee"]
    autocomplete_fields = ["tags"]
    fields = [
        "visitor",
        "subject",
        "channel",
        "status",
        "priority",
        "assignee",
        "team",
        "tags",
        "rating",
        "rating_comment",
        "transcript",
        "last_seq",
        "visitor_seen_seq",
        "agent_seen_seq",
        "created_at",
        "updated_at",
        "last_message_at",
        "waiting_since",
        "first_response_at",
        "resolved_at",
    ]
    # The rest is read-only: the visitor's rating is theirs, and the counters and
    # times are kept by the write path and the ticket actions.
    readonly_fields = [
        name
        for name in fields
        if name not in {"subject", "status", "priority", "assignee", "team", "tags"}
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            # Only agents can work a ticket.
            kwargs["queryset"] = db_field.related_model.objects.filter(
                is_active=True, agent_profile__isnull=False
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Transcript")
    def transcript(self, ticket: Ticket) -> str:
        if not ticket.pk:
            return "-"
        url = reverse("agent-ticket-transcript", args=[ticket.pk])
        return format_html('<a href="{}">HTML</a> · <a href="{}?kind=text">text</a>', url, url)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What Parley emailed, and when: a record, not something to edit."""

    list_display = ["purpose", "subject", "recipients", "sent_at"]
    search_fields = ["purpose", "recipients", "subject"]
    readonly_fields = ["purpose", "subject", "recipients", "created_at", "sent_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
