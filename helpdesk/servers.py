"""The ASGI servers Parley can run under, and how each is started.

daphne, Channels' own server, serves Parley (`manage.py serve`, the test stacks).
uvicorn (with uvloop and httptools) is started the same way by the benchmarks
(`bench/relay.py --server uvicorn`), which is how the choice was made and how it
can be made again: docs/benchmarks.md, "ASGI server".
"""

import sys

APPLICATION = "helpdesk.asgi:application"
SERVERS = ("daphne", "uvicorn")


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
            # As daphne: chat frames are too small for compression to pay its CPU.
            "--ws-per-message-deflate", "false",
            application,
        ]  # fmt: skip
    raise ValueError(f"unknown ASGI server {server!r}: one of {', '.join(SERVERS)}")
