"""The record of every erasure: who erased what, and when."""

from django.conf import settings
from django.db import models


class Erasure(models.Model):
    class Reason(models.TextChoices):
        REQUEST = "request", "On request (admin or API)"
        RETENTION = "retention", "Retention period"

    # Not a foreign key: the record outlives whatever is deleted later.
    visitor_id = models.UUIDField(db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Who it was at the time, kept if the account goes.
    by_name = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=10, choices=Reason.choices)
    at = models.DateTimeField(auto_now_add=True)
    tickets = models.JSONField(default=list, help_text="Ids of the tickets whose messages went.")
    visitor_cleared = models.BooleanField(
        default=False, help_text="The visitor's name, email, id and metadata were cleared."
    )
    messages = models.PositiveIntegerField(default=0)
    files = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Erasure of {self.visitor_id} at {self.at:%Y-%m-%d %H:%M}"
