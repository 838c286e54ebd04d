"""The agent's own account, for the dashboard's settings page: name, picture,
password and notification preferences."""

from django.contrib.auth import update_session_auth_hash
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from . import accounts
from .api import AgentAPIView
from .models import AgentProfile


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    role = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    avatar = serializers.SerializerMethodField()
    display_name = serializers.CharField(max_length=120)
    notify_sound = serializers.BooleanField()
    notify_desktop = serializers.BooleanField()

    def get_avatar(self, profile: AgentProfile) -> str:
        return reverse("agent-avatar", args=[profile.user_id])


class AvatarInputSerializer(serializers.Serializer):
    avatar = serializers.FileField()


class PasswordInputSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class MeView(AgentAPIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.agent_profile).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request: Request) -> Response:
        serializer = MeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = accounts.profile_update(
            profile=request.agent_profile, **serializer.validated_data
        )
        return Response(MeSerializer(profile).data)


class MeAvatarView(AgentAPIView):
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": AvatarInputSerializer}, responses=MeSerializer)
    def post(self, request: Request) -> Response:
        upload = self.validated(AvatarInputSerializer)["avatar"]
        profile = accounts.avatar_set(profile=request.agent_profile, upload=upload)
        return Response(MeSerializer(profile).data)

    @extend_schema(responses=MeSerializer)
    def delete(self, request: Request) -> Response:
        profile = accounts.avatar_set(profile=request.agent_profile, upload=None)
        return Response(MeSerializer(profile).data)


class MePasswordView(AgentAPIView):
    @extend_schema(request=PasswordInputSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = self.validated(PasswordInputSerializer)
        accounts.password_change(
            user=request.user, old=data["old_password"], new=data["new_password"]
        )
        # Other sessions of this account end; this one stays signed in.
        update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
