"""Agents' accounts: an administrator invites one from admin, the invitee sets a
password through the emailed link and lands on the dashboard; a signed-in user
who is not an agent is told so; agents keep their own settings."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from agents import accounts
from agents.models import AgentProfile
from helpdesk.models import Team

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
INVITE_URL = "/admin/agents/agentprofile/add/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PARLEY = settings.PARLEY | {"SITE_URL": "https://help.example.com"}


@pytest.fixture
def billing(db):
    return Team.objects.create(name="Billing")


def invite(admin_client, capture, **fields):
    data = {"email": "cat@example.com", "display_name": "Cat", "role": "agent"} | fields
    with capture(execute=True):
        return admin_client.post(INVITE_URL, data)


def link_in(email) -> str:
    return re.search(r"https://help\.example\.com(/agent/welcome/\S+/)", email.body).group(1)


def test_an_administrator_invites_an_agent_from_one_screen(
    admin_client, billing, django_capture_on_commit_callbacks
):
    page = admin_client.get(INVITE_URL)
    assert page.status_code == 200
    assert b"Invite agent" in page.content
    for field in (b'name="email"', b'name="display_name"', b'name="role"', b'name="teams"'):
        assert field in page.content
    listing = admin_client.get("/admin/agents/agentprofile/")
    assert b"Invite agent" in listing.content

    response = invite(
        admin_client, django_capture_on_commit_callbacks, teams=[billing.pk], role="agent"
    )
    assert response.status_code == 302
    profile = AgentProfile.objects.get(display_name="Cat")
    user = profile.user
    assert (user.username, user.email, user.is_superuser, user.is_staff) == (
        "cat@example.com",
        "cat@example.com",
        False,
        False,
    )
    assert not user.has_usable_password()
    assert list(profile.teams.all()) == [billing]
    assert profile.role == "agent"
    (email,) = mail.outbox
    assert email.to == ["cat@example.com"]
    assert "invited" in email.subject
    assert link_in(email)


def test_the_invitee_sets_a_password_and_lands_on_the_dashboard(
    admin_client, django_capture_on_commit_callbacks
):
    invite(admin_client, django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    browser = Client()
    form = browser.get(link, follow=True)
    assert form.status_code == 200
    assert b"Choose a password" in form.content
    # Django moves the token out of the URL into the session before showing the form.
    landed = browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-new-secret-42", "new_password2": "a-long-new-secret-42"},
        follow=True,
    )
    assert landed.redirect_chain[-1][0] == "/agent/"
    assert landed.status_code == 200
    assert b'id="parley-me"' in landed.content
    user = get_user_model().objects.get(username="cat@example.com")
    assert user.check_password("a-long-new-secret-42")

    # The link is spent.
    again = Client().get(link, follow=True)
    assert b"expired or was used already" in again.content


def test_an_invited_administrator_can_use_admin(admin_client, django_capture_on_commit_callbacks):
    invite(admin_client, django_capture_on_commit_callbacks, role="administrator")
    user = get_user_model().objects.get(username="cat@example.com")
    assert (user.is_superuser, user.is_staff, user.agent_profile.role) == (
        True,
        True,
        "administrator",
    )


def test_an_address_with_an_account_is_not_invited_twice(
    admin_client, django_capture_on_commit_callbacks
):
    UserFactory(username="someone", email="Cat@Example.com")
    response = invite(admin_client, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert b"already has an account" in response.content
    assert not AgentProfile.objects.filter(display_name="Cat").exists()
    assert mail.outbox == []


def test_bad_input_on_the_invite_form_is_refused(admin_client, django_capture_on_commit_callbacks):
    response = invite(
        admin_client,
        django_capture_on_commit_callbacks,
        email="not an email",
        role="owner",
        display_name="<script>alert(1)</script>",
    )
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert not AgentProfile.objects.exists()
    assert mail.outbox == []


def test_only_administrators_invite(client, django_capture_on_commit_callbacks):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(INVITE_URL).status_code in {302, 403}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(INVITE_URL, {"email": "x@example.com", "display_name": "X", "role": "agent"})
    assert not AgentProfile.objects.exists()


def invite_link_for(user, token: str) -> str:
    return f"/agent/welcome/{urlsafe_base64_encode(force_bytes(user.pk))}/{token}/"


@pytest.fixture
def invited(db):
    user = get_user_model().objects.create_user(username="dan@example.com", email="dan@example.com")
    AgentProfile.objects.create(user=user, display_name="Dan")
    return user


def test_an_expired_invitation_link_is_refused(invited, monkeypatch, settings):
    token = accounts.invite_tokens.make_token(invited)
    later = accounts.invite_tokens._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(accounts.invite_tokens, "_now", lambda: later)
    page = Client().get(invite_link_for(invited, token), follow=True)
    assert b"expired or was used already" in page.content


@pytest.mark.parametrize("kind", ["forged", "password_reset", "other_user"])
def test_a_forged_or_borrowed_invitation_link_is_refused(invited, kind):
    other = UserFactory()
    token = {
        "forged": "abc-0123456789abcdef",
        "password_reset": default_token_generator.make_token(invited),
        "other_user": accounts.invite_tokens.make_token(other),
    }[kind]
    page = Client().get(invite_link_for(invited, token), follow=True)
    assert b"expired or was used already" in page.content


def test_the_invitation_can_be_sent_again_until_a_password_is_set(
    admin_client, invited, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/agents/agentprofile/",
            {"action": "send_invite_again", "_selected_action": [invited.agent_profile.pk]},
        )
    assert len(mail.outbox) == 1
    invited.set_password("now-it-is-set-1234")
    invited.save()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/agents/agentprofile/",
            {"action": "send_invite_again", "_selected_action": [invited.agent_profile.pk]},
        )
    assert len(mail.outbox) == 1


# --- not an agent ---------------------------------------------------------------------------


def test_a_signed_in_user_who_is_not_an_agent_is_told_so_and_can_log_out(client):
    user = UserFactory(username="<b>eve</b>")
    client.force_login(user)
    page = client.get("/agent/")
    assert page.status_code == 403
    html = page.content.decode()
    assert "not a support agent" in html
    assert "&lt;b&gt;eve&lt;/b&gt;" in html
    assert 'action="/accounts/logout/"' in html
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/agent/").status_code == 302  # to the login page now
    assert client.get("/agent/settings/").status_code == 302


# --- an agent's own settings ----------------------------------------------------------------


def test_the_dashboard_knows_the_agents_role_and_preferences(agent_bob):
    agent_bob.notify_sound = False
    agent_bob.save()
    client = Client()
    client.force_login(agent_bob.user)
    page = client.get("/agent/")
    me = json.loads(re.search(rb'id="parley-me"[^>]*>(.*?)</script>', page.content).group(1))
    assert me | {"id": None} == {
        "id": None,
        "name": "Bob",
        "status": "online",
        "role": "agent",
        "sound": False,
        "desktop": True,
    }
    assert b'href="/agent/settings/"' in page.content
    settings_page = client.get("/agent/settings/")
    assert settings_page.status_code == 200
    assert b"dashboard/settings.js" in settings_page.content


def test_an_agent_reads_and_changes_their_own_name_and_preferences(bob_api, agent_bob):
    me = bob_api.get("/api/agent/me/").data
    assert me | {"id": None, "username": None, "email": None} == {
        "id": None,
        "username": None,
        "email": None,
        "role": "agent",
        "status": "online",
        "avatar": f"/api/avatars/{agent_bob.user_id}/",
        "display_name": "Bob",
        "notify_sound": True,
        "notify_desktop": True,
    }
    changed = bob_api.patch(
        "/api/agent/me/",
        {"display_name": "Bobby \u202e<i>x</i>", "notify_desktop": False},
        format="json",
    )
    assert changed.status_code == 200
    agent_bob.refresh_from_db()
    assert (agent_bob.display_name, agent_bob.notify_desktop, agent_bob.notify_sound) == (
        "Bobby <i>x</i>",
        False,
        True,
    )
    assert bob_api.patch("/api/agent/me/", {"display_name": "  "}, format="json").status_code == 400
    too_long = bob_api.patch("/api/agent/me/", {"display_name": "x" * 121}, format="json")
    assert too_long.status_code == 400


def test_an_agent_uploads_and_removes_their_picture(bob_api, agent_bob):
    uploaded = bob_api.post(
        "/api/agent/me/avatar/",
        {"avatar": SimpleUploadedFile("me.png", PNG, "image/png")},
        format="multipart",
    )
    assert uploaded.status_code == 200
    agent_bob.refresh_from_db()
    assert agent_bob.avatar
    served = Client().get(f"/api/avatars/{agent_bob.user_id}/")
    assert b"".join(served.streaming_content) == PNG

    page = SimpleUploadedFile("me.png", b"<html><script>alert(1)</script>", "image/png")
    refused = bob_api.post("/api/agent/me/avatar/", {"avatar": page}, format="multipart")
    assert (refused.status_code, refused.data["code"]) == (400, "avatar_type")

    assert bob_api.delete("/api/agent/me/avatar/").status_code == 200
    agent_bob.refresh_from_db()
    assert not agent_bob.avatar


def test_an_agent_changes_their_password_and_stays_signed_in(agent_bob):
    client = Client()
    client.force_login(agent_bob.user)
    wrong = client.post(
        "/api/agent/me/password/",
        {"old_password": "nope", "new_password": "another-secret-987"},
        content_type="application/json",
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "wrong_password")
    weak = client.post(
        "/api/agent/me/password/",
        {"old_password": "secret-pass-123", "new_password": "123"},
        content_type="application/json",
    )
    assert (weak.status_code, weak.json()["code"]) == (400, "weak_password")
    done = client.post(
        "/api/agent/me/password/",
        {"old_password": "secret-pass-123", "new_password": "another-secret-987"},
        content_type="application/json",
    )
    assert done.status_code == 204
    assert client.get("/api/agent/me/").status_code == 200
    agent_bob.user.refresh_from_db()
    assert agent_bob.user.check_password("another-secret-987")


def test_someone_who_is_not_an_agent_has_no_settings(api):
    api.force_authenticate(UserFactory())
    assert api.get("/api/agent/me/").status_code == 403
    assert api.patch("/api/agent/me/", {"display_name": "x"}, format="json").status_code == 403


def test_an_address_too_long_to_be_a_username_is_refused(
    admin_client, django_capture_on_commit_callbacks
):
    response = invite(
        admin_client, django_capture_on_commit_callbacks, email="a" * 140 + "@example.com"
    )
    assert response.status_code == 200
    assert not AgentProfile.objects.exists()
