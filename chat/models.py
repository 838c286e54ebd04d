from django.conf import settings
from django.db import models

from helpdesk.models import Ticket

from .attachments import storage_path


class Message(models.Model):
    """One line of a conversation. Created only by ``chat.services.post_message``."""

    class SenderType(models.TextChoices):
        VISITOR = "visitor", "Visitor"
        AGENT = "agent", "Agent"
        BOT = "bot", "Bot"
        SYSTEM = "system", "System"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    # Position in the ticket: 1, 2, 3 ... with no gaps. Clients dedupe and detect
    # loss by it, so it is the delivery guarantee, not the channel layer.
    seq = models.PositiveIntegerField(editable=False)
    sender_type = models.CharField(max_length=10, choices=SenderType.choices)
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # The name shown for the sender when the message was written.
    sender_name = models.CharField(max_length=120, blank=True)
    body = models.TextField()
    internal = models.BooleanField(default=False, help_text="A note only agents see.")
    # Chosen by the client, so a retried send is recognised instead of stored twice.
    # NULL, not "", when absent: the unique constraint must ignore messages without one.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # An image or a PDF, checked by chat.attachments; its name and type as shown.
    attachment = models.FileField(upload_to=storage_path, null=True, blank=True)
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment_type = models.CharField(max_length=50, blank=True)
    attachment_size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ticket", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "seq"], name="message_unique_seq"),
            models.UniqueConstraint(
                fields=["ticket", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="message_unique_client_id",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id}/{self.seq} {self.sender_type}"


class TranscriptRequest(models.Model):
    """A visitor asked for a ticket's transcript by email; sent by a Celery task,
    at once or, when asked during the chat, once it ends (chat/closing.py)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="transcript_requests")
    email = models.EmailField()
    requested_at = models.DateTimeField(auto_now_add=True)
    # Waiting for the chat to end. The end clears it as it queues the email, so a
    # chat reopened and ended again never sends it twice.
    on_end = models.BooleanField("waits for the end", default=False)
    # Set when the email has gone out, so a retried task never sends it twice.
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Transcript of #{self.ticket_id} to {self.email}"
