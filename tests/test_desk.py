"""What a news desk asks for, over the real gunicorn: results over time, who said it, related
passages, exports and search analytics."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
from datetime import date
from pathlib import Path

import pytest

from helpers import SEEDS, Backend, Server, assert_error

HIT_KEYS = {
    "id", "score", "rank", "document", "paragraph", "speaker", "role", "text", "snippet",
    "highlights", "citation", "kind", "section", "start", "end",
}  # fmt: skip
READ_KEY = "desk-read-key"
AUTH = {"Authorization": f"Bearer {READ_KEY}"}


def all_hits(server: Server, headers: dict | None = None, **params) -> list[dict]:
    """Every hit of a search, page by page through /search."""
    hits: list[dict] = []
    page = 1
    while True:
        body = server.get("/search", headers=headers, per_page=100, page=page, **params).json()
        hits += body["hits"]
        if len(hits) >= body["total"] or not body["hits"]:
            return hits
        page += 1


# --- results over time ---------------------------------------------------------------------


def test_histogram_counts_the_whole_result_set(server: Server) -> None:
    body = server.get("/search", q="china", histogram="month", per_page=1).json()
    buckets = body["histogram"]
    assert buckets and set(buckets[0]) == {"key", "count", "from", "to"}
    dated = [h for h in all_hits(server, q="china") if h["document"]["date"]]
    assert sum(b["count"] for b in buckets) == len(dated)  # every result, not the page of one
    keys = [b["key"] for b in buckets]
    assert keys == sorted(keys) and all(len(k) == 7 and k[4] == "-" for k in keys)
    for b in buckets:  # each bucket is a calendar month, and counts the hits dated in it
        start, end = date.fromisoformat(b["from"]), date.fromisoformat(b["to"])
        assert start.day == 1 and b["key"] == b["from"][:7] and end >= start
        assert b["count"] == sum(b["from"] <= h["document"]["date"] <= b["to"] for h in dated)


def test_histogram_intervals_and_auto(server: Server) -> None:
    for interval, pattern in (("year", r"^\d{4}$"), ("week", r"^\d{4}-W\d{2}$"),
                              ("day", r"^\d{4}-\d{2}-\d{2}$"), ("auto", r".")):  # fmt: skip
        buckets = server.get("/search", q="", kind="transcript", histogram=interval).json()[
            "histogram"
        ]
        assert buckets, interval
        assert all(__import__("re").match(pattern, b["key"]) for b in buckets), interval
    assert len(server.get("/search", histogram="auto").json()["histogram"]) <= 60
    assert "histogram" not in server.get("/search", q="china").json()  # only when asked


def test_histogram_follows_filters_and_grouping(server: Server) -> None:
    narrowed = server.get(
        "/search", q="china", histogram="day", date_from="2020-03-28", date_to="2020-03-28"
    ).json()
    assert [b["key"] for b in narrowed["histogram"]] == ["2020-03-28"]
    assert narrowed["histogram"][0]["count"] == narrowed["total"]
    grouped = server.get("/search", q="china", histogram="year", group="document").json()
    assert sum(b["count"] for b in grouped["histogram"]) <= grouped["total"]
    posted = server.request("POST", "/search", json={"q": "china", "histogram": "year"}).json()
    assert (
        posted["histogram"]
        == server.get("/search", q="china", histogram="year").json()["histogram"]
    )


def test_histogram_errors_are_json(server: Server) -> None:
    assert_error(server.get("/search", q="china", histogram="decade"), 400, "invalid_parameter")
    resp = server.request("POST", "/search", json={"q": "china", "histogram": 3})
    assert_error(resp, 400, "invalid_parameter")


# --- who said it ---------------------------------------------------------------------------


def test_speakers_list_most_quoted_first(server: Server) -> None:
    body = server.get("/speakers").json()
    assert body["total"] == len(server.get("/speakers", per_page=100).json()["speakers"])
    speakers = body["speakers"]
    counts = [s["chunks"] for s in speakers]
    assert counts == sorted(counts, reverse=True)
    top = speakers[0]
    assert set(top) == {
        "name", "chunks", "documents", "roles", "first_date", "last_date", "events", "url",
    }  # fmt: skip
    facet = server.get("/search", speaker=top["name"], per_page=1).json()
    assert top["chunks"] == facet["total"]
    assert top["first_date"] <= top["last_date"]
    assert sum(r["count"] for r in top["roles"]) == top["chunks"]


def test_speakers_filter_by_name_and_role(server: Server) -> None:
    top = server.get("/speakers").json()["speakers"][0]
    part = top["name"].split()[-1].lower()
    found = server.get("/speakers", q=part).json()["speakers"]
    assert top["name"] in [s["name"] for s in found]
    assert all(part in s["name"].lower() for s in found)
    officials = server.get("/speakers", role="official", per_page=100).json()["speakers"]
    assert officials and all(any(r["value"] == "official" for r in s["roles"]) for s in officials)
    assert_error(server.get("/speakers", role="king"), 400, "invalid_parameter")
    assert_error(server.get("/speakers", page=0), 400, "invalid_parameter")


def test_one_speaker_record_and_quotes(server: Server) -> None:
    top = server.get("/speakers").json()["speakers"][0]
    body = server.get(top["url"]).json()
    assert body["speaker"] == top
    assert body["sort"] == "-date" and body["total"] == top["chunks"]
    dates = [h["document"]["date"] for h in body["hits"]]
    assert dates == sorted(dates, reverse=True)
    assert all(h["speaker"] == top["name"] and set(h) >= HIT_KEYS for h in body["hits"])
    word = body["hits"][0]["text"].split()[-1].strip(".,;:!?\"'”")
    about = server.get(top["url"], q=word).json()
    assert about["sort"] == "relevance" and 0 < about["total"] <= top["chunks"]
    assert all("<mark>" in h["snippet"] for h in about["hits"])
    assert server.get(top["url"].lower()).json()["speaker"]["name"] == top["name"]  # any case
    assert_error(server.get("/speakers/Nobody%20Atall"), 404, "speaker_not_found")
    assert_error(server.get(top["url"], sort="loudest"), 400, "invalid_parameter")


def test_speaker_pages_are_html_for_browsers(server: Server) -> None:
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path in ("/speakers", "/speakers/Xu%20Nanping"):
        resp = server.get(path, headers=html)
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
        assert 'src="/static/speakers.js"' in resp.text
        assert server.get(path).headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/speakers", {"page": "0"}),
        ("/speakers", {"role": "hero"}),
        ("/speakers/Xu%20Nanping", {"per_page": "1.5"}),
        ("/speakers/Xu%20Nanping", {"page": "101", "per_page": "100"}),
    ],
)
def test_a_bad_parameter_is_refused_for_the_page_too(server: Server, path: str, params) -> None:
    """The page reads the same parameters: a bad link says so, whichever the format."""
    for fmt in ("html", "json"):
        assert_error(server.get(path, format=fmt, **params), 400, "invalid_parameter")


# --- related passages ----------------------------------------------------------------------


def test_related_passages_come_from_other_documents(server: Server) -> None:
    hit = server.get("/search", q="genome").json()["hits"][0]
    doc, p = hit["document"]["id"], hit["paragraph"]
    body = server.get(f"/documents/{doc}/related", p=p).json()
    assert body["document"] == doc and body["paragraph"] == p
    assert body["terms"] and body["hits"] and body["total"] >= len(body["hits"])
    assert all(h["document"]["id"] != doc for h in body["hits"])
    assert all(set(h) == set(hit) for h in body["hits"])  # the same shape as /search
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    best = body["hits"][0]["text"].lower()
    assert any(t in best for t in body["terms"])  # found by the paragraph's own words
    assert len(server.get(f"/documents/{doc}/related", p=p, limit=2).json()["hits"]) == 2


def test_related_errors(server: Server) -> None:
    doc = server.get("/search", q="genome").json()["hits"][0]["document"]["id"]
    assert_error(server.get(f"/documents/{doc}/related"), 400, "invalid_parameter")
    assert_error(server.get(f"/documents/{doc}/related", p="x"), 400, "invalid_parameter")
    assert_error(server.get(f"/documents/{doc}/related", p=99999), 404, "document_not_found")
    assert_error(server.get("/documents/nope/related", p=1), 404, "document_not_found")


# --- export --------------------------------------------------------------------------------


def test_csv_export_streams_every_match_with_citations(server: Server) -> None:
    expected = all_hits(server, q="china")
    assert len(expected) > 10, "more than a page of /search, to show the export is not a page"
    resp = server.get("/search.csv", q="china", per_page=5)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.headers["X-Total-Count"] == str(len(expected))
    assert "Content-Length" not in resp.headers  # streamed
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [r["id"] for r in rows] == [h["id"] for h in expected]
    first = rows[0]
    assert first["citation"] == expected[0]["citation"]["text"]
    assert first["url"] == server.url + expected[0]["citation"]["url"]
    assert first["text"] == expected[0]["text"]


def test_ndjson_export_is_one_hit_per_line(server: Server) -> None:
    expected = all_hits(server, q="vaccine", sort="-date")
    resp = server.get("/search.ndjson", q="vaccine", sort="-date")
    assert resp.headers["Content-Type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in resp.text.splitlines()]
    assert [h["id"] for h in lines] == [h["id"] for h in expected]
    assert set(lines[0]) == set(expected[0])
    assert lines[0]["citation"]["url"].startswith(server.url + "/documents/")
    assert_error(server.get("/search.csv", sort="sideways"), 400, "invalid_parameter")


def test_a_long_export_keeps_search_order_across_many_stories(backend: Backend, tmp_path) -> None:
    """More stories than one request of a cluster export carries (it walks them page by page,
    interleaving their chunks by score): the rows are still /search's, in /search's order, and
    the limit cuts the same list."""
    from searchsvc.config import Settings
    from searchsvc.engine.models import SearchRequest
    from searchsvc.engine.service import Engine

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(130):
        paragraphs = [
            " ".join(["heron"] * (1 + (i * 7 + p) % 5) + ["marsh", "reed", f"pool{i % 9}"])
            for p in range(3)
        ]
        (docs / f"note{i:03d}.txt").write_text(
            f"Field note {i}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8"
        )
    engine = Engine(Settings.from_env(backend.env(), index_dir=tmp_path / "index"))
    engine.index_paths([docs])

    def paged(**params) -> list[str]:
        ids: list[str] = []
        for page in range(1, 100):
            result = engine.search(SearchRequest(per_page=50, page=page, **params))
            ids += [h.id for h in result.hits]
            if len(ids) >= result.total:
                return ids
        raise AssertionError("paging did not end")

    for params in ({"q": "heron"}, {"q": "heron", "group": "document"}, {"q": "marsh pool3"}):
        total, hits = engine.export(SearchRequest(**params), limit=1000)
        expected = paged(**params)
        assert len(expected) >= (130 if params.get("group") else 200), params
        assert total == len(expected) and [h.id for h in hits] == expected, params
    total, hits = engine.export(SearchRequest(q="heron"), limit=7)
    expected = paged(q="heron")
    assert total == len(expected) and [h.id for h in hits] == expected[:7]


# --- analytics, keys, export limit and formula cells on a server of their own ---------------


@pytest.fixture(scope="module")
def desk_server(tmp_path_factory: pytest.TempPathFactory):
    from helpers import running_server

    docs = tmp_path_factory.mktemp("formula-docs")
    (docs / "formula.txt").write_text(
        'Spreadsheet briefing\n\n=HYPERLINK("http://example.invalid","zebrafinch")\n\n'
        "+zebrafinch counts for two\n\n@zebrafinch and -zebrafinch too\n",
        encoding="utf-8",
    )
    env = {"SEARCHSVC_READ_KEYS": READ_KEY, "SEARCHSVC_MAX_EXPORT": "3"}
    with running_server(tmp_path_factory.mktemp("desk"), docs=[SEEDS, docs], env=env) as srv:
        yield srv


def test_export_is_bounded_and_formula_safe(desk_server: Server) -> None:
    resp = desk_server.get("/search.csv", headers=AUTH, q="zebrafinch")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert resp.headers["X-Total-Count"] == "3" and len(rows) == 3
    assert all(not r["text"].startswith(("=", "+", "-", "@")) for r in rows)
    assert {r["text"][:2] for r in rows} <= {"'=", "'+", "'@"}
    china = desk_server.get("/search.ndjson", headers=AUTH, q="china")
    assert int(china.headers["X-Total-Count"]) > 3 and len(china.text.splitlines()) == 3


def test_searches_and_clicks_make_the_stats(desk_server: Server) -> None:
    def search(q: str) -> dict:
        return desk_server.get("/search", headers=AUTH, q=q).json()

    for _ in range(3):
        search("Genome  SEQUENCE")
    search("zzqxnothing")
    hit = search("cooperation")["hits"][0]
    resp = desk_server.request(
        "POST",
        "/analytics/click",
        headers={**AUTH, "Content-Type": "text/plain;charset=UTF-8"},
        data=json.dumps({"q": "genome sequence", "id": "x:1", "rank": 1}),
    )
    assert resp.status_code == 204
    assert resp.headers.get("Set-Cookie") is None
    stats = desk_server.get("/stats", headers=AUTH).json()
    top = {r["query"]: r for r in stats["top_queries"]}
    assert top["genome sequence"]["searches"] == 3  # normalised: case and spaces
    assert top["genome sequence"]["results"] > 0
    assert {"query": "zzqxnothing", "searches": 1} in stats["zero_result_queries"]
    unclicked = {r["query"] for r in stats["no_click_queries"]}
    assert "cooperation" in unclicked and "genome sequence" not in unclicked
    today = date.today().isoformat()
    assert any(r["day"] == today and r["searches"] >= 5 for r in stats["searches_per_day"])
    latency = {r["percentile"]: r["ms"] for r in stats["latency"]}
    assert set(latency) == {50, 90, 95, 99} and 0 < latency[50] <= latency[99]
    assert hit["id"]


def test_stats_csv_tables(desk_server: Server) -> None:
    desk_server.get("/search", headers=AUTH, q="=cmd|' /C calc'!A0")
    for path, params in (("/stats/zero_result_queries.csv", {}),
                         ("/stats", {"format": "csv", "table": "zero_result_queries"})):  # fmt: skip
        resp = desk_server.get(path, headers=AUTH, **params)
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(resp.text)))
        assert rows and set(rows[0]) == {"query", "searches"}
        assert not any(r["query"].startswith("=") for r in rows)
        assert any(r["query"].startswith("'=cmd") for r in rows)
    assert_error(desk_server.get("/stats/passwords.csv", headers=AUTH), 404, "not_found")
    assert_error(
        desk_server.get("/stats", headers=AUTH, format="csv", table="x"), 400, "invalid_parameter"
    )
    assert_error(desk_server.get("/stats", headers=AUTH, days=0), 400, "invalid_parameter")
    for fmt in ("html", "json"):  # checked whatever the format, as the spec says
        for bad in ({"table": "x"}, {"limit": "0"}):
            resp = desk_server.get("/stats", headers=AUTH, format=fmt, **bad)
            assert_error(resp, 400, "invalid_parameter")


def test_stats_need_a_read_key_when_keys_are_on(desk_server: Server) -> None:
    assert_error(desk_server.get("/stats"), 401, "unauthorized")
    assert_error(desk_server.get("/stats/top_queries.csv"), 401, "unauthorized")
    assert desk_server.get("/stats", headers=AUTH).status_code == 200


def test_analytics_never_store_who_searched(desk_server: Server) -> None:
    agent = "DeskReporterBrowser/9.9"
    desk_server.get("/search", headers={**AUTH, "User-Agent": agent}, q="privacyprobe")
    db = desk_server.index_dir / "analytics.sqlite3"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        dump = "\n".join(conn.iterdump())
    assert "privacyprobe" in dump
    for secret in (agent, READ_KEY, "127.0.0.1"):
        assert secret not in dump


def test_concurrent_searches_on_two_workers_each_leave_one_row(desk_server: Server) -> None:
    n_threads, per_thread = 4, 10
    errors: list[str] = []

    def run(k: int) -> None:
        for i in range(per_thread):
            resp = desk_server.get("/search", headers=AUTH, q=f"concurrencyprobe{k}x{i}")
            if resp.status_code != 200:
                errors.append(resp.text)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = desk_server.index_dir / "analytics.sqlite3"
    with sqlite3.connect(db) as conn:
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM searches WHERE query LIKE 'concurrencyprobe%'"
        ).fetchone()
    assert count == n_threads * per_thread


def test_analytics_off_records_nothing(make_server) -> None:
    srv = make_server(env={"SEARCHSVC_ANALYTICS": "false"}, workers=1)
    assert srv.get("/search", q="genome").status_code == 200
    assert_error(srv.get("/stats"), 404, "analytics_disabled")
    click = srv.request("POST", "/analytics/click", json={"q": "genome", "id": "a:1"})
    assert click.status_code == 204
    assert not Path(srv.index_dir / "analytics.sqlite3").exists()


def test_click_errors_are_json(server: Server) -> None:
    post = server.request
    assert_error(post("POST", "/analytics/click", data="{", headers={"Content-Type": "text/plain"}),
                 400, "invalid_parameter")  # fmt: skip
    assert_error(post("POST", "/analytics/click", json={"q": "x"}), 400, "invalid_parameter")
    assert_error(post("POST", "/analytics/click", json={"id": "a", "rank": "1"}), 400,
                 "invalid_parameter")  # fmt: skip
    resp = post("POST", "/analytics/click", data="x" * 5000, headers={"Content-Type": "text/plain"})
    assert_error(resp, 413, "payload_too_large")
    resp = post("POST", "/analytics/click", data="<a/>", headers={"Content-Type": "text/xml"})
    assert resp.status_code == 415
