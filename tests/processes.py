"""Parley as real processes, for the integration and browser tests."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from helpdesk import servers as asgi_servers
from helpdesk.celery import QUEUES

ROOT = Path(__file__).resolve().parents[1]


def process_env(tmp: Path, **settings: str) -> dict:
    """The environment for a Parley process: this one's, minus any database or
    Redis choice of the caller's, plus ``settings``."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL"} and not key.startswith("DJANGO_")
    }
    return (
        # An address for the links in emails: a run with DEBUG off needs one, and
        # each server is given its own (start_server).
        {"PARLEY_SITE_URL": "http://127.0.0.1:8000"}
        | inherited
        | {"DJANGO_SETTINGS_MODULE": "helpdesk.settings", "PARLEY_VAR_DIR": str(tmp)}
        | settings
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not answer in {timeout}s:\n{log.read_text()[-3000:]}")


@dataclass
class Stack:
    """Parley processes (daphne servers) sharing one configuration: the embedded
    default for the browser tests, PostgreSQL + Redis for the integration tests."""

    tmp: Path
    env: dict
    servers: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    workers: set[str] = field(default_factory=set)

    def setup(self, prepare: str = "") -> None:
        """Migrate, seed the demo data (agents ada and grace, a few tickets) and run
        ``prepare`` (Python, as ``manage.py shell -c`` runs it), all in one process
        (tests/stack_setup.py): a process each cost Django's start-up each time."""
        output = self.run([sys.executable, "-m", "tests.stack_setup", prepare])
        self.tokens.update(json.loads(output.strip().splitlines()[-1]))

    def manage(self, *args: str) -> str:
        return self.run([sys.executable, "manage.py", *args])

    def shell(self, code: str) -> str:
        """Run ``code`` in a Django process on this stack's database; its output."""
        return self.manage("shell", "-c", code)

    def run(self, command: list[str]) -> str:
        result = subprocess.run(
            command,
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def start_server(self, name: str, application: str = "helpdesk.asgi:application") -> str:
        """Serve ``application`` (Parley unless told otherwise) with daphne on a free
        port of 127.0.0.1; returns its base URL once it answers /healthz/."""
        return self.start_servers(name, application=application)[0]

    def start_servers(
        self, *names: str, application: str = asgi_servers.APPLICATION, server: str = "daphne"
    ):
        """Several ASGI servers (start_server; daphne unless ``server`` says
        uvicorn), started together and waited for together: a server spends its
        start-up (seconds on a busy machine) importing Django and Parley, and the
        next need not wait for that."""
        logs = {}
        for name in names:
            port = self.ports.setdefault(name, free_port())
            logs[name] = self.tmp / f"{server}-{name}.log"
            self.servers[name] = subprocess.Popen(
                asgi_servers.argv(server, "127.0.0.1", port, application),
                cwd=ROOT, env=self.env | {"PARLEY_SITE_URL": self.http(name)},
                stdout=logs[name].open("ab"), stderr=subprocess.STDOUT,
            )  # fmt: skip
        for name in names:
            wait_for_http(self.http(name, "/healthz/"), self.servers[name], logs[name])
        return [self.http(name) for name in names]

    def start_celery(self, name: str = "worker") -> None:
        """A real Celery worker on this stack's broker (Redis or the filesystem)."""
        log = self.tmp / f"celery-{name}.log"
        self.workers.add(name)
        self.servers[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "--pool", "solo",
             "-Q", QUEUES, "--loglevel", "INFO", "--hostname", f"{name}@%h"],
            cwd=ROOT, env=self.env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def stop(self, *names: str) -> None:
        """Stop the processes ``names`` (SIGTERM), all at once: a Celery worker
        takes seconds to finish its loop, and a daphne to close its sockets, and
        the others need not wait for that."""
        processes = [self.servers.pop(name) for name in names]
        for process in processes:
            process.terminate()
        deadline = time.monotonic() + 15
        for process in processes:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                # An overloaded daphne may still be draining its backlog; never
                # leave a process running after the test or benchmark that started it.
                process.kill()
                process.wait(timeout=15)

    def kill(self, name: str) -> None:
        """SIGKILL, as the OOM killer would: no cleanup and no goodbye; the kernel
        closes its connections to the broker, the database and the SMTP server."""
        process = self.servers.pop(name)
        process.kill()
        process.wait(timeout=15)

    def http(self, name: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def ws(self, name: str, path: str) -> str:
        return f"ws://127.0.0.1:{self.ports[name]}{path}"

    def agent_token(self, username: str) -> str:
        """``username``'s API token: the demo agents' come from setup, any other
        user's is asked for once (a process) and kept."""
        if username not in self.tokens:
            output = self.manage("drf_create_token", username)
            self.tokens[username] = re.search(r"Generated token (\w+)", output).group(1)
        return self.tokens[username]

    def stop_all(self) -> None:
        """Stop everything, as a fixture's teardown does: the stack is thrown away
        after, so its Celery workers are killed rather than asked to finish; a warm
        shutdown waits out the worker's poll of the broker (4 s each, here). What
        a worker that dies leaves behind is tested on purpose (test_worker_kill)."""
        for name in self.workers & set(self.servers):
            self.kill(name)
        self.stop(*self.servers)


class RedisServer:
    """A redis-server of a test's or benchmark's own, on a free port of 127.0.0.1,
    keeping nothing on disk: it can be killed and started again (same port, empty)
    without touching the machine's shared Redis."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = self.tmp / f"redis-{self.port}.log"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            cwd=self.tmp, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer:\n{log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL, by the PID this object started."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=15)
            self.process = None


def post_json(
    url: str, payload: dict, headers: dict | None = None, *, method: str = "POST"
) -> dict:
    """Send ``payload`` as JSON (POST, or ``method``); returns the JSON answer."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)
