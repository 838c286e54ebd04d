"""ASGI entry point: HTTP through Django, WebSockets through the consumers.

This module and urls.py are where the apps are wired together.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from agents.consumers import AgentConsumer  # noqa: E402
from agents.presence import widget_online  # noqa: E402
from chat.consumers import VisitorConsumer  # noqa: E402
from helpdesk.abuse.addresses import RefuseBlockedAddresses  # noqa: E402
from helpdesk.abuse.body_limits import BoundedBodies, guard_daphne  # noqa: E402
from helpdesk.abuse.sockets import SocketLimits  # noqa: E402
from helpdesk.db import KnownLoop  # noqa: E402
from helpdesk.handshakes import HandshakeAdmission  # noqa: E402

websocket_urlpatterns = [
    # The widget runs on any site and authenticates with a header-free token in
    # its hello frame, never a cookie, so a foreign Origin gains nothing here.
    path(
        "ws/widget/",
        # SocketLimits first: a flooder's reconnects are refused from memory,
        # before anything that costs a thread or a cache read.
        SocketLimits(RefuseBlockedAddresses(VisitorConsumer.as_asgi(agents_online=widget_online))),
    ),
    # The dashboard authenticates with the session cookie, so only our own
    # origins may open it (cross-site WebSocket hijacking).
    path("ws/agent/", AllowedHostsOriginValidator(AuthMiddlewareStack(AgentConsumer.as_asgi()))),
]

# Bodies are refused by size before they are read: daphne reads them before the
# application is called, so it is told to refuse them itself; other servers stream
# them through BoundedBodies (helpdesk/abuse/body_limits.py).
guard_daphne()
# KnownLoop: broadcasts from requests are handed to the loop, not waited for.
application = KnownLoop(
    BoundedBodies(
        ProtocolTypeRouter(
            {
                "http": django_asgi_app,
                # Around both sockets, so that a reconnect storm past what the process
                # can answer in daphne's 5 s is turned away (4503) before any guard.
                "websocket": HandshakeAdmission(URLRouter(websocket_urlpatterns)),
            }
        )
    )
)

# Everything made so far (Django, the apps, the URL conf) lives as long as the
# process: moved out of the collector's reach, a full collection walks only what
# came later. Such a pause stops every socket of the process; in the relay
# benchmark the longest went from 124 ms to 27 ms (docs/benchmarks.md).
gc.freeze()
