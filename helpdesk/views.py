from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def demo_site(request: HttpRequest) -> HttpResponse:
    """A stand-in customer website with the widget embedded by its one script tag."""
    return render(request, "demo.html", {"server": request.build_absolute_uri("/").rstrip("/")})
