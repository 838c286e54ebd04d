"""The agent API, used by the dashboard (session + CSRF) and integrators (token)."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import events, services
from chat.api import history_response, message_created_response
from chat.serializers import HistoryOutputSerializer, HistoryQuerySerializer, MessageInputSerializer
from helpdesk.models import Ticket

from .presence import agents_with_presence
from .selectors import agent_profile, agent_ticket, agent_tickets


class IsAgent(permissions.BasePermission):
    def has_permission(self, request, view):
        request.agent_profile = agent_profile(request.user)
        return request.agent_profile is not None


class TicketListQuerySerializer(serializers.Serializer):
    status = serializers.MultipleChoiceField(choices=Ticket.Status.choices, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=500, default=100)


class AgentMessageInputSerializer(MessageInputSerializer):
    internal = serializers.BooleanField(default=False)


class AgentAPIView(APIView):
    permission_classes = [IsAgent]


class TicketListView(AgentAPIView):
    @extend_schema(parameters=[TicketListQuerySerializer])
    def get(self, request: Request) -> Response:
        query = TicketListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tickets = agent_tickets(statuses=list(query.validated_data.get("status", [])))
        limit = query.validated_data["limit"]
        return Response({"results": [events.ticket_payload(t) for t in tickets[:limit]]})


class TicketDetailView(AgentAPIView):
    def get(self, request: Request, ticket_id: int) -> Response:
        return Response(events.ticket_payload(agent_ticket(ticket_id)))


class TicketMessagesView(AgentAPIView):
    @extend_schema(parameters=[HistoryQuerySerializer], responses=HistoryOutputSerializer)
    def get(self, request: Request, ticket_id: int) -> Response:
        return history_response(request, agent_ticket(ticket_id), include_internal=True)

    @extend_schema(request=AgentMessageInputSerializer)
    def post(self, request: Request, ticket_id: int) -> Response:
        """Reply to the visitor, or write an internal note with ``internal: true``."""
        data = AgentMessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = request.agent_profile
        message = services.post_message(
            ticket=agent_ticket(ticket_id),
            sender=services.Sender.for_agent(profile.user, profile.display_name),
            **data.validated_data,
        )
        return message_created_response(message)


class AgentListView(AgentAPIView):
    def get(self, request: Request) -> Response:
        return Response({"results": agents_with_presence()})
