"""Where a request comes from, and whether that address is blocked.

Behind a proxy every connection comes from the proxy, so the client's address is
read from a header the proxy sets, but only when the installation names that
header (``PARLEY_CLIENT_ADDRESS_HEADER``): any client can send any header, so
trusting one by default would let a flooder pick a fresh address per request.
"""

import ipaddress
from functools import lru_cache

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from .models import BlockedAddress

BLOCKED_CACHE_KEY = "abuse:blocked-networks"
# A safety net for changes that send no signal (a queryset update); saves and
# deletes clear the cached list at once.
BLOCKED_CACHE_SECONDS = 60

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(value: str | None) -> Address | None:
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def client_address(remote: str | None, header: str | None) -> Address | None:
    """The client's address, from the connection's peer (``remote``) or, when an
    installation trusts a proxy header, from ``header`` (its value). A list such
    as X-Forwarded-For is read from the right: each trusted proxy appended one
    address, so the client is ``TRUSTED_PROXY_COUNT`` places from the end, and
    anything further left is whatever the client wrote."""
    if settings.PARLEY["CLIENT_ADDRESS_HEADER"] and header:
        hops = [hop.strip() for hop in header.split(",")]
        found = parse_address(hops[-min(settings.PARLEY["TRUSTED_PROXY_COUNT"], len(hops))])
        if found is not None:
            return found
    return parse_address(remote)


def request_address(request) -> Address | None:
    """For a Django (or DRF) request."""
    name = settings.PARLEY["CLIENT_ADDRESS_HEADER"]
    header = request.headers.get(name) if name else None
    return client_address(request.META.get("REMOTE_ADDR"), header)


def scope_address(scope: dict) -> Address | None:
    """For an ASGI scope, HTTP or WebSocket: daphne and uvicorn put the peer in
    ``scope["client"]``."""
    name = settings.PARLEY["CLIENT_ADDRESS_HEADER"]
    header = None
    if name:
        wanted = name.lower().encode("latin-1")
        values = [value for key, value in scope.get("headers", []) if key == wanted]
        header = b",".join(values).decode("latin-1") if values else None
    peer = scope.get("client") or (None,)
    return client_address(peer[0], header)


def rate_key(address: Address | None) -> str:
    """What a per-address limit counts by. One IPv6 subscriber is given a whole
    /64, so counting single IPv6 addresses would let them take a new one per
    request."""
    if address is None:
        return "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def blocked_networks() -> list[str]:
    networks = cache.get(BLOCKED_CACHE_KEY)
    if networks is None:
        networks = list(BlockedAddress.objects.values_list("network", flat=True))
        cache.set(BLOCKED_CACHE_KEY, networks, BLOCKED_CACHE_SECONDS)
    return networks


@lru_cache(maxsize=1024)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text)


def is_address_blocked(address: Address | str | None) -> bool:
    """Whether ``address`` is in a blocked address or range (admin: Blocked
    addresses). One cache read per call; the list is read from the database only
    after it changed or a minute has passed."""
    if isinstance(address, str):
        address = parse_address(address)
    if address is None:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(
        address.version == network.version and address in network
        for network in map(_network, blocked_networks())
    )


def forget_blocked_networks(**kwargs) -> None:
    cache.delete(BLOCKED_CACHE_KEY)


def connect_signals() -> None:
    post_save.connect(forget_blocked_networks, sender=BlockedAddress, dispatch_uid="abuse-saved")
    post_delete.connect(forget_blocked_networks, sender=BlockedAddress, dispatch_uid="abuse-gone")


# Close code for a socket refused at connect; the consumers' CLOSE_FORBIDDEN.
CLOSE_BLOCKED = 4403


class RefuseBlockedAddresses:
    """ASGI middleware for a WebSocket route: a socket from a blocked address is
    refused at connect, before a consumer exists for it."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        # Not thread-sensitive: on the consumers' database threads this would
        # wait behind every socket's work, and daphne drops a handshake the
        # application has not answered in 5 s (bench/soak.py, a restart's storm).
        check = database_sync_to_async(is_address_blocked, thread_sensitive=False)
        if scope["type"] == "websocket" and await check(scope_address(scope)):
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": CLOSE_BLOCKED})
            return None
        return await self.inner(scope, receive, send)
