"""What `make run` starts after installing: `manage.py serve`, uvicorn and a Celery
worker together on the embedded default, both stopped by one Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from ..processes import ROOT, Stack, free_port, post_json, process_env, wait_for_http
from .test_background import wait_for_mail

pytestmark = pytest.mark.integration


def process_group_empties(group: int, timeout: float = 15) -> bool:
    """Workers' own children may take a moment after their parent is gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = subprocess.run(["pgrep", "-g", str(group)], capture_output=True, text=True)
        if not running.stdout:
            return True
        time.sleep(0.5)
    print(
        subprocess.run(
            ["ps", "-o", "pid,cmd", "-g", str(group)], capture_output=True, text=True
        ).stdout
    )
    return False


def test_serve_runs_the_demo_and_a_worker_and_ctrl_c_stops_both(tmp_path):
    env = process_env(tmp_path, EMAIL_FILE_PATH=str(tmp_path / "mail"))
    Stack(tmp=tmp_path, env=env).setup()  # make run's migrate and seed_demo
    port = free_port()
    log = tmp_path / "serve.log"
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal would give it
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz/", serve, log)
        with urllib.request.urlopen(f"{base}/", timeout=10) as page:
            assert b'data-key="demo"' in page.read()

        # The worker is up and takes work from the filesystem broker.
        session = post_json(
            f"{base}/api/widget/session/", {"key": "demo", "email": "v@example.com"}
        )
        auth = {"Authorization": f"Visitor {session['token']}"}
        first = post_json(f"{base}/api/widget/tickets/", {"body": "Hello"}, auth)
        post_json(f"{base}/api/widget/tickets/{first['ticket']}/end/", {}, auth)
        post_json(f"{base}/api/widget/tickets/{first['ticket']}/transcript/", {}, auth)
        wait_for_mail(tmp_path / "mail", to="v@example.com")

        os.killpg(serve.pid, signal.SIGINT)  # Ctrl-C reaches the whole group
        assert serve.wait(timeout=60) == 0
        assert process_group_empties(serve.pid), "serve left processes running"
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
