"""Visitor identity: a signed, expiring token sent in a header, never a cookie.

The widget lives on other people's sites, so a cookie would be either blocked or
a cross-site request forgery risk; a header token is neither.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions

from helpdesk.models import Ticket, Visitor, Widget

TOKEN_SALT = "parley.visitor-token"  # noqa: S105 - a namespace, not a secret
REOPEN_SALT = "parley.reopen-link"
AUTH_SCHEME = "Visitor"


class InvalidVisitorToken(Exception):
    pass


def visitor_token(visitor: Visitor) -> str:
    return signing.dumps({"v": str(visitor.pk)}, salt=TOKEN_SALT)


def visitor_from_token(token: object) -> Visitor:
    """The visitor a token names. Forged, expired or unknown tokens raise
    ``InvalidVisitorToken``; blocked visitors are returned and refused by callers."""
    data = _signed(token, salt=TOKEN_SALT, max_age=settings.PARLEY["VISITOR_TOKEN_MAX_AGE"])
    try:
        return Visitor.objects.select_related("widget").get(pk=data["v"])
    except (Visitor.DoesNotExist, KeyError, TypeError, ValueError) as exc:
        raise InvalidVisitorToken("unknown visitor") from exc


def reopen_token(ticket: Ticket) -> str:
    """For the link in an email to the visitor: it brings them back into ``ticket``
    as themselves, in any browser, for REOPEN_LINK_MAX_AGE."""
    return signing.dumps({"v": str(ticket.visitor_id), "t": ticket.pk}, salt=REOPEN_SALT)


def ticket_from_reopen_token(token: object) -> Ticket:
    """The ticket a reopen link names, with its visitor; anything else raises
    ``InvalidVisitorToken``."""
    data = _signed(token, salt=REOPEN_SALT, max_age=settings.PARLEY["REOPEN_LINK_MAX_AGE"])
    try:
        return Ticket.objects.select_related("visitor__widget").get(
            pk=data["t"], visitor_id=data["v"]
        )
    except (Ticket.DoesNotExist, KeyError, TypeError, ValueError) as exc:
        raise InvalidVisitorToken("unknown ticket") from exc


def _signed(token: object, *, salt: str, max_age: int) -> dict:
    if not isinstance(token, str) or not token or len(token) > 512:
        raise InvalidVisitorToken("missing or malformed token")
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise InvalidVisitorToken("token expired") from exc
    except signing.BadSignature as exc:
        raise InvalidVisitorToken("bad signature") from exc
    if not isinstance(data, dict):
        raise InvalidVisitorToken("malformed token")
    return data


class VisitorTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Visitor <token>``. Sets ``request.auth`` to the Visitor."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode().lower() != AUTH_SCHEME.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed visitor token header."))
        try:
            visitor = visitor_from_token(header[1].decode())
        except (InvalidVisitorToken, UnicodeDecodeError) as exc:
            raise exceptions.AuthenticationFailed(_("Invalid or expired visitor token.")) from exc
        if visitor.is_blocked:
            raise exceptions.PermissionDenied(_("This visitor is blocked."))
        return AnonymousUser(), visitor

    def authenticate_header(self, request):
        return AUTH_SCHEME


class IsVisitor(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, Visitor)


def origin_allowed(widget: Widget | None, origin: str | None) -> bool:
    """Visitors created outside a widget are held to no list."""
    return widget is None or widget.allows_origin(origin)


def check_origin(widget: Widget | None, origin: str | None) -> None:
    """Refuse a page whose origin may not embed ``widget``, with a 403 the widget
    can read and report."""
    if not origin_allowed(widget, origin):
        raise exceptions.PermissionDenied(
            _("This site may not use this chat widget."), code="origin_not_allowed"
        )


class VisitorOriginAllowed(permissions.BasePermission):
    """A visitor's token works only from the sites their widget may be on."""

    def has_permission(self, request, view):
        check_origin(request.auth.widget, request.headers.get("Origin"))
        return True
