"""Static files from an async middleware (helpdesk/static_files.py), so that no
request goes through a thread and back before it reaches its view."""

import pytest
from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.module_loading import import_string

from helpdesk.static_files import StaticFilesMiddleware


def test_every_middleware_can_run_on_the_event_loop():
    """The bug: WhiteNoise's middleware is sync only, which put every request
    (and every async view, in async_to_sync) on a thread."""
    sync_only = [
        path
        for path in settings.MIDDLEWARE
        if not getattr(import_string(path), "async_capable", False)
    ]
    assert sync_only == []


@pytest.fixture
def static_middleware(settings):
    """As with DEBUG on: files found on disk at each request."""
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True

    async def view(request):
        return HttpResponse("the view")

    middleware = StaticFilesMiddleware(view)
    assert iscoroutinefunction(middleware)
    return middleware


async def test_a_static_file_is_served_and_anything_else_goes_on(static_middleware):
    served = await static_middleware(RequestFactory().get("/static/widget/parley.js"))
    assert served.status_code == 200
    assert "javascript" in served["Content-Type"]
    loader = settings.BASE_DIR / "static" / "widget" / "parley.js"
    assert b"".join(served.streaming_content) == loader.read_bytes()
    passed_on = await static_middleware(RequestFactory().get("/api/widget/session/"))
    assert passed_on.content == b"the view"
