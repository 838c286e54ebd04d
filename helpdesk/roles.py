"""Parley's two roles. An **administrator** is an active superuser: Django admin,
webhooks, exporting and erasing visitors, inviting agents. An **agent** is a user
with an agent profile (agents.AgentProfile): the dashboard and the agent API. An
administrator who answers chats has a profile too.

The role is the superuser flag rather than a field or a group, so there is one
truth that Django admin already enforces; the invite form and the agent
profile's ``role`` read and write it."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from rest_framework.permissions import BasePermission


def is_administrator(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


class IsAdministrator(BasePermission):
    """The agent API's administrator-only endpoints."""

    message = "Only administrators may do this."

    def has_permission(self, request, view) -> bool:
        return is_administrator(request.user)
