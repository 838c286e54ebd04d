"""Run the web server (uvicorn, helpdesk/servers.py) and a Celery worker (with
beat) together; Ctrl-C stops both."""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from helpdesk import servers
from helpdesk.celery import QUEUES

CELERY_ARGS = ["--beat", "--loglevel", "INFO", "--concurrency", "2", "-Q", QUEUES]


def site_url(host: str, port: str) -> str:
    """Where a browser on this machine reaches a server bound to ``host``."""
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 - every interface: this one is among them
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = "Serve Parley (uvicorn) plus a Celery worker and beat, and stop them together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host: str, port: str, **options):
        commands = {
            servers.SERVED_BY: servers.argv(servers.SERVED_BY, host, port),
            "celery": [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", *CELERY_ARGS],
        }
        # Links in emails name the address this serves on, unless told otherwise.
        env = {"PARLEY_SITE_URL": site_url(host, port)} | os.environ
        processes = {
            name: subprocess.Popen(argv, env=env)  # noqa: S603
            for name, argv in commands.items()
        }
        self.stdout.write(f"Parley on {env['PARLEY_SITE_URL']}/  (agents: /agent/, admin: /admin/)")

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                exited = [name for name, proc in processes.items() if proc.poll() is not None]
                if exited:
                    self.stderr.write(f"{', '.join(exited)} exited; stopping the rest.")
                    break
                time.sleep(0.5)
        finally:
            for proc in processes.values():
                if proc.poll() is None:
                    proc.terminate()
            for proc in processes.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
