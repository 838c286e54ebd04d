"""Handshake admission: a cap on the WebSocket handshakes one server process has
in flight (connected, not yet accepted or refused).

daphne drops a handshake the application has not answered within its
``--websocket_connect_timeout`` (5 s), and the client sees an abnormal close
(1006). When a server process restarts, its sockets all reconnect to the others
within seconds: in the soak (docs/benchmarks.md) 1,000 came to one daphne at
once, their handshakes queued behind each other's guards (and an agent's behind
the session read on the database thread), and most of them timed out, to come
back and time out again. Past ``PARLEY_HANDSHAKES_IN_FLIGHT`` a new socket is
accepted and closed at once with 4503 (busy), before any guard, thread, cache
read or database trip: the client reads the code and comes back with backoff
(static/shared/protocol.js), while the handshakes already in flight finish.
"""

from django.conf import settings

CLOSE_BUSY = 4503

# What answers a handshake: the accept, a close before it (a refusal), or an HTTP
# response to it (the denial extension).
ANSWERS = {"websocket.accept", "websocket.close", "websocket.http.response.start"}


class HandshakeAdmission:
    """ASGI middleware over every WebSocket route: one per process, so its count
    is the process's."""

    def __init__(self, inner):
        self.inner = inner
        self.in_flight = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        limit = settings.PARLEY["HANDSHAKES_IN_FLIGHT"]
        if limit and self.in_flight >= limit:
            await receive()  # websocket.connect
            # Accepted first: a close before the accept reaches a browser as 1006,
            # and only a close code tells the client it was turned away on purpose.
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_BUSY})
            return None

        self.in_flight += 1
        answered = False

        def answer() -> None:
            nonlocal answered
            if not answered:
                answered = True
                self.in_flight -= 1

        async def send_answer(message):
            if message["type"] in ANSWERS:
                answer()
            await send(message)

        try:
            return await self.inner(scope, receive, send_answer)
        finally:
            answer()  # the client left, or the application failed, first
