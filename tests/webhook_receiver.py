"""A webhook receiver on 127.0.0.1 for the tests: it answers as told (succeed,
fail, stall, answer slowly, redirect) and keeps what it was sent."""

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """``behaviour``: "ok", "fail" (500), "stall" (answers after ``delay`` seconds,
    past the client's timeout), "slow" (after ``delay``, within it), "redirect"."""

    behaviour: str = "ok"
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self
        self._released = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.received.append(Received(self.path, dict(self.headers), body))
                if receiver.behaviour in {"stall", "slow"}:
                    receiver._released.wait(receiver.delay)
                if receiver.behaviour == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = 500 if receiver.behaviour == "fail" else 200
                answer = b"receiver is down" if status == 500 else b'{"ok": true}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # shutdown() waits for serve_forever to look at its flag, which it does
        # every poll_interval: 0.5 s by default, half a second per test that
        # closes a receiver (most of tests/chat/test_webhooks.py).
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self._released.set()
        self.server.shutdown()
        self.server.server_close()


# What docs/api.md tells receivers to do, in Python: the tests check deliveries
# with it, so the documented snippet is the one that works.
def verify(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False  # too old (or from the future): a replay
    expected = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))
