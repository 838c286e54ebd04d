from rest_framework import serializers

from chat.serializers import MessageInputSerializer
from helpdesk.knowledge.models import Language


class QuestionInputSerializer(MessageInputSerializer):
    """``ticket`` omitted: the question starts a chat. ``lang``: the widget's
    language, which the answer is written in and searched by."""

    ticket = serializers.IntegerField(min_value=1, required=False)
    lang = serializers.ChoiceField(choices=Language.choices, required=False)


class HandoffInputSerializer(serializers.Serializer):
    lang = serializers.ChoiceField(choices=Language.choices, required=False)


class RatingInputSerializer(serializers.Serializer):
    helpful = serializers.BooleanField()
