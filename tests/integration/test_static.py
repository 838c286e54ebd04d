"""Production static files under daphne with DEBUG off: collectstatic's hashed,
compressed copies, and the dashboard's ES modules (its own and the shared protocol
client's) importing each other by their hashed names, so a deploy never mixes old
and new modules in a browser."""

import json
import posixpath
import re
import secrets
import urllib.request

import pytest

from ..processes import Stack, process_env

pytestmark = pytest.mark.integration

IMPORT = re.compile(r'(?:import|from)\s*"(\.\.?/[^"]+)"')
WIDGET_FILE = re.compile(rb'"(dist/widget-[A-Z0-9]+\.js)"')


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("production")
    env = process_env(tmp, DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50))
    stack = Stack(tmp=tmp, env=env)
    stack.setup()
    stack.manage("collectstatic", "--noinput", "-v0")
    stack.start_server("app")
    yield stack
    stack.stop_all()


def test_every_dashboard_module_is_served_by_its_hashed_name(production):
    manifest = json.loads((production.tmp / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]
    pending, served = [hashed["dashboard/agent.js"]], set()
    while pending:
        name = pending.pop()
        if name in served:
            continue
        status, content_type, body = fetch(production.http("app", f"/static/{name}"))
        assert status == 200 and "javascript" in content_type, name
        served.add(name)
        for target in IMPORT.findall(body.decode()):
            imported = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            assert imported in hashed.values(), f"{name} imports {target}, not a hashed name"
            pending.append(imported)
    assert len(served) > 3  # agent.js and the modules it imports
    assert any(name.startswith("shared/") for name in served)  # the shared protocol client


def test_the_front_ends_tooling_is_not_collected(production):
    collected = production.tmp / "static"
    assert not list(collected.rglob("node_modules"))
    assert not (collected / "widget" / "src").exists()
    assert not (collected / "package.json").exists()
    assert not (collected / "tests").exists()


def test_pages_link_hashed_css_and_the_widget_keeps_its_public_name(production):
    _, _, page = fetch(production.http("app", "/accounts/login/"))
    [css] = re.findall(rb'href="/static/(dashboard/parley\.[0-9a-f]{12}\.css)"', page)
    assert fetch(production.http("app", f"/static/{css.decode()}"))[0] == 200
    # Customers' embed tags name the widget's loader without a hash; the loader
    # names the widget proper by its content's hash.
    status, content_type, loader = fetch(production.http("app", "/static/widget/parley.js"))
    assert status == 200 and "javascript" in content_type
    [widget] = WIDGET_FILE.findall(loader)
    status, content_type, _ = fetch(production.http("app", f"/static/widget/{widget.decode()}"))
    assert status == 200 and "javascript" in content_type
