"""Agents' accounts: an administrator invites one, the invitee sets a password
through a signed link, and each agent keeps their own name, picture, password
and notification preferences."""

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from helpdesk.models import Team
from helpdesk.notifications import send_once

from . import tasks
from .avatars import validate_avatar
from .models import ADMINISTRATOR, AgentProfile
from .services import broadcast_presence


class InviteTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset tokens, salted apart: the token signs the user's
    password hash and last login, so it works until the invitee sets a password,
    and expires after PASSWORD_RESET_TIMEOUT (PARLEY_INVITE_MAX_AGE)."""

    key_salt = "parley.agents.invite"


invite_tokens = InviteTokenGenerator()


@transaction.atomic
def agent_invite(
    *,
    email: str,
    display_name: str,
    role: str,
    teams: list[Team],
    invited_by: AbstractBaseUser | None,
) -> AgentProfile:
    """A new account for ``email`` with no password yet, made an agent (and an
    administrator if ``role`` says so); the invitation is emailed once this
    commits. An address that already has an account is refused."""
    email = get_user_model().objects.normalize_email(email.strip())
    users = get_user_model().objects
    if users.filter(email__iexact=email).exists() or users.filter(username__iexact=email).exists():
        raise ValidationError("Someone with this email already has an account.", code="taken")
    is_admin = role == ADMINISTRATOR
    user = users.create_user(
        username=email, email=email, is_staff=is_admin, is_superuser=is_admin
    )  # no password: unusable until they set one
    profile = AgentProfile.objects.create(user=user, display_name=display_name.strip())
    profile.teams.set(teams)
    invite_send(profile=profile)
    return profile


def invite_send(*, profile: AgentProfile) -> None:
    """Email (again) the link to set a password, once this commits."""
    invited_at = timezone.now().isoformat()
    user_id = profile.user_id
    transaction.on_commit(lambda: tasks.send_agent_invite.delay(user_id, invited_at))


def invite_link(user: AbstractBaseUser) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("agents:welcome", args=[uid, invite_tokens.make_token(user)])
    return settings.PARLEY["SITE_URL"] + path


def invite_email(*, user_id: int, invited_at: str) -> None:
    """Send one invitation (one per ``invited_at``); nothing for an invitee who has
    since set a password."""
    user = get_user_model().objects.select_related("agent_profile").filter(pk=user_id).first()
    if user is None or user.has_usable_password() or not user.is_active:
        return
    send_once(
        f"invite:{user.pk}:{invited_at}",
        to=[user.email],
        template="agent_invite",
        context={
            "name": user.agent_profile.display_name,
            "link": invite_link(user),
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "site": settings.PARLEY["SITE_URL"],
        },
    )


def invite_pending(user: AbstractBaseUser) -> bool:
    return not user.has_usable_password() and user.last_login is None


# --- what an agent changes about themselves ------------------------------------------------


def profile_update(*, profile: AgentProfile, **changes: object) -> AgentProfile:
    """Any of ``display_name``, ``notify_sound``, ``notify_desktop``. A new name
    is told to colleagues at once (their team list)."""
    fields = [
        name for name in ("display_name", "notify_sound", "notify_desktop") if name in changes
    ]
    for name in fields:
        setattr(profile, name, changes[name])
    if "display_name" in fields:
        profile.display_name = str(profile.display_name).strip()
        if not profile.display_name:
            raise ValidationError("A name is needed.", code="blank_name")
    if fields:
        profile.save(update_fields=fields)
    if "display_name" in fields:
        broadcast_presence()
    return profile


def avatar_set(*, profile: AgentProfile, upload: UploadedFile | None) -> AgentProfile:
    """A new picture (checked by its content), or none: their initials again."""
    if upload is not None:
        validate_avatar(upload)
    old = profile.avatar.name if profile.avatar else ""
    if upload is None:
        profile.avatar = None
    else:
        profile.avatar.save(upload.name, upload, save=False)
    profile.save(update_fields=["avatar"])
    if old:
        storage = profile.avatar.storage
        transaction.on_commit(lambda: storage.delete(old))
    return profile


def password_change(*, user: AbstractBaseUser, old: str, new: str) -> None:
    if not user.check_password(old):
        raise ValidationError("That is not your current password.", code="wrong_password")
    try:
        password_validation.validate_password(new, user)
    except ValidationError as error:
        # One message with a code, as every refusal of the API has.
        raise ValidationError(" ".join(error.messages), code="weak_password") from None
    user.set_password(new)
    user.save(update_fields=["password"])
