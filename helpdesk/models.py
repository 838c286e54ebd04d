"""The helpdesk core: where visitors come from (Widget), who asks (Visitor) and
what they ask about (Ticket)."""

import secrets
import uuid
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext, gettext_noop

from .text import strip_bidi_controls

# A new widget's greeting; shown to each visitor in their language.
DEFAULT_GREETING = gettext_noop("Hi! How can we help you today?")


def new_widget_key() -> str:
    return secrets.token_urlsafe(12)


def new_identity_secret() -> str:
    """The key a host site signs its users' ids with (chat.identity); 256 bits."""
    return "idsec_" + secrets.token_urlsafe(32)


def normalise_origin(origin: str) -> str:
    """``https://Shop.example.com:443/`` -> ``https://shop.example.com``, as
    browsers send it in the Origin header. Raises ValueError if it isn't one."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(origin)
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        raise ValueError(origin)
    default_port = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def validate_origins(value: str) -> None:
    for line in value.splitlines():
        if line.strip():
            try:
                normalise_origin(line)
            except ValueError:
                raise ValidationError(
                    "%(line)s is not an origin like https://shop.example.com.",
                    code="invalid_origin",
                    params={"line": line.strip()[:100]},
                ) from None


def default_timezone() -> str:
    return settings.TIME_ZONE


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError(
            "%(value)s is not a time zone name like Europe/Berlin or America/New_York.",
            code="invalid_timezone",
            params={"value": value[:100]},
        ) from None


class Widget(models.Model):
    """One installation of the chat widget: how it looks, what it asks, and which
    sites may embed it. The embed tag names it by ``key``, which is public."""

    class Position(models.TextChoices):
        RIGHT = "right", "Bottom right"
        LEFT = "left", "Bottom left"

    class Prechat(models.TextChoices):
        OFF = "off", "Off"
        OPTIONAL = "optional", "Ask for name and email, allow skipping"
        REQUIRED = "required", "Require name and email"

    name = models.CharField(max_length=120, help_text="Shown in the widget's header.")
    key = models.SlugField(max_length=40, unique=True, default=new_widget_key)
    # Signs verified identities (chat.identity, docs/identity.md). Shown only in
    # Django admin, to administrators; never in anything the widget is sent.
    identity_secret = models.CharField(
        "identity secret", max_length=80, default=new_identity_secret, editable=False
    )
    greeting = models.CharField(
        max_length=300,
        default=DEFAULT_GREETING,
        help_text="In English. Shown when the chat opens.",
    )
    greeting_de = models.CharField(
        "greeting (German)",
        max_length=300,
        blank=True,
        help_text="For visitors whose browser asks for German. Empty: the English one "
        "(the stock greeting in its German words).",
    )
    offline_message = models.CharField(
        "offline text",
        max_length=300,
        blank=True,
        help_text="In English, above the offline form. Empty: Parley's own words.",
    )
    offline_message_de = models.CharField(
        "offline text (German)",
        max_length=300,
        blank=True,
        help_text="Empty: the English one, or Parley's own German words if that is empty too.",
    )
    accent_color = models.CharField(
        max_length=7,
        default="#4f46e5",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #4f46e5.")],
    )
    position = models.CharField(max_length=5, choices=Position.choices, default=Position.RIGHT)
    prechat = models.CharField(max_length=8, choices=Prechat.choices, default=Prechat.OFF)
    offline_form = models.BooleanField(
        default=True, help_text="When no agent is online, ask for an email and a message."
    )
    team = models.ForeignKey(
        "Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="widgets",
        help_text=(
            "Chats from this widget go to this team: only its agents are assigned them, "
            "and its business hours decide when the widget is open. "
            "Empty: any agent, always open."
        ),
    )
    allowed_origins = models.TextField(
        blank=True,
        validators=[validate_origins],
        help_text="One origin per line, e.g. https://shop.example.com. Empty: any site.",
    )
    # Off for new widgets: a visitor's unsent words are theirs until they send
    # them. Where it is on, the widget tells the visitor (widget word
    # "typing_visible").
    typing_preview = models.BooleanField(
        "Typing sneak peek",
        default=False,
        help_text="Agents see what a visitor is typing before it is sent; the widget "
        "tells visitors so.",
    )
    assistant = models.BooleanField(
        "Assistant",
        default=False,
        help_text="Visitors' questions are answered from the help articles first; "
        "a person takes over when asked, or when the articles have no answer.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def greeting_for(self, language: str) -> str:
        """The greeting in ``language`` ("en", "de"), as the widget shows it; call
        it with that language active, for the stock greeting's translation."""
        text = (self.greeting_de if language == "de" else "") or self.greeting
        return gettext(text) if text == DEFAULT_GREETING else text

    def offline_message_for(self, language: str) -> str:
        """The offline form's text in ``language``; empty: the widget's own words."""
        return (self.offline_message_de if language == "de" else "") or self.offline_message

    def allows_origin(self, origin: str | None) -> bool:
        """May a page at ``origin`` use this widget? A request without an Origin
        header comes from no browser page, and a non-browser client could send any
        Origin it liked, so only pages are held to the list. Parley's own pages
        (the preview in admin) may always."""
        allowed = {
            normalise_origin(line) for line in self.allowed_origins.splitlines() if line.strip()
        }
        if allowed:
            allowed.add(normalise_origin(settings.PARLEY["SITE_URL"]))
        if not allowed or origin is None:
            return True
        try:
            return normalise_origin(origin) in allowed
        except ValueError:
            return False


class Visitor(models.Model):
    """Someone on a site with the widget. Identified by a signed token, not a login."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The installation the visitor came through; its origins and pre-chat rules
    # apply to them. Empty only for visitors created outside the widget.
    widget = models.ForeignKey(
        Widget, null=True, blank=True, on_delete=models.PROTECT, related_name="visitors"
    )
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    # Set only from a verified identity (a signed payload from the host site,
    # chat.identity): the site's own user id. One visitor per id and widget, so
    # every browser the person signs in from is this visitor.
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What the host site passed with the identity (plan, account, ...): flat
    # string, number and boolean values, bounded by chat.identity.
    attributes = models.JSONField(default=dict, blank=True)
    # Page URL, referrer, user agent, locale, timezone: as the widget last reported them.
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    is_blocked = models.BooleanField(default=False)
    # When their personal data was erased (chat.privacy); the row stays, so the
    # erased tickets keep their visitor.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["widget", "external_id"],
                condition=~models.Q(external_id=""),
                name="visitor_one_per_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        # Shown to agents and in transcripts: no direction tricks (helpdesk.text).
        self.name = strip_bidi_controls(self.name)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.name or f"Visitor {str(self.id)[:8]}"

    @property
    def is_verified(self) -> bool:
        """The host site vouched for who this is (chat.identity)."""
        return bool(self.external_id) and self.verified_at is not None


class Team(models.Model):
    """A group of agents. Its opening hours (none: always open) are read in its
    time zone; ``helpdesk.business_hours`` answers whether it is open."""

    name = models.CharField(max_length=80, unique=True)
    timezone = models.CharField(
        max_length=64,
        default=default_timezone,
        validators=[validate_timezone],
        help_text="A time zone name such as Europe/Berlin or America/New_York. "
        "The opening hours are wall-clock times in this zone.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """One span of time, on one day of the week, when a team is open. A day may
    have several spans; where spans overlap the team is simply open."""

    class Weekday(models.IntegerChoices):
        # datetime.weekday() numbering, so a local time's weekday compares directly.
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.IntegerField(choices=Weekday.choices)
    opens = models.TimeField(help_text="Open from this time on (inclusive).")
    closes = models.TimeField(
        help_text="Closed from this time on. Earlier than opens: the span runs past "
        "midnight into the next day (22:00-06:00). Equal to opens: open 24 hours "
        "(00:00-00:00 is the whole day)."
    )

    class Meta:
        ordering = ["team", "weekday", "opens"]
        verbose_name = "opening hours"
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__range=(0, 6)), name="opening_hours_weekday_0_to_6"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


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

    class Assistant(models.TextChoices):
        NONE = "", "Not used"
        ACTIVE = "active", "Answering"
        HANDED_OFF = "handed_off", "Handed to a person"

    # A conversation that is over; the visitor writing again reopens it.
    ENDED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})

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
    # Whether the assistant (chat/assistant) is answering this chat. While it is,
    # the chat is not in the queue; a handoff puts it there like any new chat.
    assistant = models.CharField(
        max_length=10, choices=Assistant.choices, default=Assistant.NONE, blank=True
    )
    # The per-ticket message counter. Only chat.services.post_message moves it.
    last_seq = models.PositiveIntegerField(default=0, editable=False)
    # The seq of the last message a visitor can see (internal notes skipped), so a
    # visitor is never told about seqs they can't have.
    last_public_seq = models.PositiveIntegerField(default=0, editable=False)
    # Highest seq each side has reported as read (read receipts).
    visitor_seen_seq = models.PositiveIntegerField(default=0, editable=False)
    agent_seen_seq = models.PositiveIntegerField(default=0, editable=False)
    # The inbox's unread badge: messages after agent_seen_seq that someone wrote.
    # The thread's system lines (assignments, status changes) are not news to
    # read, so seqs can't be subtracted; chat.services keeps this count.
    agent_unread = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # When the visitor's oldest unanswered message came; cleared by an agent's reply.
    # The inbox puts the longest wait first.
    waiting_since = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    # For the reports (agents/reports), set by helpdesk.response_times when they
    # happen: seconds from the visitor's first message to an agent's first reply,
    # and from the start to the (latest) resolution; each also counted within the
    # team's business hours, which can't be worked out by the database later.
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    first_response_business_seconds = models.PositiveIntegerField(
        null=True, blank=True, editable=False
    )
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    resolution_business_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # When its messages were erased (chat.privacy): by request or after the
    # retention period.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-last_message_at"]),
            # The agent inbox pages by latest change (agents/api.py TicketPagination):
            # every ticket and the resolved view walk the first, the open views the
            # second, both in the page's order, so a page costs no sort of the table.
            models.Index(fields=["-updated_at", "-id"], name="ticket_recent_change"),
            models.Index(
                fields=["-updated_at", "-id"],
                condition=models.Q(status__in=["new", "open", "pending"]),
                name="ticket_open_recent_change",
            ),
            # The reports (agents/reports) read a range of started tickets and
            # only these columns: led by created_at, the index answers a month
            # from a few pages and a year without touching the table (SQLite
            # otherwise scans every ticket, or looks each one up at random).
            models.Index(
                fields=[
                    "created_at",
                    "assignee",
                    "team",
                    "status",
                    "assistant",
                    "rating",
                    "first_response_at",
                    "first_response_seconds",
                    "first_response_business_seconds",
                    "resolution_seconds",
                    "resolution_business_seconds",
                    "id",
                ],
                name="ticket_reports",
            ),
        ]
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

    @property
    def has_ended(self) -> bool:
        return self.status in self.ENDED_STATUSES


class Notification(models.Model):
    """An email Parley sends, keyed by its purpose ("waiting:12:<time>"): created
    before the first attempt, ``sent_at`` once the SMTP server took it. A task
    retried or delivered twice finds its purpose already sent and sends nothing;
    a row without ``sent_at`` is an email still being tried."""

    purpose = models.CharField(max_length=200, unique=True)
    recipients = models.TextField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.purpose
