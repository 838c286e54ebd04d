"""What the dashboard's sidebar tells an agent about a visitor, read from what
the widget reported (helpdesk.Visitor.metadata) and whether they are here now."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from chat import events
from helpdesk.models import Ticket, Visitor
from helpdesk.presence import VISITORS

EARLIER_TICKETS = 20

# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
BROWSERS = [
    ("Edge", r"Edg(?:e|A|iOS)?/([\d]+)"),
    ("Opera", r"OPR/([\d]+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/([\d]+)"),
    ("Chrome", r"(?:Chrome|CriOS)/([\d]+)"),
    ("Safari", r"Version/([\d]+).*Safari/"),
]
SYSTEMS = [
    ("iOS", r"iPhone|iPad|iPod"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux"),
]


def browser_and_os(user_agent: str) -> tuple[str, str]:
    """A readable guess, e.g. ("Firefox 133", "Windows"); empty when unknown."""
    browser = next(
        (
            f"{name} {match[1]}"
            for name, pattern in BROWSERS
            if (match := re.search(pattern, user_agent))
        ),
        "",
    )
    system = next((name for name, pattern in SYSTEMS if re.search(pattern, user_agent)), "")
    return browser, system


def local_time(zone: str, now: datetime | None = None) -> str | None:
    """The visitor's wall-clock time now, with its offset; None for a zone we
    don't know (the widget reports what the browser says)."""
    try:
        tz = ZoneInfo(zone) if zone else None
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: "America" names a folder of zones, and Python reads it as a file.
        return None
    return (now or timezone.now()).astimezone(tz).isoformat() if tz else None


def visitor_details(visitor: Visitor, *, ticket: Ticket) -> dict:
    metadata = visitor.metadata or {}
    browser, system = browser_and_os(str(metadata.get("user_agent", "")))
    zone = str(metadata.get("timezone", ""))
    others = visitor.tickets.exclude(pk=ticket.pk).order_by("-created_at")[:EARLIER_TICKETS]
    return {
        "id": str(visitor.pk),
        "name": visitor.display_name,
        "email": visitor.email,
        # Verified: the host site signed who this is (chat.identity); the user id
        # is theirs, the attributes are what their page passed along.
        "verified": visitor.is_verified,
        "user_id": visitor.external_id if visitor.is_verified else "",
        "attributes": visitor.attributes if visitor.is_verified else {},
        "online": VISITORS.is_online(visitor.pk),
        "page_url": metadata.get("page_url", ""),
        "referrer": metadata.get("referrer", ""),
        "browser": browser,
        "os": system,
        "locale": metadata.get("locale", ""),
        "timezone": zone,
        "local_time": local_time(zone),
        "first_seen_at": events.iso(visitor.created_at),
        "last_seen_at": events.iso(visitor.last_seen_at),
        "tickets": [
            {
                "id": other.pk,
                "subject": other.subject,
                "status": other.status,
                "created_at": events.iso(other.created_at),
            }
            for other in others
        ],
    }
