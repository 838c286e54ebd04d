"""Verified identity: the host site vouches for its signed-in user.

The site's server signs ``f"{user_id}:{issued_at}"`` (``issued_at`` in whole
Unix seconds) with the widget's ``identity_secret``, HMAC-SHA256, hex digest, and
the page passes user id, issue time and signature to ``Parley.identify``. A good
signature makes the session the one visitor that stands for that user id on that
widget, in every browser (docs/identity.md).

What the signature protects, and what it does not:
- it names one user id: a signature for one user id does not fit another, and
  one widget's signature does not fit another widget (each has its own secret);
- it expires PARLEY_IDENTITY_MAX_AGE after ``issued_at``, and one dated more than
  ``CLOCK_SKEW`` ahead is refused, so a leaked one can't be replayed for ever;
- within that window the same signature works again, on purpose: every tab and
  every page load of the signed-in user sends it. It is not a one-time nonce.
- name, email and attributes travel beside it unsigned, as with Intercom's and
  Chatwoot's user hash: they are what the page said about its user, shown to
  agents as such, never used to decide who someone is.
"""

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.models import Visitor, Widget
from helpdesk.services import visitor_touch

from . import ticket_actions

# Clocks on the host's server and ours may differ a little.
CLOCK_SKEW = 300
USER_ID_MAX_LENGTH = 255
ATTRIBUTES_MAX_KEYS = 30
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,50}$")
ATTRIBUTE_TEXT_MAX_LENGTH = 500
ATTRIBUTES_MAX_BYTES = 4096
# JSON numbers past this lose digits in a browser; an id that large is sent as text.
ATTRIBUTE_NUMBER_MAX = 2**53


class IdentityRefused(Exception):
    """A claim to a user id that can't be believed. The message never depends on
    whether anyone has that id, so refusals can't be used to probe for users."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def identity_signature(secret: str, user_id: str, issued_at: int) -> str:
    """What the host site's server computes; docs/identity.md has it in Python,
    Node and PHP."""
    message = f"{user_id}:{issued_at}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_identity(
    widget: Widget, *, user_id: str, issued_at: int, signature: str, now: float | None = None
) -> None:
    """Raises ``IdentityRefused`` unless ``signature`` is ``widget``'s for
    ``user_id`` at ``issued_at``, and that is recent and not in the future."""
    expected = identity_signature(widget.identity_secret, user_id, issued_at)
    # Constant time: how much of a guess matched must not show in the timing.
    if not hmac.compare_digest(expected, signature.lower()):
        raise IdentityRefused(
            "identity_invalid",
            _(
                "The identity's signature does not match: sign "
                '"<user_id>:<issued_at>" with this widget\'s identity secret.'
            ),
        )
    now = time.time() if now is None else now
    if issued_at > now + CLOCK_SKEW:
        raise IdentityRefused(
            "identity_future",
            _("The identity is dated in the future: check the server's clock."),
        )
    if now - issued_at > settings.PARLEY["IDENTITY_MAX_AGE"]:
        raise IdentityRefused(
            "identity_expired",
            _("The identity's signature has expired: sign it afresh when the page is made."),
        )


def clean_attributes(value: object) -> dict:
    """The attributes as stored, or ValueError saying what is wrong: a flat object
    of at most ATTRIBUTES_MAX_KEYS keys, each value text, a number or true/false."""
    if not isinstance(value, dict):
        raise ValueError(_("Attributes must be an object of names and values."))
    if len(value) > ATTRIBUTES_MAX_KEYS:
        raise ValueError(
            _("At most %(count)d attributes may be given.") % {"count": ATTRIBUTES_MAX_KEYS}
        )
    for key, item in value.items():
        if not ATTRIBUTE_KEY.match(key):
            raise ValueError(
                _("Attribute names are 1 to 50 letters, digits, '_', '.' or '-': %(key)r.")
                % {"key": key[:60]}
            )
        if isinstance(item, str):
            if len(item) > ATTRIBUTE_TEXT_MAX_LENGTH:
                raise ValueError(
                    _("The attribute %(key)s is longer than %(max)d characters.")
                    % {"key": key, "max": ATTRIBUTE_TEXT_MAX_LENGTH}
                )
        elif isinstance(item, bool):
            pass
        elif isinstance(item, int | float):
            if not abs(item) <= ATTRIBUTE_NUMBER_MAX:  # also refuses NaN
                raise ValueError(_("The attribute %(key)s is not a usable number.") % {"key": key})
        else:
            raise ValueError(
                _(
                    "The attribute %(key)s must be text, a number or true/false, "
                    "not a list, an object or null."
                )
                % {"key": key}
            )
    if len(json.dumps(value, ensure_ascii=False).encode()) > ATTRIBUTES_MAX_BYTES:
        raise ValueError(
            _("The attributes take more than %(max)d bytes.") % {"max": ATTRIBUTES_MAX_BYTES}
        )
    return dict(value)


@dataclass(frozen=True)
class Identity:
    user_id: str
    name: str = ""
    email: str = ""
    attributes: dict | None = None  # None: keep what was stored


@transaction.atomic
def visitor_identify(*, widget: Widget, identity: Identity, current: Visitor | None) -> Visitor:
    """The visitor that stands for ``identity.user_id`` on ``widget``, made the
    first time, with what the page said about them. Call it only after
    ``check_identity``.

    ``current`` is who this browser was until now. An anonymous visitor of the same
    widget (someone who started chatting, then signed in) hands over the
    conversations still going, so the chat goes on as the person; the ended ones
    stay behind. A different verified person is left as they are: one browser,
    two accounts, nothing mixed (the widget resets on ``Parley.logout``)."""
    person = Visitor.objects.filter(widget=widget, external_id=identity.user_id).first()
    if person is None:
        try:
            # A savepoint: the same person signing in on two devices at once
            # makes only one visitor, and the loser reads the winner's.
            with transaction.atomic():
                person = Visitor.objects.create(
                    widget=widget, external_id=identity.user_id, verified_at=timezone.now()
                )
        except IntegrityError:
            person = Visitor.objects.get(widget=widget, external_id=identity.user_id)
    person.verified_at = timezone.now()
    fields = ["verified_at"]
    if identity.attributes is not None:
        person.attributes = identity.attributes
        fields.append("attributes")
    person.save(update_fields=fields)
    person = visitor_touch(visitor=person, name=identity.name, email=identity.email)
    if (
        current is not None
        and current.pk != person.pk
        and current.widget_id == widget.pk
        and not current.external_id
        and not current.is_blocked
    ):
        ticket_actions.tickets_adopt(from_visitor=current, to_visitor=person)
    return person
