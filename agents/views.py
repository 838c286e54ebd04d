from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from .selectors import agent_profile


@login_required
@ensure_csrf_cookie
def dashboard(request: HttpRequest) -> HttpResponse:
    profile = agent_profile(request.user)
    if profile is None:
        raise PermissionDenied("This account is not a support agent.")
    me = {"id": profile.user_id, "name": profile.display_name, "status": profile.status}
    return render(request, "agents/dashboard.html", {"profile": profile, "me": me})
