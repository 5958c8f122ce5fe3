"""Take the README screenshots of the search page and the document view.

    .venv/bin/python scripts/screenshots.py            # starts a real server on the seeds
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8080

Writes docs/screenshot-search.png (results for "genome", 1280 px wide) and
docs/screenshot-document.png (the first result's document, scrolled to the cited paragraph).
Drives Debian's Chromium through Playwright, like tests/test_web_browser.py.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SETTLED = (
    "() => { const r = document.getElementById('results');"
    " return !r.hasAttribute('aria-busy') && r.dataset.rendered === location.search.slice(1); }"
)


@contextlib.contextmanager
def seeded_server() -> Iterator[str]:
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers import running_server  # the same harness the tests use: real gunicorn, seeds

    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp), workers=1) as srv:
        yield srv.url


def take(url: str, query: str, scheme: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 860}, color_scheme=scheme, device_scale_factor=1
        )
        page = context.new_page()
        page.goto(f"{url}/?q={query}")
        page.wait_for_function(SETTLED)
        page.locator("#hits .hit").first.wait_for()
        page.mouse.move(0, 0)
        page.screenshot(path=str(DOCS / "screenshot-search.png"))

        # Open the result cited nearest the top of its document, so one screen shows the title,
        # the metadata and the highlighted paragraph together.
        links = page.locator("#hits .permalink")
        numbers = links.evaluate_all("els => els.map(e => Number(new URL(e.href).hash.slice(2)))")
        links.nth(numbers.index(min(numbers))).click()
        page.locator(".para.target").wait_for()
        page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
        page.screenshot(path=str(DOCS / "screenshot-document.png"))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running searchsvc (default: start one on the seeds)")
    parser.add_argument("--query", default="genome")
    parser.add_argument("--scheme", choices=("light", "dark"), default="light")
    args = parser.parse_args()
    DOCS.mkdir(exist_ok=True)
    if args.url:
        take(args.url.rstrip("/"), args.query, args.scheme)
    else:
        with seeded_server() as url:
            take(url, args.query, args.scheme)
    print(f"wrote {DOCS / 'screenshot-search.png'} and {DOCS / 'screenshot-document.png'}")


if __name__ == "__main__":
    main()
