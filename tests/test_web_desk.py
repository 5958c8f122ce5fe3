"""The desk's features on the page, in real headless Chromium against the real gunicorn:
results over time, speaker links, related passages, the click beacon, the speakers and
statistics pages, and the page for everyone (axe-core finds no serious or critical violation;
a keyboard reaches the first result in a few Tab presses)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from helpers import ROOT, Server
from test_web_browser import CHROMIUM_ARGS, Watched, hit_ids, new_page, params, settled

pytestmark = pytest.mark.browser

AXE_JS = ROOT / "tests" / "web-deps" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
#: Rules that fail whatever axe rates them: a visible label missing from the accessible name
#: (WCAG 2.5.3, experimental in axe, so switched on), no h1, content outside landmarks.
ALWAYS = ("label-content-name-mismatch", "page-has-heading-one", "region", "landmark-one-main")
AXE_OPTIONS = {"rules": {"label-content-name-mismatch": {"enabled": True}}}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    w, context = new_page(browser, viewport={"width": 1280, "height": 900})
    yield w
    context.close()
    assert w.errors == [], "the page logged errors (CSP violations show up here)"


@pytest.fixture
def audited(browser: Browser) -> Iterator[Watched]:
    """A page whose context lets axe's script in: CSP forbids injected scripts, rightly."""
    if not AXE_JS.exists():
        pytest.skip("axe-core is not installed (bash scripts/test.sh runs npm install)")
    w, context = new_page(browser, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield w
    context.close()
    assert w.errors == []


def violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate("async (o) => (await axe.run(document, o)).violations", AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(n["target"][0]) if n["target"] else "?" for n in v["nodes"][:5])
        for v in found
        if v["impact"] in BLOCKING or v["id"] in ALWAYS
    ]


def test_the_audit_catches_what_the_page_used_to_do(audited: Watched) -> None:
    """The old result button (a label hiding its visible words), no h1, no landmarks."""
    page = audited.page
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head><body>'
        '<a href="/x" aria-label="Open paragraph 7 of A briefing">Open in document</a>'
        "</body></html>"
    )
    found = {v.split(" ")[0] for v in violations(page)}
    assert {"label-content-name-mismatch", "page-has-heading-one"} <= found


def wait_ready(page: Page) -> None:
    page.wait_for_function("() => document.body.dataset.ready === '1'")


# --- results over time ---------------------------------------------------------------------


def timeline_bars(page: Page):
    page.locator("#timeline:not([hidden])").wait_for()
    return page.locator("#timeline-chart .bar-slot")


def test_histogram_draws_bars_with_a_text_alternative(server: Server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/?q=china")
    settled(page)
    slots = timeline_bars(page)
    api = server.get("/search", q="china", histogram="auto").json()["histogram"]
    assert slots.count() == len(api) >= 2
    labels = slots.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert all(re.search(r": \d+ results?$", label) for label in labels)
    rows = page.locator("#timeline-table tbody tr")
    assert rows.count() == len(api)
    counts = rows.locator("td").all_inner_texts()
    assert [int(c.replace(",", "")) for c in counts] == [b["count"] for b in api]
    assert "Results over time" in page.locator("#timeline-caption").inner_text()
    # Only one tab stop for the whole chart (roving focus).
    tabbable = slots.evaluate_all("els => els.filter(e => e.getAttribute('tabindex') === '0')")
    assert len(tabbable) == 1


def test_clicking_a_bar_sets_the_dates(server: Server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/?q=china")
    settled(page)
    api = server.get("/search", q="china", histogram="auto").json()["histogram"]
    busiest = max(range(len(api)), key=lambda i: api[i]["count"])
    timeline_bars(page).nth(busiest).click()
    page.wait_for_function("() => new URLSearchParams(location.search).has('date_from')")
    settled(page)
    assert params(page)["date_from"] == [api[busiest]["from"]]
    assert params(page)["date_to"] == [api[busiest]["to"]]
    total = server.get(
        "/search", q="china", date_from=api[busiest]["from"], date_to=api[busiest]["to"]
    ).json()["total"]
    assert total == api[busiest]["count"]
    assert re.search(rf"\b{total} results?\b", page.locator("#status").inner_text())


def test_dragging_across_bars_sets_a_range(server: Server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/?q=china")
    settled(page)
    slots = timeline_bars(page)
    api = server.get("/search", q="china", histogram="auto").json()["histogram"]
    n = slots.count()
    assert n >= 3
    first, last = slots.nth(0).bounding_box(), slots.nth(n - 2).bounding_box()
    page.mouse.move(first["x"] + first["width"] / 2, first["y"] + 10)
    page.mouse.down()
    page.mouse.move(last["x"] + last["width"] / 2, last["y"] + 10, steps=5)
    page.mouse.up()
    page.wait_for_function("() => new URLSearchParams(location.search).has('date_to')")
    settled(page)
    assert params(page)["date_from"] == [api[0]["from"]]
    assert params(page)["date_to"] == [api[n - 2]["to"]]


def test_keyboard_chooses_a_period(server: Server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/?q=china")
    settled(page)
    slots = timeline_bars(page)
    api = server.get("/search", q="china", histogram="auto").json()["histogram"]
    slots.first.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.i") == "1"
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).has('date_from')")
    settled(page)
    assert params(page)["date_from"] == [api[1]["from"]]
    assert params(page)["date_to"] == [api[2]["to"]]


# --- who said it, related passages, clicks -------------------------------------------------


def test_speaker_badge_opens_the_speaker_page(server: Server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/?q=genome")
    settled(page)
    badge = page.locator("#hits a.badge-speaker").first
    name = badge.inner_text()
    badge.click()
    page.wait_for_url(re.compile(r"/speakers/"))
    wait_ready(page)
    assert page.locator("h1").inner_text() == name
    record = server.get(f"/speakers/{name}").json()
    assert page.locator("#quotes > li.hit").count() == min(10, record["total"])
    assert f"{record['total']} quote" in page.locator("#quotes-status").inner_text()
    # The quotes can be narrowed by words.
    page.locator("#quotes-q").fill("genome")
    page.locator("#quotes-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"q=genome"))
    wait_ready(page)
    assert page.locator("#quotes mark").count() > 0
    page.locator("#all-speakers").click()
    page.wait_for_url(re.compile(r"/speakers$"))
    wait_ready(page)
    assert name in page.locator("#speakers").inner_text()


def test_related_passages_open_under_a_result(server: Server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/?q=genome")
    settled(page)
    hit = page.locator("#hits > li.hit").first
    button = hit.locator(".show-related")
    assert button.get_attribute("aria-expanded") == "false"
    button.click()
    items = hit.locator(".related-hits > li")
    items.first.wait_for()
    assert button.get_attribute("aria-expanded") == "true"
    first = server.get("/search", q="genome").json()["hits"][0]
    api = server.get(
        f"/documents/{first['document']['id']}/related", p=first["paragraph"], limit=5
    ).json()
    assert items.evaluate_all("els => els.map(e => e.dataset.id)") == [h["id"] for h in api["hits"]]
    assert hit_ids(page)[0] == first["id"]
    button.click()
    assert hit.locator(".related").is_hidden()


def test_opening_a_result_is_reported_without_cookies(server: Server, watched: Watched) -> None:
    page = watched.page
    query = "tracing contacts"
    beacons: list[dict] = []
    page.on(
        "request",
        lambda r: (
            beacons.append({"data": r.post_data, "headers": r.headers})
            if r.url.endswith("/analytics/click")
            else None
        ),
    )
    page.goto(server.url + "/?" + "q=" + query.replace(" ", "+"))
    settled(page)
    page.locator("#hits .permalink").first.click()
    page.wait_for_url(re.compile(r"/documents/"))
    deadline = time.monotonic() + 10
    while not beacons and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert beacons, "no beacon was sent"
    assert query in beacons[0]["data"] and '"rank":1' in beacons[0]["data"]
    assert "cookie" not in {k.lower() for k in beacons[0]["headers"]}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        stats = server.get("/stats", limit=1000).json()  # the session server has many
        if query not in {r["query"] for r in stats["no_click_queries"]}:
            break
        page.wait_for_timeout(50)
    searched = {r["query"] for r in stats["top_queries"]}
    assert query in searched
    assert query not in {r["query"] for r in stats["no_click_queries"]}


def test_stats_page_shows_tables_and_charts(server: Server, watched: Watched) -> None:
    page = watched.page
    server.get("/search", q="statspageprobe")
    page.goto(server.url + "/stats?limit=1000")  # other tests search the same server a lot
    wait_ready(page)
    assert page.locator("h1").inner_text() == "Search statistics"
    assert "statspageprobe" in page.locator("[data-table=zero_result_queries]").inner_text()
    assert page.locator("#per-day-chart svg rect.bar").count() >= 1
    assert page.locator("#latency-chart svg rect.bar").count() == 4
    href = page.locator("[data-table=top_queries] a.csv-link").get_attribute("href")
    assert server.get(href).headers["Content-Type"].startswith("text/csv")


# --- the page for everyone -----------------------------------------------------------------


@pytest.mark.backend_neutral
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?q=genome",
        "/?q=china&speaker=Xu+Nanping",
        "/speakers",
        "/speakers/Xu%20Nanping",
        "/stats",
    ],
)
def test_no_serious_accessibility_violations(server: Server, audited: Watched, path: str) -> None:
    page = audited.page
    page.goto(server.url + path)
    if path.startswith("/speakers") or path.startswith("/stats"):
        wait_ready(page)
    else:
        settled(page)
    assert page.locator("h1").count() == 1
    assert violations(page) == []


@pytest.mark.backend_neutral
def test_document_view_has_no_serious_accessibility_violations(
    server: Server, audited: Watched
) -> None:
    page = audited.page
    hit = server.get("/search", q="genome").json()["hits"][0]
    page.goto(server.url + hit["citation"]["url"].replace("#", "?q=genome#"))
    page.locator(".para.target").wait_for()
    # The opened paragraph lists the passages of other documents most like it.
    related = page.locator(f"#p{hit['paragraph']} #related li")
    related.first.wait_for()
    api = server.get(f"/documents/{hit['document']['id']}/related", p=hit["paragraph"], limit=5)
    ids = related.evaluate_all("els => els.map(e => e.dataset.id)")
    assert ids == [h["id"] for h in api.json()["hits"]]
    badge = page.locator("#doc-meta a.badge-speaker").first
    assert badge.get_attribute("href").startswith("/speakers/")
    assert violations(page) == []


@pytest.mark.backend_neutral
def test_open_in_document_names_contain_their_visible_text(
    server: Server, watched: Watched
) -> None:
    page = watched.page
    page.goto(server.url + "/?q=genome")
    settled(page)
    names = page.locator("#hits .open-para").evaluate_all(
        "els => els.map(e => [e.firstChild.textContent, e.getAttribute('aria-label'),"
        " e.textContent])"
    )
    assert names
    for visible, label, name in names:  # no aria-label: the name is the text, visible first
        assert visible == "Open in document" and label is None
        assert name.startswith("Open in document: paragraph ")
    assert page.locator("aside[aria-label=Filters] #filters").count() == 1


def tab_until(page: Page, selector: str, limit: int = 40) -> int:
    """How many Tab presses from the top of the page until focus is in ``selector``."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"!!document.activeElement.closest({selector!r})"):
            return presses
    return limit + 1


@pytest.mark.backend_neutral
def test_a_keyboard_reaches_the_first_result_quickly(
    make_server: Callable[..., Server], watched: Watched
) -> None:
    # A server of its own, on the seeds alone: the shared one holds what other tests pushed, and
    # the count of tab stops must not depend on which tests ran before.
    server = make_server()
    page = watched.page
    page.goto(server.url + "/?q=china")
    settled(page)
    timeline_bars(page)
    assert tab_until(page, "#hits > li.hit:first-child") <= 8  # was 23 behind every filter
    # The skip link: Tab, Enter, Tab and the first result has the focus.
    page.goto(server.url + "/?q=china")
    settled(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert tab_until(page, "#hits > li.hit:first-child") == 1


@pytest.mark.backend_neutral
def test_results_come_before_filters_only_in_the_tab_order(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    """Wide screens still draw the filters left of the results; phones above them."""
    for width, beside in ((1280, True), (360, False)):
        w, context = new_page(browser, viewport={"width": width, "height": 800})
        try:
            page = w.page
            page.goto(server.url + "/?q=china")
            settled(page)
            filters = page.locator("#filters").bounding_box()
            results = page.locator("#hits").bounding_box()
            if beside:
                assert filters["x"] + filters["width"] <= results["x"]
            else:
                assert filters["y"] + filters["height"] <= results["y"]
            assert w.errors == []
        finally:
            context.close()
