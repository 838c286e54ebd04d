from django.conf import settings
from django.db import models

from helpdesk.models import Team
from helpdesk.roles import is_administrator
from helpdesk.text import strip_bidi_controls

from .avatars import validate_avatar

ADMINISTRATOR = "administrator"
AGENT = "agent"
ROLES = [(AGENT, "Agent"), (ADMINISTRATOR, "Administrator")]


class AgentProfile(models.Model):
    """Makes a user a support agent. Users without one cannot use the dashboard."""

    class Status(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    display_name = models.CharField(max_length=120)
    avatar = models.FileField(
        upload_to="avatars/", null=True, blank=True, validators=[validate_avatar]
    )
    # What the agent chose; whether they are connected is presence, kept in the cache.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ONLINE)
    max_concurrent_chats = models.PositiveSmallIntegerField(
        default=5, help_text="Routing gives no new chat to an agent with this many open."
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="agents")
    # How the dashboard tells them of news; their own choice, on every device.
    notify_sound = models.BooleanField("sound", default=True)
    notify_desktop = models.BooleanField("desktop notifications", default=True)
    # When routing last gave them a chat: of agents equally busy, the one who has
    # waited longest goes next, so they take turns.
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        # Shown to visitors and colleagues: no direction tricks (helpdesk.text).
        self.display_name = strip_bidi_controls(self.display_name)
        super().save(*args, **kwargs)

    @property
    def role(self) -> str:
        """``administrator`` or ``agent`` (helpdesk.roles: administrators are
        superusers)."""
        return ADMINISTRATOR if is_administrator(self.user) else AGENT


class CannedResponse(models.Model):
    shortcut = models.SlugField(max_length=40)
    body = models.TextField()
    # Null means shared with every agent.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
    )

    class Meta:
        ordering = ["shortcut"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "shortcut"], name="canned_unique_per_owner"),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"
