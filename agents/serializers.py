"""Input and output shapes of the agent API."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from chat.serializers import AttachmentInputSerializer, MessageInputSerializer
from chat.services import clean_body
from chat.ticket_actions import TAG_MAX_LENGTH
from helpdesk.models import Team, Ticket

from .models import CannedResponse
from .selectors import VIEWS


class TicketListQuerySerializer(serializers.Serializer):
    view = serializers.ChoiceField(choices=VIEWS, required=False)
    status = serializers.MultipleChoiceField(choices=Ticket.Status.choices, required=False)
    q = serializers.CharField(max_length=200, required=False)


class AgentUserField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return get_user_model().objects.filter(is_active=True, agent_profile__isnull=False)


class TicketChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX_LENGTH), max_length=20, required=False
    )
    assignee = AgentUserField(allow_null=True, required=False)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, required=False
    )
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class AgentMessageInputSerializer(MessageInputSerializer):
    internal = serializers.BooleanField(default=False)


class AgentAttachmentInputSerializer(AttachmentInputSerializer):
    internal = serializers.BooleanField(default=False)


class CannedResponseSerializer(serializers.ModelSerializer):
    shared = serializers.SerializerMethodField()
    mine = serializers.SerializerMethodField()

    class Meta:
        model = CannedResponse
        fields = ["id", "shortcut", "body", "shared", "mine"]

    def get_shared(self, canned: CannedResponse) -> bool:
        return canned.owner_id is None

    def get_mine(self, canned: CannedResponse) -> bool:
        return canned.owner_id == self.context["user"].pk

    def validate_body(self, body: str) -> str:
        return clean_body(body)

    def validate_shortcut(self, shortcut: str) -> str:
        owner = self.instance.owner if self.instance else self.context["user"]
        taken = CannedResponse.objects.filter(owner=owner, shortcut=shortcut)
        if self.instance:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(f"You already have /{shortcut}.")
        return shortcut


class CannedQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False, allow_blank=True)


class TranscriptQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["html", "text"], default="html")
