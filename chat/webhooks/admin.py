from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .events import EVENTS
from .models import Attempt, Delivery, Endpoint
from .services import endpoint_enable


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=list(EVENTS.items()), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Endpoint
        fields = ["url", "description", "events", "is_active"]


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "description", "is_active", "consecutive_failures", "disabled_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    readonly_fields = ["secret", "consecutive_failures", "disabled_at", "created_at"]
    fieldsets = [
        (None, {"fields": ["url", "description", "events", "is_active"]}),
        (
            "Signature",
            {
                "fields": ["secret"],
                "description": "Each delivery carries a Parley-Signature header, "
                "HMAC-SHA256 with this secret; docs/api.md shows how to check it.",
            },
        ),
        (None, {"fields": ["consecutive_failures", "disabled_at", "created_at"]}),
    ]
    actions = ["switch_on"]

    @admin.action(description="Switch on again (and forget the failures)")
    def switch_on(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            endpoint_enable(endpoint=endpoint)
        self.message_user(request, f"{queryset.count()} switched on.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        # Switched on by hand: the count of failures starts again.
        if change and "is_active" in form.changed_data and obj.is_active:
            obj.consecutive_failures = 0
            obj.disabled_at = None
        super().save_model(request, obj, form, change)


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ["number", "at", "status_code", "duration_ms", "error", "response_snippet"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The log: read-only, written by the delivery task."""

    list_display = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_duration_ms",
        "created_at",
    ]
    list_filter = ["status", "event", "endpoint"]
    search_fields = ["event_id"]
    readonly_fields = [
        "endpoint",
        "event_id",
        "event",
        "payload",
        "status",
        "attempts",
        "created_at",
        "finished_at",
    ]
    inlines = [AttemptInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("endpoint").prefetch_related("attempt_log")
        )

    def _last(self, delivery: Delivery) -> Attempt | None:
        attempts = list(delivery.attempt_log.all())
        return attempts[-1] if attempts else None

    @admin.display(description="Status code")
    def last_status_code(self, delivery: Delivery) -> str:
        last = self._last(delivery)
        return "" if last is None else str(last.status_code or last.error[:40])

    @admin.display(description="Duration (ms)")
    def last_duration_ms(self, delivery: Delivery) -> str:
        last = self._last(delivery)
        return "" if last is None else str(last.duration_ms)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
