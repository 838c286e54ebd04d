"""The widget's REST API: config, session, tickets, history, sending (the
fallback for visitors without a socket), attachments and the end of a chat.

Visitors authenticate with ``Authorization: Visitor <token>``; any other id than
their own answers 404.
"""

import functools

from django.core import signing
from django.db import transaction
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, Throttled, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.abuse import email_limits
from helpdesk.abuse.throttling import (
    AddressNotBlocked,
    RefusedFromMemoryFirst,
    WidgetRateThrottle,
)
from helpdesk.models import Ticket, Visitor, Widget
from helpdesk.parsers import JSONParser
from helpdesk.services import visitor_touch

from . import (
    attachments,
    closing,
    events,
    identity,
    longpoll,
    selectors,
    services,
    ticket_actions,
)
from .models import Message
from .serializers import (
    HISTORY_RESPONSES,
    AttachmentInputSerializer,
    HistoryQuerySerializer,
    MessageInputSerializer,
    OfflineMessageInputSerializer,
    RatingInputSerializer,
    SeenInputSerializer,
    TranscriptInputSerializer,
    TranscriptOutputSerializer,
    TypingInputSerializer,
    WidgetHistoryQuerySerializer,
    WidgetKeySerializer,
    WidgetSessionInputSerializer,
)
from .visitor_auth import (
    InvalidVisitorToken,
    IsVisitor,
    VisitorOriginAllowed,
    VisitorTokenAuthentication,
    check_origin,
    ticket_from_reopen_token,
    visitor_from_token,
    visitor_token,
)

METADATA_FIELDS = ("page_url", "referrer", "locale", "timezone")


def history_response(
    request: Request,
    ticket: Ticket,
    *,
    include_internal: bool,
    query_class: type[HistoryQuerySerializer] = HistoryQuerySerializer,
) -> Response | StreamingHttpResponse:
    """A page of messages, shared by the widget and agent APIs: forward from
    ``after``, or back from ``before`` (or the newest) with ``has_more``. With
    ``wait`` (``query_class`` permitting) and nothing past ``after``, the answer
    waits for a message (``chat.longpoll``)."""
    query = query_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    fields = query.validated_data
    last_seq = ticket.last_seq if include_internal else ticket.last_public_seq
    if fields.get("after", 0) > last_seq:
        # The client holds messages the server does not have: the socket's resync.
        return Response(
            {
                "code": "resync",
                "reason": "ahead",
                "message": _("'after' is past the last message; reload the conversation."),
                "last_seq": last_seq,
            },
            status=status.HTTP_409_CONFLICT,
        )
    page = history_page(ticket, fields, include_internal=include_internal)
    response = Response(page)
    if fields.get("wait") and not page["messages"]:
        group = (
            events.ticket_group(ticket.pk)
            if include_internal
            else events.visitor_group(ticket.visitor_id)
        )
        poll = longpoll.LongPoll(
            group=group,
            ticket_id=ticket.pk,
            seconds=fields["wait"],
            page=functools.partial(fresh_history_page, ticket, fields, include_internal),
        )
        return longpoll.held_response(poll)
    return response


def history_page(ticket: Ticket, fields: dict, *, include_internal: bool) -> dict:
    page = {
        "ticket": ticket.pk,
        "last_seq": ticket.last_seq if include_internal else ticket.last_public_seq,
    }
    if "after" in fields:
        messages = selectors.ticket_history(
            ticket, after=fields["after"], limit=fields["limit"], include_internal=include_internal
        )
    else:
        messages, page["has_more"] = selectors.ticket_history_before(
            ticket,
            before=fields.get("before"),
            limit=fields["limit"],
            include_internal=include_internal,
        )
    page["messages"] = [events.message_payload(message) for message in messages]
    return page


def fresh_history_page(ticket: Ticket, fields: dict, include_internal: bool) -> dict:
    """The page again after a wait, with the ticket's counters as they are now."""
    ticket.refresh_from_db(fields=["last_seq", "last_public_seq"])
    return history_page(ticket, fields, include_internal=include_internal)


def message_created_response(message) -> Response:
    return Response(
        {"ticket": message.ticket_id, "message": events.message_payload(message)},
        status=status.HTTP_201_CREATED,
    )


def embeddable_widget(request: Request, key: object) -> Widget:
    """The widget named by ``key``, if the calling page may embed it."""
    try:
        widget = selectors.widget_by_key(key)
    except Widget.DoesNotExist:
        # Read in the site owner's browser console: say what was not found.
        raise NotFound(_("No widget has the key %(key)r.") % {"key": str(key)[:40]}) from None
    check_origin(widget, request.headers.get("Origin"))
    return widget


class VisitorAPIView(RefusedFromMemoryFirst, APIView):
    authentication_classes = [VisitorTokenAuthentication]
    permission_classes = [AddressNotBlocked, IsVisitor, VisitorOriginAllowed]
    throttle_classes = [WidgetRateThrottle]
    # The rate-limit scope of each method (settings.RATE_LIMIT_DEFAULTS); methods
    # not named count as "read".
    throttle_scopes: dict[str, str] = {}

    @property
    def visitor(self) -> Visitor:
        return self.request.auth

    def ticket(self, ticket_id: int) -> Ticket:
        """One of this visitor's tickets; any other id answers 404."""
        return selectors.visitor_ticket(self.visitor, ticket_id)

    def validated(self, serializer_class) -> dict:
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data


class WidgetConfigView(RefusedFromMemoryFirst, APIView):
    """How the widget named by ``?key=`` looks and behaves; no visitor needed, so
    a page can draw the launcher without creating one."""

    authentication_classes = []
    permission_classes = [AddressNotBlocked]
    throttle_classes = [WidgetRateThrottle]
    throttle_scopes = {"GET": "config"}
    # Wired by helpdesk/urls.py, because chat must not import the agents app.
    agents_online = None

    @extend_schema(parameters=[WidgetKeySerializer])
    def get(self, request: Request) -> Response:
        query = WidgetKeySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        widget = embeddable_widget(request, query.validated_data["key"])
        return Response(events.widget_payload(widget, agents_online=self.agents_online(widget)))


class WidgetSessionView(RefusedFromMemoryFirst, APIView):
    """Start or refresh a visitor session. Send the old token to keep the identity;
    a missing, forged or expired one, or one from another widget, starts a new
    visitor. ``reopen``, from the link in a reply email, brings back the visitor it
    was sent to and answers ``open``: the ticket to show. ``identity``, signed by
    the host site (chat.identity), makes the session the visitor that stands for
    that user id, in any browser; a claim that doesn't check out is refused with
    403 and changes nothing."""

    authentication_classes = []
    permission_classes = [AddressNotBlocked]
    throttle_classes = [WidgetRateThrottle]
    throttle_scopes = {"POST": "session"}
    # Wired by helpdesk/urls.py, because chat must not import the agents app.
    agents_online = None

    @extend_schema(request=WidgetSessionInputSerializer)
    def post(self, request: Request) -> Response:
        data = WidgetSessionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        widget = embeddable_widget(request, fields["key"])
        claim = fields.get("identity")
        if claim is not None:
            checked_identity(widget, claim)
        metadata = {key: fields[key] for key in METADATA_FIELDS if fields.get(key)}
        metadata["user_agent"] = request.headers.get("User-Agent", "")[:500]
        reopened = reopened_ticket(fields.get("reopen"), widget)
        with transaction.atomic():
            try:
                visitor = visitor_from_token(fields.get("token"))
            except InvalidVisitorToken:
                visitor = None
            if reopened is not None:
                visitor = reopened.visitor
            if visitor is not None and visitor.widget_id != widget.pk:
                visitor = None
            if claim is not None:
                visitor = identity.visitor_identify(
                    widget=widget,
                    identity=identity.Identity(
                        user_id=claim["user_id"],
                        name=claim.get("name", ""),
                        email=claim.get("email", ""),
                        attributes=claim.get("attributes"),
                    ),
                    current=visitor,
                )
            elif visitor is None:
                visitor = Visitor.objects.create(widget=widget)
            if visitor.is_blocked:
                return Response(
                    {"code": "blocked", "message": _("This visitor is blocked.")},
                    status=status.HTTP_403_FORBIDDEN,
                )
            # A verified person's name and email are the site's word; the pre-chat
            # form only fills in what the site left empty (else a widget that
            # requires an email would ask them for ever).
            claimed = {
                field: fields.get(field, "")
                for field in ("name", "email")
                if not (visitor.is_verified and getattr(visitor, field))
            }
            visitor = visitor_touch(visitor=visitor, metadata=metadata, **claimed)
        return Response(
            {
                "token": visitor_token(visitor),
                "visitor": {
                    "id": str(visitor.pk),
                    "name": visitor.name,
                    "email": visitor.email,
                    "verified": visitor.is_verified,
                    "user_id": visitor.external_id if visitor.is_verified else None,
                },
                "agents_online": self.agents_online(widget),
                "tickets": [
                    events.visitor_ticket_payload(ticket)
                    for ticket in selectors.visitor_tickets(visitor)
                ],
                "open": reopened.pk if reopened is not None else None,
            }
        )


def checked_identity(widget: Widget, claim: dict) -> None:
    """Refuse, with 403 and a code the widget logs for the site's developers, an
    identity whose signature is wrong, stale or from the future."""
    try:
        identity.check_identity(
            widget,
            user_id=claim["user_id"],
            issued_at=claim["issued_at"],
            signature=claim["signature"],
        )
    except identity.IdentityRefused as refused:
        raise PermissionDenied(refused.message, code=refused.code) from None


def reopened_ticket(token: str | None, widget: Widget) -> Ticket | None:
    """The ticket a reopen link names, if it is good and for this widget. A bad one
    is ignored, as a bad visitor token is: the page still gets a chat."""
    if not token:
        return None
    try:
        ticket = ticket_from_reopen_token(token)
    except InvalidVisitorToken:
        return None
    return ticket if ticket.visitor.widget_id == widget.pk else None


class WidgetTicketListView(VisitorAPIView):
    throttle_scopes = {"GET": "read", "POST": "conversation"}

    def get(self, request: Request) -> Response:
        tickets = selectors.visitor_tickets(self.visitor)
        return Response({"results": [events.visitor_ticket_payload(t) for t in tickets]})

    # JSON for a message; multipart for a conversation that starts with a file.
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        request={
            "application/json": MessageInputSerializer,
            "multipart/form-data": AttachmentInputSerializer,
        }
    )
    def post(self, request: Request) -> Response:
        """Start a conversation with its first message (idempotent by client_id)."""
        with_file = "file" in request.FILES
        fields = self.validated(AttachmentInputSerializer if with_file else MessageInputSerializer)
        message = services.start_conversation(visitor=self.visitor, **fields)
        return message_created_response(message)


class WidgetMessagesView(VisitorAPIView):
    throttle_scopes = {"GET": "read", "POST": "message"}

    @extend_schema(parameters=[WidgetHistoryQuerySerializer], responses=HISTORY_RESPONSES)
    def get(self, request: Request, ticket_id: int) -> Response:
        """A page of history. With ``after`` and ``wait`` (seconds, at most 30), an
        answer with no message waits until one comes or ``wait`` runs out: a long
        poll for clients with neither a socket nor the event stream."""
        ticket = self.ticket(ticket_id)
        return history_response(
            request, ticket, include_internal=False, query_class=WidgetHistoryQuerySerializer
        )

    @extend_schema(request=MessageInputSerializer)
    def post(self, request: Request, ticket_id: int) -> Response:
        """Send a message: the fallback when a WebSocket can't be had."""
        fields = self.validated(MessageInputSerializer)
        ticket = self.ticket(ticket_id)
        message = services.post_message(
            ticket=ticket, sender=services.Sender.for_visitor(self.visitor), **fields
        )
        return message_created_response(message)


class WidgetOfflineMessageView(VisitorAPIView):
    throttle_scopes = {"POST": "conversation"}

    @extend_schema(request=OfflineMessageInputSerializer)
    def post(self, request: Request) -> Response:
        """Leave a message and an email while no agent is online (idempotent by
        client_id)."""
        fields = self.validated(OfflineMessageInputSerializer)
        message = services.leave_offline_message(visitor=self.visitor, **fields)
        return message_created_response(message)


class WidgetTypingView(VisitorAPIView):
    throttle_scopes = {"POST": "signal"}

    @extend_schema(request=TypingInputSerializer, responses={204: None})
    def post(self, request: Request, ticket_id: int) -> Response:
        """Typing started or stopped, for visitors without a socket."""
        fields = self.validated(TypingInputSerializer)
        ticket = self.ticket(ticket_id)
        services.visitor_typing(ticket=ticket, **fields)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WidgetSeenView(VisitorAPIView):
    throttle_scopes = {"POST": "signal"}

    @extend_schema(request=SeenInputSerializer)
    def post(self, request: Request, ticket_id: int) -> Response:
        """A read receipt, for visitors without a socket. Answers the stored seq."""
        fields = self.validated(SeenInputSerializer)
        ticket = self.ticket(ticket_id)
        stored = services.mark_seen(ticket=ticket, side="visitor", seq=fields["seq"])
        return Response({"ticket": ticket.pk, "seq": stored})


class WidgetEndView(VisitorAPIView):
    throttle_scopes = {"POST": "lifecycle"}

    def post(self, request: Request, ticket_id: int) -> Response:
        """The visitor ends the conversation (it is resolved)."""
        ticket = self.ticket(ticket_id)
        ticket = ticket_actions.end_conversation(ticket=ticket)
        return Response(events.visitor_ticket_payload(ticket))


class WidgetRatingView(VisitorAPIView):
    throttle_scopes = {"POST": "lifecycle"}

    @extend_schema(request=RatingInputSerializer)
    def post(self, request: Request, ticket_id: int) -> Response:
        """Rate an ended conversation 1-5, with an optional comment."""
        fields = self.validated(RatingInputSerializer)
        ticket = self.ticket(ticket_id)
        ticket = closing.rate_conversation(ticket=ticket, **fields)
        return Response(
            {"ticket": ticket.pk, "rating": ticket.rating, "comment": ticket.rating_comment}
        )


class WidgetTranscriptView(VisitorAPIView):
    throttle_scopes = {"POST": "transcript"}

    @extend_schema(request=TranscriptInputSerializer, responses={202: TranscriptOutputSerializer})
    def post(self, request: Request, ticket_id: int) -> Response:
        """Ask for the transcript by email, sent in the background: now if the
        chat has ended, else when it ends."""
        fields = self.validated(TranscriptInputSerializer)
        email = fields.get("email") or self.visitor.email
        if not email:
            raise ValidationError({"email": [_("Tell us where to send the transcript.")]})
        ticket = self.ticket(ticket_id)
        if (wait := email_limits.transcript_request_wait(email)) is not None:
            raise Throttled(wait=wait)
        transcript = closing.request_transcript(ticket=ticket, email=email)
        return Response(
            {"ticket": ticket.pk, "email": email, "when": "on_end" if transcript.on_end else "now"},
            status=status.HTTP_202_ACCEPTED,
        )


class WidgetAttachmentView(VisitorAPIView):
    parser_classes = [MultiPartParser]
    throttle_scopes = {"POST": "upload"}

    @extend_schema(request={"multipart/form-data": AttachmentInputSerializer})
    def post(self, request: Request, ticket_id: int) -> Response:
        """Send an image or a PDF, with an optional caption (idempotent by client_id)."""
        fields = self.validated(AttachmentInputSerializer)
        ticket = self.ticket(ticket_id)
        message = services.post_message(
            ticket=ticket, sender=services.Sender.for_visitor(self.visitor), **fields
        )
        return message_created_response(message)


class AttachmentDownloadView(APIView):
    """An attachment, by the unguessable link in its message's payload. Whoever
    was sent the message holds the link; nobody else can make one."""

    authentication_classes = []
    permission_classes = []

    def get(self, request: Request, token: str) -> FileResponse:
        try:
            message = Message.objects.get(
                pk=attachments.message_id_from_link(token), attachment__gt=""
            )
        except (signing.BadSignature, ValueError, Message.DoesNotExist) as exc:
            raise Http404 from exc
        is_image = message.attachment_type.startswith("image/")
        response = FileResponse(
            message.attachment.open("rb"),
            content_type=message.attachment_type,
            as_attachment=not is_image,
            filename=message.attachment_name,
        )
        return attachments.for_other_sites(response, cache_control="private, max-age=86400")
