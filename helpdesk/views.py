from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin

from .models import Widget


@staff_member_required
@xframe_options_sameorigin  # shown in the widget's admin page, in an iframe
def widget_preview(request: HttpRequest, key: str) -> HttpResponse:
    """A blank page with the widget embedded as its tag does, in a language of
    the widget's (``?lang=de``): the live preview on the widget's admin page."""
    widget = get_object_or_404(Widget, key=key)
    languages = dict(settings.LANGUAGES)
    language = request.GET.get("lang", "en")
    if language not in languages:
        language = "en"
    return render(
        request,
        "helpdesk/widget_preview.html",
        {
            "widget": widget,
            "language": language,
            "language_name": languages[language],
            "server": request.build_absolute_uri("/").rstrip("/"),
        },
    )


def demo_site(request: HttpRequest) -> HttpResponse:
    """A stand-in customer website with the widget embedded by its one script tag."""
    return render(request, "demo.html", {"server": request.build_absolute_uri("/").rstrip("/")})


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and process supervisors: the process answers and its
    database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
