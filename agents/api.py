"""The agent API, used by the dashboard (session + CSRF) and integrators (token)."""

from django.db.models import Case, Q, When
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import events, services
from chat.api import history_response, message_created_response
from chat.search import match_snippets, search_tickets
from chat.serializers import (
    HISTORY_RESPONSES,
    HistoryQuerySerializer,
    MessageInputSerializer,
)
from chat.ticket_actions import Actor, agent_reply, ticket_change
from chat.transcripts import render_transcript
from helpdesk.models import Team

from .models import CannedResponse
from .presence import agents_with_presence
from .selectors import agent_profile, agent_ticket, inbox_counts, inbox_view, visible_canned
from .serializers import (
    AgentAttachmentInputSerializer,
    AgentMessageInputSerializer,
    CannedQuerySerializer,
    CannedResponseSerializer,
    TicketChangeSerializer,
    TicketListQuerySerializer,
    TranscriptQuerySerializer,
)
from .visitor_info import visitor_details

TRANSCRIPT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
TRANSCRIPT_FORMATS = {
    "html": ("html", "text/html; charset=utf-8"),
    "text": ("txt", "text/plain; charset=utf-8"),
}


class IsAgent(permissions.BasePermission):
    def has_permission(self, request, view):
        request.agent_profile = agent_profile(request.user)
        return request.agent_profile is not None


class AgentAPIView(APIView):
    permission_classes = [IsAgent]

    def validated(self, serializer_class, data=None) -> dict:
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def sender(self) -> services.Sender:
        profile = self.request.agent_profile
        return services.Sender.for_agent(profile.user, profile.display_name)


# --- tickets ---------------------------------------------------------------------------


class TicketPagination(CursorPagination):
    """Latest change first. A cursor, not page numbers: tickets move while an
    agent pages, and a cursor neither skips nor repeats one for that."""

    ordering = ("-updated_at", "-id")
    page_size = 25
    page_size_query_param = "limit"
    max_page_size = 100


class TicketListView(AgentAPIView):
    @extend_schema(parameters=[TicketListQuerySerializer])
    def get(self, request: Request) -> Response:
        """Tickets of a view (unassigned, mine, all open, resolved; none: every
        ticket), by status, or matching ``q`` in the subject, the visitor or the
        messages. Search results carry ``match: {seq, snippet}``: the newest
        matching message, or null when only the subject or the visitor matched."""
        query = self.validated(TicketListQuerySerializer, request.query_params)
        tickets = inbox_view(query.get("view"), user=request.user)
        if query.get("status"):
            tickets = tickets.filter(status__in=query["status"])
        text = query.get("q", "").strip()
        if text:
            tickets = search_tickets(tickets, text)
        paginator = TicketPagination()
        page = paginator.paginate_queryset(tickets, request, view=self)
        results = [events.ticket_payload(ticket) for ticket in page]
        if text:
            matches = match_snippets([ticket.pk for ticket in page], text)
            for result in results:
                result["match"] = matches.get(result["id"])
        return paginator.get_paginated_response(results)


class TicketCountsView(AgentAPIView):
    def get(self, request: Request) -> Response:
        """How many tickets each view holds: {unassigned, mine, all, resolved}."""
        return Response(inbox_counts(user=request.user))


class TicketDetailView(AgentAPIView):
    def get(self, request: Request, ticket_id: int) -> Response:
        return Response(events.ticket_payload(inbox_view(None, user=None).get(pk=ticket_id)))

    @extend_schema(request=TicketChangeSerializer)
    def patch(self, request: Request, ticket_id: int) -> Response:
        """Assign or transfer (with a ``note``), change status, priority or tags.
        Every change reaches every dashboard and is recorded in the thread."""
        ticket = agent_ticket(ticket_id)
        changes = self.validated(TicketChangeSerializer)
        profile = request.agent_profile
        ticket = ticket_change(
            ticket_id=ticket.pk, by=Actor.for_agent(profile.user, profile.display_name), **changes
        )
        return Response(events.ticket_payload(ticket))


class TicketMessagesView(AgentAPIView):
    @extend_schema(parameters=[HistoryQuerySerializer], responses=HISTORY_RESPONSES)
    def get(self, request: Request, ticket_id: int) -> Response:
        return history_response(request, agent_ticket(ticket_id), include_internal=True)

    @extend_schema(request=MessageInputSerializer)
    def post(self, request: Request, ticket_id: int) -> Response:
        """Reply to the visitor, or write an internal note with ``internal: true``."""
        fields = self.validated(AgentMessageInputSerializer)
        message = agent_reply(ticket=agent_ticket(ticket_id), sender=self.sender(), **fields)
        return message_created_response(message)


class TicketAttachmentView(AgentAPIView):
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": AgentAttachmentInputSerializer})
    def post(self, request: Request, ticket_id: int) -> Response:
        """Send an image or a PDF (with an optional caption), to the visitor or as
        an internal note; idempotent by client_id."""
        fields = self.validated(AgentAttachmentInputSerializer)
        message = agent_reply(ticket=agent_ticket(ticket_id), sender=self.sender(), **fields)
        return message_created_response(message)


class TicketTranscriptView(AgentAPIView):
    # Admins download transcripts from Django admin without being agents.
    permission_classes = [IsAgent | permissions.IsAdminUser]

    @extend_schema(
        parameters=[TranscriptQuerySerializer],
        # A file, not JSON: said so, or clients (and the fuzzing) expect JSON.
        responses={(200, "text/html"): str, (200, "text/plain"): str},
    )
    def get(self, request: Request, ticket_id: int) -> HttpResponse:
        """The conversation as the visitor saw it (no internal notes; attachments
        as links), as a file: ``?kind=html`` (default) or ``text``."""
        kind = self.validated(TranscriptQuerySerializer, request.query_params)["kind"]
        ticket = agent_ticket(ticket_id)
        extension, content_type = TRANSCRIPT_FORMATS[kind]
        response = HttpResponse(
            render_transcript(ticket, kind=extension), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="parley-{ticket.pk}.{extension}"'
        # What visitors wrote, on our origin: nothing in it may run.
        response["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        )
        return response


class TicketVisitorView(AgentAPIView):
    def get(self, request: Request, ticket_id: int) -> Response:
        """Who is behind the ticket: contact, page, browser, local time, whether
        they are online now, and their other tickets."""
        ticket = agent_ticket(ticket_id)
        return Response(visitor_details(ticket.visitor, ticket=ticket))


# --- canned responses, teams, agents ---------------------------------------------------------


class CannedResponseListView(AgentAPIView):
    @extend_schema(parameters=[CannedQuerySerializer])
    def get(self, request: Request) -> Response:
        """The shared answers and the agent's own; ``q`` matches the start of a
        shortcut or any part of the text. Shortcut matches come first: the
        composer's Enter takes the first, and "/ho" means /hours, not an answer
        that says "how"."""
        text = self.validated(CannedQuerySerializer, request.query_params).get("q", "").strip()
        canned = visible_canned(request.user)
        if text:
            by_shortcut = Q(shortcut__istartswith=text)
            canned = canned.filter(by_shortcut | Q(body__icontains=text)).order_by(
                Case(When(by_shortcut, then=0), default=1), "shortcut"
            )
        serializer = CannedResponseSerializer(canned, many=True, context={"user": request.user})
        return Response({"results": serializer.data})

    @extend_schema(request=CannedResponseSerializer)
    def post(self, request: Request) -> Response:
        """Save one of the agent's own answers."""
        serializer = CannedResponseSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        serializer.save(owner=request.user)
        return Response(serializer.data, status=status.HTTP_201_CREATED)


class CannedResponseDetailView(AgentAPIView):
    def canned(self, request: Request, canned_id: int) -> CannedResponse:
        """One the agent may change: their own, or a shared one for staff. Others
        answer 404, as if they did not exist."""
        editable = Q(owner=request.user)
        if request.user.is_staff:
            editable |= Q(owner=None)
        return CannedResponse.objects.filter(editable).get(pk=canned_id)

    @extend_schema(request=CannedResponseSerializer)
    def patch(self, request: Request, canned_id: int) -> Response:
        canned = self.canned(request, canned_id)
        serializer = CannedResponseSerializer(
            canned, data=request.data, partial=True, context={"user": request.user}
        )
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)

    def delete(self, request: Request, canned_id: int) -> Response:
        self.canned(request, canned_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamListView(AgentAPIView):
    def get(self, request: Request) -> Response:
        teams = Team.objects.order_by("name")
        return Response({"results": [{"id": team.pk, "name": team.name} for team in teams]})


class AgentListView(AgentAPIView):
    def get(self, request: Request) -> Response:
        return Response({"results": agents_with_presence()})
