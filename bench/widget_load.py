"""The widget on the demo page, in Chromium (issue 12): what the host page
downloads, how long from the script tag to the bubble on screen, and how long from
a click on the bubble to a composer the visitor can type in.

It starts Parley (embedded default, demo data) with daphne on 127.0.0.1, opens the
demo page (``/``) ``--runs`` times in fresh browser contexts (a first visit each
time: nothing cached, nothing stored) with Debian's Chromium, and stops by itself.
The demo widget's offline form is turned off, as in the browser tests, so the
panel opens on the composer whether or not an agent is online.

- loader → bubble: from the moment the browser starts fetching the loader
  (resource timing of static/widget/parley.js) to the launcher in the page;
- click → composer: from a click on the bubble nobody had reached for (so the
  widget proper is fetched on that click, the worst case) to the composer shown
  and enabled; and the same after the pointer went over the bubble first (the
  widget fetched on hover, as for a mouse user).

Sizes are the built files, gzipped at level 9 (what WhiteNoise serves). Progress
goes to stderr; the table, in Markdown for docs/benchmarks.md, to stdout.

    .venv/bin/python bench/widget_load.py [--runs 15]
"""

import argparse
import gzip
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.processes import ROOT, Stack, process_env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDGET = ROOT / "static" / "widget"
NO_OFFLINE_FORM = (
    "from helpdesk.models import Widget; "
    "Widget.objects.filter(key='demo').update(offline_form=False)"
)

# In the page before anything else runs: note when the launcher first appears,
# and when the composer is first shown and enabled, by polling every frame.
PROBE = """
(() => {
  const marks = (window.__parleyMarks = {});
  const tick = () => {
    const root = document.querySelector("parley-widget")?.shadowRoot;
    const launcher = root?.querySelector(".launcher");
    const shown = (el) => el && el.getClientRects().length > 0;
    if (!marks.bubble && shown(launcher)) marks.bubble = performance.now();
    const input = root?.querySelector("[data-testid=parley-input]");
    if (marks.click && !marks.composer && shown(input) && !input.disabled) {
      marks.composer = performance.now();
    }
    if (!marks.composer) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""

LOADER_START = """
performance.getEntriesByType("resource")
  .find((entry) => entry.name.includes("/static/widget/parley.js")).startTime
"""

CLICK = """
() => {
  const launcher = document.querySelector("parley-widget").shadowRoot.querySelector(".launcher");
  window.__parleyMarks.click = performance.now();
  launcher.click();
}
"""


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def size(path: Path, budget: int) -> str:
    return f"{path.stat().st_size:,} B, **{gzipped(path):,} B gzipped** (budget {budget:,})"


def one_visit(browser, url: str, hover: bool) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.add_init_script(PROBE)
        scripts: list[str] = []
        page.on(
            "request",
            lambda request: (
                scripts.append(request.url) if request.resource_type == "script" else None
            ),
        )
        page.goto(url)
        page.wait_for_function("window.__parleyMarks.bubble")
        page.wait_for_load_state("networkidle")
        before = [u for u in scripts if "/static/widget/" in u]
        loader_start = page.evaluate(LOADER_START)
        if hover:
            with page.expect_response(lambda r: "/static/widget/dist/" in r.url):
                page.get_by_test_id("parley-launcher").hover()
            page.wait_for_load_state("networkidle")
        page.evaluate(CLICK)
        page.wait_for_function("window.__parleyMarks.composer")
        marks = page.evaluate("window.__parleyMarks")
        return {
            "bubble": marks["bubble"] - loader_start,
            "composer": marks["composer"] - marks["click"],
            "before": before,
        }
    finally:
        context.close()


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"{statistics.median(values):.0f} ms (p90 {p90:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    loader = WIDGET / "parley.js"
    [widget_file] = re.findall(r'"(dist/widget-[A-Z0-9]+\.js)"', loader.read_text())
    widget = WIDGET / widget_file

    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        stack = Stack(tmp=Path(tmp), env=process_env(Path(tmp)))
        try:
            log("starting Parley on 127.0.0.1")
            stack.setup()
            stack.manage("shell", "-c", NO_OFFLINE_FORM)
            stack.start_server("app")
            url = stack.http("app", "/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    one_visit(browser, url, hover=False)  # warm the server's code paths once
                    cold, warm = [], []
                    for run in range(args.runs):
                        cold.append(one_visit(browser, url, hover=False))
                        warm.append(one_visit(browser, url, hover=True))
                        log(f"run {run + 1}/{args.runs}")
                finally:
                    browser.close()
        finally:
            stack.stop_all()

    only_loader = all(
        [u.split("/static/")[1] for u in visit["before"]] == ["widget/parley.js"]
        for visit in cold + warm
    )
    rows = [
        ("loader `static/widget/parley.js`", size(loader, 4096)),
        (f"widget proper `static/widget/{widget_file}`", size(widget, 30720)),
        (
            "scripts the page loads before anyone reaches for the chat",
            "the loader alone" if only_loader else "MORE THAN THE LOADER",
        ),
        ("loader fetch → bubble shown", summary([v["bubble"] for v in cold + warm])),
        (
            "click → composer ready, widget fetched on the click",
            summary([v["composer"] for v in cold]),
        ),
        (
            "click → composer ready, widget fetched on hover",
            summary([v["composer"] for v in warm]),
        ),
    ]
    print(f"Chromium ({CHROMIUM}), demo page, {args.runs} first visits each; median (p90).\n")
    print("| what | result |")
    print("|---|---|")
    for what, result in rows:
        print(f"| {what} | {result} |")


if __name__ == "__main__":
    main()
