"""A real Chromium against real daphne: the app on one origin, a customer's site
with the widget embedded on another."""

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

from ..conftest import skip_or_fail
from ..processes import ROOT, Stack, free_port, process_env

CHROMIUM = os.environ.get("PARLEY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.browser

# Hostile on purpose: a customer site whose global CSS would wreck any widget
# that does not isolate itself.
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Shop</title>
<style>
  * {{ font-family: "Comic Sans MS", cursive !important; color: rgb(255, 0, 255) !important; }}
  button, textarea, div {{ display: inline !important; font-size: 40px !important;
    background: rgb(0, 255, 0) !important; border: 5px dashed red !important; }}
</style></head>
<body>
  <h1>Acme Shop</h1>
  <p>Anvils, rockets and other fine products.</p>
  <script src="{app}/static/widget/parley.js" data-key="{key}"{extra} async></script>
</body></html>
"""


def start_app(tmp, prepare: str = "", **settings: str) -> Stack:
    """Parley on the embedded default (SQLite, in-memory layer) in a daphne process;
    ``prepare`` is run after the seed (Stack.setup)."""
    stack = Stack(tmp=tmp, env=process_env(tmp, **settings))
    stack.setup(prepare)
    stack.start_server("app")
    return stack


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    # Agents pick chats by hand here, so each test decides who has which; routing
    # has its own app (routed_app).
    # Whether an agent happens to be online depends on which tests ran before, so
    # here the widget always offers the chat; the offline form runs on quiet_app.
    # The assistant answers first where it is on (chat/assistant): here the demo
    # widget's lines go to people; the assistant's tests use a widget of their own.
    stack = start_app(
        tmp_path_factory.mktemp("browser-app"),
        prepare=widget_code("demo", offline_form=False, assistant=False),
        PARLEY_AUTO_ASSIGN="false",
    )
    yield stack
    stack.stop_all()


@pytest.fixture
def quiet_app(tmp_path):
    """An app of its own, where no agent has been online (presence outlives a tab
    by PRESENCE_TTL, so the shared one is rarely empty)."""
    stack = start_app(tmp_path, prepare=widget_code("demo", assistant=False))
    yield stack
    stack.stop_all()


class HostSite:
    """The customer's site: another origin (localhost, another port) than the app,
    with one page per widget key."""

    def __init__(self, root: Path):
        self.root = root
        handler = functools.partial(QuietHandler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, app: Stack, key: str = "demo", **attributes: str) -> str:
        """A page embedding widget ``key``; ``attributes`` go on the script tag
        (``transport="fallback"`` becomes ``data-transport="fallback"``)."""
        extra = "".join(f' data-{name}="{value}"' for name, value in attributes.items())
        suffix = "".join(f"-{name}-{value}" for name, value in attributes.items())
        name = f"{app.ports['app']}-{key}{suffix}.html"
        (self.root / name).write_text(HOST_PAGE.format(app=app.http("app"), key=key, extra=extra))
        return f"http://localhost:{self.server.server_address[1]}/{name}"


@pytest.fixture(scope="session")
def host(tmp_path_factory):
    site = HostSite(tmp_path_factory.mktemp("host-site"))
    yield site
    site.server.shutdown()


@pytest.fixture(scope="session")
def host_site(app, host):
    """The demo widget's page on the customer's site."""
    return host.page(app)


def widget_code(key: str, **settings) -> str:
    """Python that creates or changes a widget installation (for Stack.setup)."""
    return (
        "from helpdesk.models import Widget; "
        f"Widget.objects.update_or_create(key={key!r}, defaults={settings!r})"
    )


def configure_widget(app: Stack, key: str, **settings) -> None:
    """Create or change a widget installation in the app's database."""
    app.shell(widget_code(key, **settings))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser):
    """Separate browser contexts are separate people: no shared storage or cookies."""
    contexts = []

    def make(**options):
        context = browser.new_context(viewport={"width": 1280, "height": 800}, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request):
    """Save a screenshot under test-artifacts/<test name>/<name>.png."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return take


def log_in_agent(context, app, username: str):
    page = context.new_page()
    page.goto(app.http("app", "/accounts/login/?next=/agent/"))
    page.fill("#id_username", username)
    page.fill("#id_password", "parley-demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/agent/")
    return page
