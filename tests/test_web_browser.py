"""The newsroom search page in a real headless Chromium against the real gunicorn on the seeds.

Playwright drives Debian's Chromium (Playwright's own browser download cannot work here). Every test
fails on a console error or an uncaught page error, so a Content-Security-Policy violation (an
inline script or style slipping in) fails the suite too. The page marks ``#results`` with
``data-rendered`` = the query string it has finished rendering; tests wait on that rather than on
time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from helpers import SEEDS  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XSS = "<img src=x onerror=alert(1)>"
XSS_WORD = "quokkaprobe"  # a word no seed contains, to find the hostile document


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Watched:
    """A page plus everything it reported: console errors, page errors, dialogs."""

    def __init__(self, page: Page):
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("dialog", self._dialog)

    def _console(self, msg) -> None:
        if msg.type in ("error", "assert"):
            self.errors.append(f"console.{msg.type}: {msg.text}")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def new_page(browser: Browser, **context_options) -> tuple[Watched, object]:
    context = browser.new_context(**context_options)
    context.set_default_timeout(15_000)
    return Watched(context.new_page()), context


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    w, context = new_page(browser, viewport={"width": 1280, "height": 900})
    yield w
    context.close()
    assert w.errors == [], "the page logged errors (CSP violations show up here)"
    assert w.dialogs == []


def settled(page: Page) -> None:
    """Wait until the results on screen answer the URL's query string."""
    page.wait_for_function(
        "() => { const r = document.getElementById('results');"
        " return !r.hasAttribute('aria-busy') && r.dataset.rendered === location.search.slice(1); }"
    )


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def hit_ids(page: Page) -> list[str]:
    return page.locator("#hits > li.hit").evaluate_all("els => els.map(e => e.dataset.id)")


def facet_box(page: Page, field: str, value: str):
    return page.locator(
        f"#facets .facet-{field} input[value={json.dumps(value, ensure_ascii=False)}]"
    )


def search_for(page: Page, base: str, q: str) -> None:
    page.goto(base + "/")
    settled(page)
    page.locator("#q").press_sequentially(q, delay=20)
    page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=q)
    settled(page)


# --- search as you type ------------------------------------------------------------------------


def test_typing_genome_shows_highlighted_results(server, watched: Watched) -> None:
    page = watched.page
    search_for(page, server.url, "genome")
    assert params(page)["q"] == ["genome"]
    assert page.locator("#hits > li.hit").count() > 0
    marks = page.locator("#hits .snippet mark")
    assert marks.count() > 0
    assert all("genom" in t.lower() for t in marks.all_text_contents())
    # Every result shows its document title, source/date, paragraph number and citation button.
    first = page.locator("#hits > li.hit").first
    assert first.locator(".permalink").inner_text().strip()
    assert re.fullmatch(r"¶ \d+", first.locator(".hit-para").inner_text())
    assert first.locator(".copy-citation").is_visible()
    # The count is announced politely.
    status = page.locator("#status")
    assert status.get_attribute("aria-live") == "polite"
    assert re.search(r"\d+ results? for “genome”", status.inner_text())


@pytest.mark.backend_neutral
def test_slash_focuses_the_search_box(server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/")
    settled(page)
    page.locator("#status").click()
    assert page.evaluate("document.activeElement.id") != "q"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.locator("#q").input_value() == ""  # the slash itself is not typed


def test_autocomplete_is_a_keyboard_combobox(server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/")
    settled(page)
    box = page.locator("#q")
    box.press_sequentially("geno", delay=20)
    options = page.locator("#suggestions [role=option]")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    chosen = page.locator(f"#{active} .suggestion-value").inner_text()
    box.press("Enter")
    page.wait_for_function("() => document.getElementById('suggestions').hidden")
    assert box.get_attribute("aria-expanded") == "false"
    settled(page)
    query = params(page)
    assert chosen in query.get("q", []) or chosen in query.get("speaker", [])
    # Escape closes an open list without clearing the box.
    box.press_sequentially(" geno", delay=20)
    options.first.wait_for()
    box.press("Escape")
    assert page.locator("#suggestions").is_hidden()
    assert box.input_value().endswith("geno")


# --- facets, URL state, history ----------------------------------------------------------------


def test_speaker_facet_filters_and_lives_in_the_url(server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/?q=genome")
    settled(page)
    unfiltered = hit_ids(page)
    boxes = page.locator("#facets .facet-speaker input[type=checkbox]")
    assert boxes.count() > 0, "the seeds have speakers"
    speaker = boxes.first.get_attribute("value")
    expected = int(
        page.locator("#facets .facet-speaker li").first.locator(".count").inner_text().split()[-1]
    )
    boxes.first.check()
    settled(page)
    assert params(page)["speaker"] == [speaker]
    assert params(page)["q"] == ["genome"]
    hits = page.locator("#hits > li.hit")
    assert hits.count() == min(expected, 10)
    for i in range(hits.count()):
        assert hits.nth(i).locator(".badge-speaker").inner_text() == speaker
    assert page.locator("#active-filters").inner_text().find(speaker) >= 0
    filtered = hit_ids(page)

    # Reload: the same state comes back from the URL alone.
    page.reload()
    settled(page)
    assert page.locator("#q").input_value() == "genome"
    assert facet_box(page, "speaker", speaker).is_checked()
    assert hit_ids(page) == filtered

    # Back: the previous state (no speaker) is restored.
    page.go_back()
    settled(page)
    assert "speaker" not in params(page)
    assert not facet_box(page, "speaker", speaker).is_checked()
    assert hit_ids(page) == unfiltered
    page.go_forward()
    settled(page)
    assert params(page)["speaker"] == [speaker]
    assert hit_ids(page) == filtered


def test_sort_group_and_paging(server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/")
    settled(page)
    page.select_option("#sort", "-date")
    settled(page)
    assert params(page)["sort"] == ["-date"]
    dates = page.locator("#hits .hit-date").evaluate_all("els => els.map(e => e.dateTime)")
    assert dates == sorted(dates, reverse=True)

    first_page = hit_ids(page)
    page.locator("#pager a", has_text="Next").click()
    settled(page)
    assert params(page)["page"] == ["2"]
    assert page.locator("#pager [aria-current=page]").inner_text() == "2"
    assert not set(hit_ids(page)) & set(first_page)

    page.locator("#group").check()
    settled(page)
    assert params(page)["group"] == ["document"]
    assert "page" not in params(page)  # a new question starts at page 1
    docs = page.locator("#hits .permalink").evaluate_all(
        "els => els.map(e => new URL(e.href).pathname)"
    )
    assert docs and len(docs) == len(set(docs))


def test_zero_results_offer_did_you_mean(server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/?q=genoem")
    settled(page)
    assert page.locator("#hits > li").count() == 0
    assert "No results" in page.locator("#status").inner_text()
    link = page.locator("#did-you-mean a")
    assert link.is_visible()
    suggestion = link.inner_text()
    assert suggestion and suggestion != "genoem"
    link.click()
    settled(page)
    assert params(page)["q"] == [suggestion]
    assert page.locator("#hits > li.hit").count() > 0


def test_synonyms_used_are_named_and_can_be_switched_off(server, watched: Watched) -> None:
    # The session server reads its synonyms from the index directory; the rule is there for
    # this test only ("jab" is in no seed, so without the rule the search finds nothing).
    rules = Path(server.index_dir) / "synonyms.txt"
    rules.write_text("jab => vaccine\n", encoding="utf-8")
    try:
        page = watched.page
        page.goto(server.url + "/?q=jab")
        settled(page)
        notice = page.locator("#also-searched")
        assert notice.is_visible()
        assert "Also searched: vaccine for “jab”" in notice.inner_text()
        assert page.locator("#hits > li.hit").count() > 0
        assert "vaccine" in page.locator("#hits .snippet mark").first.inner_text().lower()

        notice.locator("a", has_text="Search only the words typed").click()
        settled(page)
        assert params(page)["synonyms"] == ["false"] and params(page)["q"] == ["jab"]
        assert page.locator("#hits > li.hit").count() == 0
        assert "Synonyms off" in notice.inner_text()

        notice.locator("a", has_text="Include synonyms").click()
        settled(page)
        assert "synonyms" not in params(page)
        assert page.locator("#hits > li.hit").count() > 0
        page.go_back()  # the switch is in the history like any other change
        settled(page)
        assert params(page)["synonyms"] == ["false"]
    finally:
        rules.unlink()

    page.goto(server.url + "/?q=vaccine")  # no rule applies: nothing to say
    settled(page)
    assert page.locator("#also-searched").is_hidden()


@pytest.mark.backend_neutral
def test_api_errors_are_shown_readably(server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/?date_from=2021-01-01&date_to=2020-01-01")
    settled(page)
    error = page.locator("#error")
    assert error.is_visible()
    assert error.get_attribute("role") == "alert"
    assert "date_from" in error.inner_text()
    assert page.locator("#hits > li").count() == 0
    # Chromium logs the 400 itself; that one is expected, anything else still fails the test.
    watched.errors[:] = [e for e in watched.errors if "status of 400" not in e]


@pytest.mark.backend_neutral
def test_copy_citation(server, browser: Browser) -> None:
    w, context = new_page(browser, viewport={"width": 1280, "height": 900})
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        page = w.page
        page.goto(server.url + "/?q=genome")
        settled(page)
        button = page.locator("#hits .copy-citation").first
        button.click()
        page.wait_for_function(
            "() => document.querySelector('#hits .copy-citation').textContent === 'Copied'"
        )
        copied = page.evaluate("navigator.clipboard.readText()")
        assert re.search(re.escape(server.url) + r"/documents/[^\s#]+#p\d+", copied), copied
        assert w.errors == []
    finally:
        context.close()


# --- the document view -------------------------------------------------------------------------


def test_permalink_opens_the_paragraph_with_terms_marked(server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/?q=genome")
    settled(page)
    results_url = page.url
    link = page.locator("#hits .permalink").first
    href = link.get_attribute("href")
    paragraph = re.search(r"#(p\d+)$", href).group(1)
    assert "q=genome" in href
    link.click()
    page.wait_for_url(re.compile(r"/documents/"))
    target = page.locator(f"#{paragraph}")
    target.wait_for()
    page.wait_for_function("() => document.querySelector('.para.target') !== null")
    assert "target" in target.get_attribute("class")
    assert target.evaluate("e => e.matches(':target')")
    assert target.locator("mark.term").count() > 0
    assert target.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }"
    ), "the cited paragraph is scrolled into view"
    # Numbered paragraphs with anchors, title and metadata are there.
    assert page.locator("#paragraphs > li.para[id^=p]").count() > 1
    assert page.locator("h1.doc-title").inner_text().strip()
    assert page.locator("#doc-meta dt").count() > 0

    # Back to results returns to the exact results page.
    page.locator("#back").click()
    page.wait_for_url(results_url)
    settled(page)
    assert page.locator("#hits > li.hit").count() > 0


@pytest.mark.backend_neutral
def test_document_view_opened_directly_links_back_to_search(server, watched: Watched) -> None:
    page = watched.page
    resp = page.request.get(server.url + "/search", params={"q": "genome"})
    cite = resp.json()["hits"][0]["citation"]["url"]
    page.goto(server.url + cite)
    page.locator(".para.target").wait_for()
    back = page.locator("#back")
    assert urlsplit(back.get_attribute("href")).path == "/"


@pytest.mark.backend_neutral
def test_hostile_document_text_stays_text(make_server, browser: Browser, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "hostile.txt").write_text(
        f"Briefing about {XSS} and <script>alert(2)</script>\n\n"
        f"Mallory:\n\n"
        f"The {XSS_WORD} payload {XSS} must stay text, as must <script>alert(3)</script>.\n",
        encoding="utf-8",
    )
    srv = make_server(docs=[SEEDS, docs], workers=1)
    w, context = new_page(browser, viewport={"width": 1280, "height": 900})
    try:
        page = w.page
        page.goto(f"{srv.url}/?q={XSS_WORD}")
        settled(page)
        hit = page.locator("#hits > li.hit").first
        hit.wait_for()
        assert hit.locator("img, script").count() == 0
        assert XSS in hit.locator(".snippet").inner_text()
        hit.locator(".permalink").click()
        page.wait_for_url(re.compile(r"/documents/"))
        page.locator(".para.target").wait_for()
        text = page.locator("#paragraphs").inner_text()
        assert XSS in text
        assert page.locator("#doc img, #doc script").count() == 0
        page.wait_for_timeout(300)  # give a would-be onerror a chance to fire before we judge
        assert w.dialogs == []
        assert w.errors == []
    finally:
        context.close()


# --- small screens ------------------------------------------------------------------------------


@pytest.mark.backend_neutral
def test_360px_wide_has_no_horizontal_scroll(server, browser: Browser, tmp_path: Path) -> None:
    w, context = new_page(browser, viewport={"width": 360, "height": 780}, device_scale_factor=1)
    try:
        page = w.page
        page.goto(server.url + "/?q=genome")
        settled(page)
        assert page.locator("#filters").get_attribute("open") is None  # folded above results
        page.screenshot(path=str(tmp_path / "search-360.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        page.locator("#filters summary").click()
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        page.locator("#hits .permalink").first.click()
        page.locator(".para.target").wait_for()
        page.screenshot(path=str(tmp_path / "document-360.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        assert w.errors == []
    finally:
        context.close()


@pytest.mark.backend_neutral
def test_every_control_has_a_label(server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/?q=genome")
    settled(page)
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, button')]
              .filter(e => e.offsetParent !== null || e.type === 'checkbox')
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                           && !e.textContent.trim())
              .map(e => e.outerHTML)"""
    )
    assert unlabeled == []


@pytest.mark.backend_neutral
def test_keyboard_focus_survives_the_facet_refresh(server, watched: Watched) -> None:
    page = watched.page
    page.goto(server.url + "/?q=genome")
    settled(page)
    box = page.locator("#facets .facet-role input[type=checkbox]").first
    value = box.get_attribute("value")
    box.focus()
    page.keyboard.press("Space")
    settled(page)
    assert params(page)["role"] == [value]
    focused = page.evaluate("[document.activeElement.name, document.activeElement.value]")
    assert focused == ["role", value]  # the re-rendered checkbox has the focus back
