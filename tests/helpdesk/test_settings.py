"""Configuration comes from the environment; each case runs a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "db": s.DATABASES["default"]["ENGINE"],
    "pool": s.DATABASES["default"].get("OPTIONS", {}).get("pool"),
    "layer": s.CHANNEL_LAYERS["default"]["BACKEND"],
    "cache": s.CACHES["default"]["BACKEND"],
    "broker": s.CELERY_BROKER_URL,
    "debug": s.DEBUG,
    "hosts": s.ALLOWED_HOSTS,
    "socket_threads": s.PARLEY["SOCKET_DATABASE_THREADS"],
}))
"""


def run_settings(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean |= {"DJANGO_SETTINGS_MODULE": "helpdesk.settings", "PARLEY_VAR_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_embedded_default_needs_no_services(tmp_path):
    result = run_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "db": "django.db.backends.sqlite3",
        "pool": None,
        "layer": "helpdesk.layers.LocalChannelLayer",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "broker": "filesystem://",
        "debug": True,
        "hosts": ["127.0.0.1", "localhost"],
        "socket_threads": 1,
    }


def test_database_and_redis_urls_switch_to_the_services(tmp_path):
    result = run_settings(
        tmp_path,
        DATABASE_URL="postgres://parley@db.internal:5432/parley",
        REDIS_URL="redis://cache.internal:6379/0",
        ALLOWED_HOSTS="help.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "db": "django.db.backends.postgresql",
        "pool": {"min_size": 2, "max_size": 10, "timeout": 10},
        "layer": "helpdesk.layers.RedisLayer",
        "cache": "helpdesk.cache.RedisCache",
        "broker": "redis://cache.internal:6379/0",
        "debug": True,
        "hosts": ["help.example.com"],
        "socket_threads": 4,
    }


def test_with_debug_off_the_development_secret_refuses_to_start(tmp_path):
    result = run_settings(tmp_path, DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is the development key" in result.stderr


def test_with_debug_off_and_a_real_secret_it_starts(tmp_path):
    result = run_settings(
        tmp_path,
        DEBUG="false",
        SECRET_KEY="a-real-secret-" + "x" * 40,
        PARLEY_SITE_URL="https://help.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_with_debug_off_it_refuses_to_start_without_its_own_address(tmp_path):
    result = run_settings(tmp_path, DEBUG="false", SECRET_KEY="a-real-secret-" + "x" * 40)
    assert result.returncode != 0
    assert "PARLEY_SITE_URL is not set" in result.stderr


@pytest.mark.parametrize(
    "address", ["help.example.com", "javascript:alert(1)", "ftp://help.example.com", "https://"]
)
def test_an_address_that_is_not_a_web_address_refuses_to_start(tmp_path, address):
    result = run_settings(tmp_path, PARLEY_SITE_URL=address)
    assert result.returncode != 0
    assert "use an address like https://help.example.com" in result.stderr


def test_a_rate_limit_is_read_from_the_environment_and_a_bad_one_refuses_to_start(tmp_path):
    good = run_settings(
        tmp_path, PARLEY_RATE_MESSAGE_PER_IP="5/h", PARLEY_RATE_SESSION_PER_IP="off"
    )
    assert good.returncode == 0, good.stderr
    bad = run_settings(tmp_path, PARLEY_RATE_MESSAGE_PER_VISITOR="lots")
    assert bad.returncode != 0
    assert "PARLEY_RATE_MESSAGE_PER_VISITOR" in bad.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PARLEY_SOCKET_DATABASE_THREADS", "0"),
        ("PARLEY_SOCKET_DATABASE_THREADS", "four"),
        # Negative would read as a cap no handshake is under: every socket busy.
        ("PARLEY_HANDSHAKES_IN_FLIGHT", "-1"),
        ("PARLEY_HANDSHAKES_IN_FLIGHT", "5.5"),
    ],
)
def test_a_count_that_is_no_count_refuses_to_start(tmp_path, name, value):
    result = run_settings(tmp_path, **{name: value})
    assert result.returncode != 0
    assert f"{name} is {value!r}; use a whole number" in result.stderr


def test_no_cap_on_handshakes_is_zero(tmp_path):
    assert run_settings(tmp_path, PARLEY_HANDSHAKES_IN_FLIGHT="0").returncode == 0
