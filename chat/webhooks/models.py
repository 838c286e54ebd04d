"""Webhook endpoints an administrator adds, and the log of what was sent to them."""

import secrets
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models

from .events import EVENTS


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def validate_webhook_url(value: str) -> None:
    """Only http(s), with a host and no credentials: other schemes (file:, ftp:,
    gopher:) would let an endpoint read or poke at things that are not web
    receivers, and a password in the URL would be shown in admin and logs."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError("Use an http:// or https:// address.", code="invalid_scheme")
    if parts.username or parts.password:
        raise ValidationError(
            "Leave credentials out of the address; verify the signature instead.",
            code="credentials_in_url",
        )


def validate_events(value: object) -> None:
    if not isinstance(value, list) or not all(name in EVENTS for name in value):
        raise ValidationError("Choose events from the list.", code="invalid_events")


class Endpoint(models.Model):
    """A URL that is sent the chosen events, signed with its ``secret``."""

    url = models.URLField(
        "URL", max_length=500, validators=[validate_webhook_url], help_text="http:// or https://"
    )
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, validators=[validate_events])
    # Shown to administrators, who give it to the receiver to check signatures.
    secret = models.CharField(max_length=80, default=new_secret)
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Switched off by Parley after too many failed deliveries in a row.",
    )
    # Failed attempts since the last success; at PARLEY_WEBHOOK_DISABLE_AFTER the
    # endpoint is switched off.
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.description or self.url


class Delivery(models.Model):
    """One event for one endpoint, tried until it succeeds or its attempts run out."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (endpoint off or unsubscribed)"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The event's id, the same for every endpoint and attempt: receivers dedupe by it.
    event_id = models.UUIDField()
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="delivery_unique_event")
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint}"


class Attempt(models.Model):
    """One POST of a delivery and what came back."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_snippet = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField()
    # Why it failed when there was no answer (timeout, refused, redirect).
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
