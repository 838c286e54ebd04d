from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from helpdesk.models import validate_timezone

from . import identity
from .closing import RATING_COMMENT_MAX_LENGTH
from .selectors import INTEGER_MAX
from .services import CLIENT_ID_MAX_LENGTH

HISTORY_PAGE_MAX = 500


class HistoryQuerySerializer(serializers.Serializer):
    """``after``: the page after a seq, oldest first. ``before``: the page just
    before a seq. Neither: the newest page."""

    after = serializers.IntegerField(min_value=0, max_value=INTEGER_MAX, required=False)
    before = serializers.IntegerField(min_value=1, max_value=INTEGER_MAX, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=HISTORY_PAGE_MAX, default=100)

    def validate(self, data):
        if "after" in data and "before" in data:
            raise serializers.ValidationError("Send 'after' or 'before', not both.")
        return data


# Longest a history read may be held open waiting for a message: under the idle
# timeouts of common proxies (60 s), so a held request is answered, not cut.
HISTORY_WAIT_MAX = 30


class WidgetHistoryQuerySerializer(HistoryQuerySerializer):
    """The widget's history read can also long-poll: with ``after`` and ``wait``,
    an answer with no message is held up to ``wait`` seconds until one comes."""

    wait = serializers.IntegerField(min_value=0, max_value=HISTORY_WAIT_MAX, required=False)

    def validate(self, data):
        data = super().validate(data)
        if data.get("wait") and "after" not in data:
            raise serializers.ValidationError("'wait' needs 'after': the seq you hold.")
        return data


class MessageInputSerializer(serializers.Serializer):
    # post_message checks the body itself, so REST and the sockets refuse a bad one
    # with the same codes (empty_body, body_too_long).
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    client_id = serializers.CharField(max_length=CLIENT_ID_MAX_LENGTH, required=False)


class AttachmentInputSerializer(serializers.Serializer):
    # Validated data holds the write path's argument names.
    file = serializers.FileField(max_length=255, source="attachment")
    body = serializers.CharField(default="", allow_blank=True, trim_whitespace=False)
    client_id = serializers.CharField(max_length=CLIENT_ID_MAX_LENGTH, required=False)


class RatingInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=RATING_COMMENT_MAX_LENGTH
    )


class TranscriptInputSerializer(serializers.Serializer):
    # Defaults to the email the visitor gave before. 254: what the column holds.
    email = serializers.EmailField(required=False, max_length=254)


class TranscriptOutputSerializer(serializers.Serializer):
    ticket = serializers.IntegerField()
    email = serializers.EmailField()
    when = serializers.ChoiceField(
        choices=["now", "on_end"],
        help_text="'now': the chat has ended and the email is on its way; 'on_end': "
        "it goes out when the chat ends.",
    )


class TypingInputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["start", "stop"])
    # The sneak peek; longer drafts are cut, not refused (the visitor keeps typing).
    draft = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class SeenInputSerializer(serializers.Serializer):
    seq = serializers.IntegerField(min_value=0, max_value=INTEGER_MAX)


class WidgetKeySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40)


class OfflineMessageInputSerializer(MessageInputSerializer):
    email = serializers.EmailField()
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)


class IdentityInputSerializer(serializers.Serializer):
    """What ``Parley.identify`` passes on: a user id signed by the host site's
    server (chat.identity, docs/identity.md), and what the site says of them."""

    user_id = serializers.CharField(max_length=identity.USER_ID_MAX_LENGTH)
    issued_at = serializers.IntegerField(
        min_value=0, max_value=INTEGER_MAX, help_text="Unix seconds, as signed."
    )
    signature = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        help_text='Hex HMAC-SHA256 of "<user_id>:<issued_at>" with the widget\'s identity secret.',
        error_messages={
            "required": _("A user id needs its signature, made by your server (docs/identity.md)."),
            "invalid": _("A signature is 64 hex digits (HMAC-SHA256)."),
        },
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    email = serializers.EmailField(required=False, allow_blank=True)
    attributes = serializers.JSONField(required=False)

    def validate_attributes(self, value: object) -> dict:
        try:
            return identity.clean_attributes(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class WidgetSessionInputSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40)
    identity = IdentityInputSerializer(required=False)
    token = serializers.CharField(required=False, allow_blank=True, max_length=512)
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    email = serializers.EmailField(required=False, allow_blank=True)
    page_url = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    referrer = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    locale = serializers.CharField(required=False, allow_blank=True, max_length=35)
    timezone = serializers.CharField(required=False, allow_blank=True, max_length=64)
    reopen = serializers.CharField(required=False, allow_blank=True, max_length=512)

    def validate_timezone(self, value: str) -> str:
        """What the browser says, kept only if it is a zone: a bad one is dropped,
        not refused, so the chat still opens in an unusual browser."""
        try:
            validate_timezone(value)
        except DjangoValidationError:
            return ""
        return value


class MessageOutputSerializer(serializers.Serializer):
    """Documents the shape built by ``chat.events.message_payload``."""

    id = serializers.IntegerField()
    seq = serializers.IntegerField()
    sender = serializers.DictField()
    body = serializers.CharField()
    internal = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    client_id = serializers.CharField(allow_null=True)


class HistoryOutputSerializer(serializers.Serializer):
    ticket = serializers.IntegerField()
    last_seq = serializers.IntegerField()
    messages = MessageOutputSerializer(many=True)
    has_more = serializers.BooleanField(
        required=False, help_text="Paging back (no 'after'): older messages exist."
    )


class ResyncOutputSerializer(serializers.Serializer):
    """409: the client's ``after`` is past the last message it can see."""

    code = serializers.CharField(help_text="'resync'")
    reason = serializers.CharField(help_text="'ahead'")
    message = serializers.CharField()
    last_seq = serializers.IntegerField()


HISTORY_RESPONSES = {200: HistoryOutputSerializer, 409: ResyncOutputSerializer}
