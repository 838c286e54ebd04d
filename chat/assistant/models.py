"""What the assistant said and why: each answer's sources, how it ended, and
how people rated it."""

from django.conf import settings
from django.db import models

from chat.models import Message
from helpdesk.models import Ticket


class Answer(models.Model):
    """One question the assistant took, and the bot line it stored for it."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", "Answered"
        STOPPED = "stopped", "Stopped by the visitor"
        HANDOFF = "handoff", "Handed to a person"

    class HandoffReason(models.TextChoices):
        NONE = "", "-"
        ASKED = "asked", "The visitor asked for a person"
        NO_ANSWER = "no_answer", "No article answers it"
        BACKEND_ERROR = "backend_error", "The answer backend failed"
        REFUSED = "refused", "The answer backend declined"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assistant_answers")
    question = models.OneToOneField(
        Message, on_delete=models.CASCADE, related_name="assistant_answer"
    )
    # The bot's stored line: the answer, or what it said as it handed over.
    reply = models.OneToOneField(
        Message, on_delete=models.CASCADE, related_name="assistant_reply", null=True, blank=True
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    handoff_reason = models.CharField(
        max_length=15, choices=HandoffReason.choices, default="", blank=True
    )
    backend = models.CharField(max_length=20, blank=True)
    language = models.CharField(max_length=2)
    # [{"title", "heading", "url", "article", "score"}], the passages it answered from.
    sources = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Thumbs up (True) or down (False): from the visitor, and from an agent.
    visitor_helpful = models.BooleanField(null=True, blank=True)
    agent_helpful = models.BooleanField(null=True, blank=True)
    agent_rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.ticket_id}/{self.question.seq} {self.outcome}"
