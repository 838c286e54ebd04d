"""The assistant as agents meet it: its answers in a ticket with their sources,
a thumbs up or down on each, a reply drafted from the knowledge base for the
composer, and deflection per day for reports."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from chat.assistant import selectors, services, suggestions
from chat.assistant.models import Answer
from chat.assistant.serializers import RatingInputSerializer

from .api import AgentAPIView
from .selectors import agent_ticket

DEFLECTION_DAYS_MAX = 366


class DeflectionQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=DEFLECTION_DAYS_MAX, default=30)


class TicketAnswersView(AgentAPIView):
    def get(self, request: Request, ticket_id: int) -> Response:
        """The assistant's answers in this ticket: each question, the bot's line,
        how it ended, the articles it answered from, and the ratings."""
        ticket = agent_ticket(ticket_id)
        answers = selectors.ticket_answers(ticket)
        return Response({"results": [selectors.answer_payload(answer) for answer in answers]})


class TicketSuggestionView(AgentAPIView):
    def get(self, request: Request, ticket_id: int) -> Response:
        """A reply drafted from the knowledge base for the visitor's latest
        messages, to accept, edit or dismiss; ``body`` null when the articles
        hold no good answer. Nothing is sent."""
        ticket = agent_ticket(ticket_id)
        suggestion = suggestions.suggest_reply(ticket)
        if suggestion is None:
            return Response({"body": None, "sources": [], "language": None})
        return Response(
            {
                "body": suggestion.body,
                "sources": suggestion.sources,
                "language": suggestion.language,
            }
        )


class AnswerRatingView(AgentAPIView):
    @extend_schema(request=RatingInputSerializer)
    def post(self, request: Request, message_id: int) -> Response:
        """Thumbs up or down on the assistant's line ``message_id``, kept for reports."""
        fields = self.validated(RatingInputSerializer)
        answer = Answer.objects.filter(reply_id=message_id).select_related("ticket").first()
        if answer is None:
            raise NotFound
        agent_ticket(answer.ticket_id)  # the same visibility as the ticket
        services.rate(answer=answer, helpful=fields["helpful"], agent=request.user)
        return Response({"message": message_id, "helpful": fields["helpful"]})


class DeflectionView(AgentAPIView):
    @extend_schema(parameters=[DeflectionQuerySerializer])
    def get(self, request: Request) -> Response:
        """Per day, over the last ``days``: chats the assistant answered that
        ended, how many it closed without a person (deflected), and handoffs."""
        query = DeflectionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since = timezone.now() - timedelta(days=query.validated_data["days"])
        return Response({"results": selectors.deflection_per_day(since=since)})
