from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


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
