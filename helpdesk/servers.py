"""The ASGI servers Parley runs under, and how each is started.

`manage.py serve` (so `make run`) uses uvicorn, with uvloop and httptools: beside
daphne under the same load it took less CPU per message and per typing frame,
half the CPU per idle socket and a little less memory (docs/benchmarks.md, "Idle
sockets and the ASGI server"). daphne, Channels' own server, stays supported:
most test stacks run it, and tests/integration/test_servers.py runs a chat on
both. The benchmarks start either (`bench/relay.py --server`), so the choice can
be measured again.
"""

import sys

APPLICATION = "helpdesk.asgi:application"
SERVERS = ("uvicorn", "daphne")
SERVED_BY = "uvicorn"
# A frame larger than this is refused by uvicorn itself (close 1009) before it is
# read whole; below it, one over PARLEY["FRAME_MAX_BYTES"] gets Parley's error
# frame. (daphne reads any frame whole.)
WEBSOCKET_MAX_BYTES = 1024 * 1024
# On SIGTERM, open sockets are closed (1012) and their handlers given this long.
GRACEFUL_SECONDS = 10


def argv(server: str, host: str, port: str | int, application: str = APPLICATION) -> list[str]:
    """The command that serves ``application`` with ``server`` on ``host:port``."""
    if server == "daphne":
        return [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), application]
    if server == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", "--host", host, "--port", str(port),
            "--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio",
            # Channels' router answers no lifespan events.
            "--lifespan", "off",
            # The client's address comes from Parley's own trusted-proxy setting
            # (PARLEY_CLIENT_ADDRESS_HEADER), never from uvicorn's defaults.
            "--no-proxy-headers",
            "--no-access-log",
            # As daphne: chat frames are too small for compression to pay its CPU,
            # and each socket's compressor held 40 KiB more (docs/benchmarks.md).
            "--ws-per-message-deflate", "false",
            "--ws-max-size", str(WEBSOCKET_MAX_BYTES),
            "--timeout-graceful-shutdown", str(GRACEFUL_SECONDS),
            application,
        ]  # fmt: skip
    raise ValueError(f"unknown ASGI server {server!r}: one of {', '.join(SERVERS)}")
