"""Limits on the widget's sockets that hold across server processes (shared
cache), for what one client address or one visitor can hold open or get back
after a flood (docs/deploy.md, "Abuse limits"; docs/protocol.md, "Errors and
closes").

- **Open sockets per address** (``PARLEY_SOCKETS_PER_IP``): counted like presence
  (``helpdesk.presence``), a slot per server process holding its own count, so
  a socket is released when it closes and a killed process's sockets stop
  counting when its slots expire (``PARLEY_PRESENCE_TTL``). Processes that admit
  sockets at the same instant may each let one past the cap.
- **A growing penalty for floods**: a socket closed with 4429 (too many frames)
  bars its address, and its visitor, for ``PARLEY_FLOOD_PENALTY`` seconds, twice
  that after a second flood within ``STRIKES_REMEMBERED``, and so on up to
  ``PARLEY_FLOOD_PENALTY_MAX``. A barred address's handshake is refused (HTTP
  403, which a browser reports as 1006: the client backs off, further each
  time). A flooder reconnects at once, over and over, so a server process that
  knows an address is barred refuses it from memory: no cache read and no thread
  for each attempt, only the handshake.

A socket over the cap is accepted and closed with 4429 instead, so that the
client (a visitor behind a busy NAT) reads the code and waits.
"""

import asyncio
import math
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache

from helpdesk.memo import Until
from helpdesk.presence import Presence, slot_timeout

from .addresses import rate_key, scope_address

CLOSE_FLOOD = 4429
# A flood is held against an address or visitor for this long after the last.
STRIKES_REMEMBERED = 60 * 60

SOCKETS = Presence("widget-socket-address")


def in_thread(function):
    """Cache calls only, on any thread: not on the consumers' database threads
    (helpdesk/db.py), whose queue is longest when a reconnect storm comes, and
    daphne drops a handshake that waits 5 s for the application."""
    return sync_to_async(function, thread_sensitive=False)


# Addresses barred after a flood, until when, as this process learned it.
barred_here = Until()


def _keys(kind: str, ident: object) -> tuple[str, str]:
    base = f"flood:{kind}:{ident}"
    return f"{base}:strikes", f"{base}:until"


def penalise(kind: str, ident: object) -> float:
    """Count a flood by ``ident`` (an address key or a visitor id); returns the
    seconds it is now barred for."""
    strikes_key, until_key = _keys(kind, ident)
    if cache.add(strikes_key, 1, timeout=STRIKES_REMEMBERED):
        strikes = 1
    else:
        try:
            strikes = cache.incr(strikes_key)
        except ValueError:  # expired between add and incr
            cache.set(strikes_key, 1, timeout=STRIKES_REMEMBERED)
            strikes = 1
        cache.touch(strikes_key, timeout=STRIKES_REMEMBERED)
    base, most = settings.PARLEY["FLOOD_PENALTY"], settings.PARLEY["FLOOD_PENALTY_MAX"]
    seconds = min(base * 2 ** min(strikes - 1, 30), most)
    if seconds > 0:
        until = time.time() + seconds
        cache.set(until_key, until, timeout=math.ceil(seconds))
        if kind == "ip":
            barred_here.remember(ident, until)
    return seconds


def barred_for(kind: str, ident: object) -> float:
    """Seconds ``ident`` is still barred after a flood; 0 if it is not."""
    until = cache.get(_keys(kind, ident)[1])
    return max(0.0, until - time.time()) if until is not None else 0.0


def admit(address: str) -> str | None:
    """Count a new widget socket from ``address`` unless it is barred or at its
    cap; None if it was admitted, else why not ("barred", "full")."""
    if left := barred_for("ip", address):
        barred_here.remember(address, time.time() + left)
        return "barred"
    cap = settings.PARLEY["SOCKETS_PER_IP"]
    if cap and SOCKETS.connections(address) >= cap:
        return "full"
    SOCKETS.connect(address)
    return None


class SocketLimits:
    """ASGI middleware for the widget socket: the cap per address and the
    address's flood penalty, checked before a consumer exists. (The consumer
    records a flood, against the address and the visitor: only it can tell a
    flood from its other 4429 closes.)"""

    def __init__(self, inner):
        self.inner = inner
        # One task renews the counts of every address this process holds sockets
        # of (renew_all), started with the first socket, done with the last.
        self.renewing: asyncio.Task | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        address = rate_key(scope_address(scope))
        if barred_here.left(address) is not None:
            refusal = "barred"
        else:
            refusal = await in_thread(admit)(address)
        if refusal is not None:
            await receive()  # websocket.connect
            if refusal == "full":
                await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_FLOOD})
            return None

        self.keep_renewing()
        try:
            return await self.inner(scope, receive, send)
        finally:
            await in_thread(SOCKETS.disconnect)(address)

    def keep_renewing(self) -> None:
        loop = asyncio.get_running_loop()
        if self.renewing is None or self.renewing.done() or self.renewing.get_loop() is not loop:
            self.renewing = loop.create_task(self.renew_all())

    @staticmethod
    async def renew_all() -> None:
        """Keep this process's counts alive while any socket is open, pings or
        not: an idle socket counts as much as a busy one. A timer per socket
        cost most of an idle server's CPU (docs/benchmarks.md, "Idle sockets")."""
        while SOCKETS.held:
            await asyncio.sleep(max(1, slot_timeout() // 3))
            await in_thread(SOCKETS.heartbeat_all)()
