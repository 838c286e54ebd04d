from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse_lazy
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from chat.attachments import content_type_of, for_other_sites
from helpdesk.roles import is_administrator

from .accounts import invite_tokens
from .avatars import initials_svg
from .models import AgentProfile
from .reports.page import report_page_context
from .selectors import agent_profile


def not_an_agent(request: HttpRequest) -> HttpResponse:
    """A signed-in user without an agent profile: say so, and offer a way out."""
    return render(request, "agents/not_an_agent.html", status=403)


@login_required
@ensure_csrf_cookie
def dashboard(request: HttpRequest) -> HttpResponse:
    profile = agent_profile(request.user)
    if profile is None:
        return not_an_agent(request)
    me = {
        "id": profile.user_id,
        "name": profile.display_name,
        "status": profile.status,
        "role": profile.role,
        "sound": profile.notify_sound,
        "desktop": profile.notify_desktop,
    }
    return render(request, "agents/dashboard.html", {"profile": profile, "me": me})


@login_required
@ensure_csrf_cookie
def settings_page(request: HttpRequest) -> HttpResponse:
    """The agent's own settings; the page's script reads and writes them through
    the agent API (``/api/agent/me/``)."""
    profile = agent_profile(request.user)
    if profile is None:
        return not_an_agent(request)
    return render(request, "agents/settings.html", {"profile": profile})


@login_required
@ensure_csrf_cookie
def reports_page(request: HttpRequest) -> HttpResponse:
    """Reports, for administrators; the page's script reads the numbers from the
    reports API (agents/reports/api.py). An agent gets a page that says so."""
    profile = agent_profile(request.user)
    if not is_administrator(request.user):
        if profile is None:
            return not_an_agent(request)
        return render(request, "agents/reports_forbidden.html", status=403)
    return render(request, "agents/reports.html", report_page_context(profile))


class WelcomeView(PasswordResetConfirmView):
    """The invitation's link: the invitee chooses a password, is signed in and
    lands on the dashboard. A used, expired or forged link says so."""

    template_name = "agents/welcome.html"
    token_generator = invite_tokens
    post_reset_login = True
    success_url = reverse_lazy("agents:dashboard")


@require_GET
def avatar(request: HttpRequest, user_id: int) -> HttpResponse:
    """An agent's picture, public like their name: the widget shows it on other
    sites. Agents without an upload get their initials."""
    profile = get_object_or_404(AgentProfile, user_id=user_id)
    if profile.avatar:
        file = profile.avatar.open("rb")
        content_type = content_type_of(file) or "application/octet-stream"
        response = FileResponse(file, content_type=content_type)
    else:
        response = HttpResponse(
            initials_svg(profile.display_name, profile.user_id), content_type="image/svg+xml"
        )
    return for_other_sites(response, cache_control="public, max-age=3600")
