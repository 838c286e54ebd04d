"""The assistant's widget endpoints: ask (answered as a server-sent event
stream), stop an answer, talk to a person, rate an answer. Visitors
authenticate as for the rest of the widget API (chat/visitor_auth.py)."""

from collections.abc import Callable

from django.http import StreamingHttpResponse
from django.utils import translation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from chat import events
from chat.api import VisitorAPIView
from chat.models import Message
from helpdesk.knowledge.models import Language
from helpdesk.models import Widget

from . import answering, services
from .models import Answer
from .serializers import HandoffInputSerializer, QuestionInputSerializer, RatingInputSerializer


def language_of(fields: dict) -> str:
    """The language the widget named, else the one LocaleMiddleware picked."""
    lang = fields.get("lang") or translation.get_language()[:2]
    return lang if lang in Language.values else Language.EN


class AssistantQuestionView(VisitorAPIView):
    # A question is also a visitor's message: it counts against the one message
    # rate of every transport (the socket, REST) as well as the assistant's own.
    throttle_scopes = {"POST": ("assistant", "message")}
    # Wired by helpdesk/urls.py, because chat must not import the agents app.
    agents_online: Callable[[Widget | None], bool] | None = None

    @extend_schema(
        request=QuestionInputSerializer,
        responses={200: OpenApiResponse(description="text/event-stream (docs/protocol.md)")},
    )
    def post(self, request: Request) -> StreamingHttpResponse:
        """Ask the assistant. The question is stored (a new chat without
        ``ticket``), then the answer streams as server-sent events: ``question``,
        ``token``…, ``sources``, ``done`` — or ``handoff`` and ``done``."""
        fields = self.validated(QuestionInputSerializer)
        question = services.ask(
            visitor=self.visitor,
            body=fields["body"],
            client_id=fields.get("client_id"),
            ticket_id=fields.get("ticket"),
            language=language_of(fields),
        )
        response = StreamingHttpResponse(
            answering.answer_stream(question, agents_online=self.agents_online),
            content_type="text/event-stream",
        )
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # nginx would otherwise hold tokens back
        return response


class AssistantStopView(VisitorAPIView):
    throttle_scopes = {"POST": "lifecycle"}

    @extend_schema(request=None, responses={202: None})
    def post(self, request: Request, question_id: int) -> Response:
        """Stop the answer to one of your questions; what it wrote so far is kept."""
        services.request_stop(visitor=self.visitor, question_id=question_id)
        return Response(
            {"question": question_id, "stopping": True}, status=status.HTTP_202_ACCEPTED
        )


class AssistantHandoffView(VisitorAPIView):
    throttle_scopes = {"POST": "lifecycle"}
    # Wired by helpdesk/urls.py, because chat must not import the agents app.
    agents_online: Callable[[Widget | None], bool] | None = None

    @extend_schema(request=HandoffInputSerializer)
    def post(self, request: Request, ticket_id: int) -> Response:
        """Talk to a person: the assistant steps back and the chat joins the queue.
        ``agents_online`` false: nobody is there, and the widget offers the
        offline form's email field. Asking twice changes nothing more."""
        fields = self.validated(HandoffInputSerializer)
        online = self.agents_online(self.visitor.widget)
        ticket = services.talk_to_person(
            visitor=self.visitor,
            ticket_id=ticket_id,
            language=language_of(fields),
            agents_online=online,
        )
        widget = self.visitor.widget
        return Response(
            {
                "ticket": events.visitor_ticket_payload(ticket),
                "agents_online": online,
                "offline_form": not online and widget is not None and widget.offline_form,
            }
        )


class AssistantRatingView(VisitorAPIView):
    throttle_scopes = {"POST": "lifecycle"}

    @extend_schema(request=RatingInputSerializer)
    def post(self, request: Request, message_id: int) -> Response:
        """Thumbs up or down on one of the assistant's answers to you."""
        fields = self.validated(RatingInputSerializer)
        answer = Answer.objects.filter(
            reply_id=message_id,
            ticket__visitor=self.visitor,
            reply__sender_type=Message.SenderType.BOT,
        ).first()
        if answer is None:
            raise Message.DoesNotExist
        services.rate(answer=answer, helpful=fields["helpful"])
        return Response({"message": message_id, "helpful": fields["helpful"]})
