"""The helpdesk core: who asks (Visitor) and what they ask about (Ticket)."""

import uuid

from django.conf import settings
from django.db import models


class Visitor(models.Model):
    """Someone on a site with the widget. Identified by a signed token, not a login."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    # Set only from a verified identity (a signed payload from the host site).
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    # Page URL, referrer, user agent, locale, timezone: as the widget last reported them.
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    is_blocked = models.BooleanField(default=False)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or f"Visitor {str(self.id)[:8]}"


class Team(models.Model):
    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """Every conversation is a ticket; its messages live in ``chat.Message``."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Channel(models.TextChoices):
        CHAT = "chat", "Chat"
        OFFLINE_FORM = "offline_form", "Offline form"
        API = "api", "API"

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="tickets")
    subject = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    channel = models.CharField(max_length=15, choices=Channel.choices, default=Channel.CHAT)
    # The per-ticket message counter. Only chat.services.post_message moves it.
    last_seq = models.PositiveIntegerField(default=0, editable=False)
    # The seq of the last message a visitor can see (internal notes skipped), so a
    # visitor is never told about seqs they can't have.
    last_public_seq = models.PositiveIntegerField(default=0, editable=False)
    # Highest seq each side has reported as read (read receipts).
    visitor_seen_seq = models.PositiveIntegerField(default=0, editable=False)
    agent_seen_seq = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [models.Index(fields=["status", "-last_message_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__range=(1, 5)),
                name="ticket_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject or self.visitor.display_name}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED
