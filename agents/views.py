from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from chat.attachments import content_type_of, for_other_sites

from .avatars import initials_svg
from .models import AgentProfile
from .selectors import agent_profile


@login_required
@ensure_csrf_cookie
def dashboard(request: HttpRequest) -> HttpResponse:
    profile = agent_profile(request.user)
    if profile is None:
        raise PermissionDenied("This account is not a support agent.")
    me = {"id": profile.user_id, "name": profile.display_name, "status": profile.status}
    return render(request, "agents/dashboard.html", {"profile": profile, "me": me})


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
