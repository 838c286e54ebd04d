"""`make run PORT=…` (manage.py serve) gives its processes the address it serves
on, so links in emails lead back to it."""

import pytest
from django.core.management import call_command

from helpdesk.management.commands import serve


@pytest.mark.parametrize(
    ("host", "port", "address"),
    [
        ("127.0.0.1", "9000", "http://127.0.0.1:9000"),
        ("0.0.0.0", "8080", "http://127.0.0.1:8080"),  # noqa: S104
        ("localhost", "8000", "http://localhost:8000"),
        ("::1", "8000", "http://[::1]:8000"),
    ],
)
def test_the_address_is_where_a_browser_here_reaches_the_server(host, port, address):
    assert serve.site_url(host, port) == address


class Finished:
    """A process that has already exited, so serve stops at once."""

    def __init__(self, argv, env):
        self.argv, self.env = argv, env

    def poll(self):
        return 0

    def wait(self, timeout=None):
        return 0


@pytest.fixture
def started(monkeypatch):
    processes = []

    def popen(argv, env):
        processes.append(Finished(argv, env))
        return processes[-1]

    monkeypatch.setattr(serve.subprocess, "Popen", popen)
    return processes


def test_serve_tells_its_processes_its_address(started, monkeypatch):
    monkeypatch.delenv("PARLEY_SITE_URL", raising=False)
    call_command("serve", "--port", "9123")
    assert {process.env["PARLEY_SITE_URL"] for process in started} == {"http://127.0.0.1:9123"}


def test_an_address_set_by_hand_wins(started, monkeypatch):
    monkeypatch.setenv("PARLEY_SITE_URL", "https://help.example.com")
    call_command("serve", "--port", "9123")
    assert {process.env["PARLEY_SITE_URL"] for process in started} == {"https://help.example.com"}
