"""The HTTP contract (README "The HTTP contract"), checked over real HTTP against the real gunicorn (``server``
fixture: 2 workers, index of ``seeds/``). Field names are relied on by clients, so they are
compared exactly; every error goes through ``assert_error``."""

from __future__ import annotations

import ast
import copy
import html
import re
import time
from datetime import date
from typing import Any

import pytest
import requests

from helpers import ROOT, SEEDS, Server, assert_error
from searchsvc.config import Settings
from searchsvc.engine.models import FACETS

TOP_KEYS = {"query", "total", "page", "per_page", "took_ms", "hits", "facets", "suggestion"}
HIT_KEYS = {
    "id", "score", "rank", "document", "paragraph", "speaker", "role", "text", "snippet",
    "highlights", "citation",
}  # fmt: skip
DOCUMENT_KEYS = {"id", "title", "source", "date", "kind", "event", "url", "author"}
SEED_IDS = sorted(p.stem for p in SEEDS.iterdir() if p.is_file())


def search(server: Server, **params: Any) -> dict[str, Any]:
    resp = server.get("/search", **params)
    assert resp.status_code == 200, resp.text[:500]
    return resp.json()


def hit_value(hit: dict[str, Any], facet: str) -> str | None:
    """The value a hit has for a facet, as the facet lists spell it."""
    if facet in ("speaker", "role"):
        return hit[facet]
    if facet == "year":
        return (hit["document"]["date"] or "")[:4] or None
    return hit["document"][facet]


# --- the contract, field by field ------------------------------------------------------------


def test_search_contract_field_by_field(server: Server) -> None:
    body = search(server, q="genome")
    assert set(body) == TOP_KEYS
    assert body["query"] == "genome"
    assert type(body["total"]) is int and body["total"] >= 1
    assert body["page"] == 1 and body["per_page"] == 10
    assert isinstance(body["took_ms"], int | float) and body["took_ms"] >= 0
    assert body["suggestion"] is None  # a known term needs no correction
    assert 1 <= len(body["hits"]) <= 10
    assert [h["rank"] for h in body["hits"]] == list(range(1, len(body["hits"]) + 1))
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    for hit in body["hits"]:
        assert set(hit) >= HIT_KEYS
        doc = hit["document"]
        assert set(doc) == DOCUMENT_KEYS
        assert isinstance(doc["author"], list) and all(isinstance(a, str) for a in doc["author"])
        assert doc["id"] in SEED_IDS
        assert isinstance(doc["title"], str) and doc["title"]
        assert doc["date"] is None or date.fromisoformat(doc["date"])
        assert hit["id"] == f"{doc['id']}:{hit['paragraph']}"
        assert type(hit["paragraph"]) is int and hit["paragraph"] >= 1
        assert isinstance(hit["score"], int | float)
        assert hit["speaker"] is None or isinstance(hit["speaker"], str)
        assert hit["role"] in (None, "official", "questioner", "moderator", "quoted")
        assert isinstance(hit["text"], str) and hit["text"]
        assert "<mark>" in hit["snippet"]
        marked = [
            hit["text"][start:end].lower()
            for start, end in hit["highlights"]
            if 0 <= start < end <= len(hit["text"])
        ]
        assert len(marked) == len(hit["highlights"]) >= 1
        assert any("genom" in m for m in marked), marked
        assert isinstance(hit["citation"]["text"], str) and hit["citation"]["text"]
        assert hit["citation"]["url"] == f"/documents/{doc['id']}#p{hit['paragraph']}"
    check_facets(body["facets"])


def check_facets(facets: dict[str, list[dict[str, Any]]]) -> None:
    assert set(FACETS) <= set(facets)
    for name, values in facets.items():
        assert isinstance(values, list), name
        for item in values:
            assert set(item) == {"value", "count"}, (name, item)
            assert isinstance(item["value"], str) and type(item["count"]) is int
        counts = [item["count"] for item in values]
        assert counts == sorted(counts, reverse=True), (name, counts)


def test_facets_count_the_whole_result_set(server: Server) -> None:
    body = search(server, q="china", per_page=1)
    assert body["total"] > 1 and len(body["hits"]) == 1
    for name in ("kind", "source"):  # every chunk has one value of these
        assert sum(v["count"] for v in body["facets"][name]) == body["total"], name


def test_unknown_term_gets_a_suggestion(server: Server) -> None:
    body = search(server, q="genomme")
    assert isinstance(body["suggestion"], str)
    assert "genome" in body["suggestion"]


def test_a_pattern_is_not_corrected(server: Server) -> None:
    # "genomm" alone is corrected to "genome"; as a prefix it is what the person asked for.
    assert search(server, q="genomm")["suggestion"] == "genome"
    assert search(server, q="genomm*")["suggestion"] is None
    assert search(server, q="genomm* sequnce")["suggestion"] == "genomm* sequence"


def test_a_short_word_is_corrected_within_fewer_edits(server: Server) -> None:
    # Two edits from "ok" or "b" reach "one" and "bgi" in the seeds: nothing the person typed
    # toward. Corrections reach as far as the word is long: none for one or two letters, one
    # edit up to five, two beyond.
    assert search(server, q="ok")["suggestion"] is None
    assert search(server, q="b")["suggestion"] is None
    assert search(server, q="chna")["suggestion"] == "china"  # one edit
    assert search(server, q="chxnx")["suggestion"] is None  # two edits from "china"
    assert search(server, q="vacine")["suggestion"] == "vaccine"


# --- filters and facets agree ----------------------------------------------------------------


@pytest.mark.parametrize("facet", FACETS)
def test_filtering_by_a_facet_value_returns_its_count(server: Server, facet: str) -> None:
    base = search(server, q="china")
    values = base["facets"][facet][:3]
    if not values:
        pytest.skip(f"no {facet} values for this query")
    for item in values:
        filtered = search(server, q="china", per_page=100, **{facet: item["value"]})
        assert filtered["total"] == item["count"], (facet, item)
        assert all(hit_value(h, facet) == item["value"] for h in filtered["hits"])
        # The selected value stays listed, with the same count, so the UI can show it ticked.
        listed = {v["value"]: v["count"] for v in filtered["facets"][facet]}
        assert listed.get(item["value"]) == item["count"], (facet, listed)


@pytest.mark.parametrize("q", ["coronavirus vaccine", "vaccine"])
def test_a_paragraph_about_it_outranks_photo_captions(server: Server, q: str) -> None:
    """Short captions full of the query's words rank below the paragraph where someone talks
    about it, on every backend (the kind prior is part of the contract, not of one engine)."""
    hits = server.get("/search", q=q, facets="false").json()["hits"]
    assert hits[0]["kind"] == "paragraph" and "vaccine" in hits[0]["text"].lower(), hits[0]
    captions = [i for i, h in enumerate(hits) if h["kind"] == "caption"]
    talking = [i for i, h in enumerate(hits) if h["kind"] == "paragraph"]
    assert not captions or talking[0] < captions[0]


def test_a_chunk_saying_every_word_comes_before_one_leaning_on_its_title(server: Server) -> None:
    """Coverage, on every backend: in the seeds "China" is in a document's title, so every
    paragraph of it matches `coronavirus china`; the one that says China itself comes first,
    not the one that says "Chinese researchers" (another stem) and the novel coronavirus."""
    hits = server.get("/search", q="coronavirus china", facets="false").json()["hits"]
    words = set(re.findall(r"\w+", hits[0]["text"].lower()))
    assert {"china", "coronavirus"} <= words, hits[0]["text"]


def test_a_long_question_gets_feedback_on_every_backend(server: Server) -> None:
    """Relevance feedback asks the backend for its candidate words' chunk counts (their idf);
    the question is answered, its best answer first."""
    hits = server.get(
        "/search", q="which countries got test kits from China", facets="false"
    ).json()["hits"]
    assert "test kits" in hits[0]["text"] and "countries" in hits[0]["text"], hits[0]["text"]


def test_or_within_a_filter_and_across_filters(server: Server) -> None:
    base = search(server, q="china")
    kinds = base["facets"]["kind"][:2]
    if len(kinds) < 2:
        pytest.skip("seeds give one kind only")
    either = search(server, q="china", kind=[k["value"] for k in kinds])
    assert either["total"] == kinds[0]["count"] + kinds[1]["count"]
    role = base["facets"]["role"][0]
    both = search(server, q="china", kind=kinds[0]["value"], role=role["value"], per_page=100)
    assert both["total"] <= min(kinds[0]["count"], role["count"])
    for hit in both["hits"]:
        assert hit["document"]["kind"] == kinds[0]["value"] and hit["role"] == role["value"]


def test_unknown_filter_value_matches_nothing(server: Server) -> None:
    body = search(server, q="china", speaker="Nobody Atall")
    assert body["total"] == 0 and body["hits"] == []


def test_date_range_filters_by_document_date(server: Server) -> None:
    body = search(server, q="china", date_from="2020-03-28", date_to="2020-03-28", per_page=100)
    assert body["total"] >= 1
    assert {h["document"]["date"] for h in body["hits"]} == {"2020-03-28"}


def test_empty_q_with_filters_lists_chunks_by_date(server: Server) -> None:
    kind = search(server, q="china")["facets"]["kind"][0]
    body = search(server, kind=kind["value"], per_page=100)
    assert body["total"] >= kind["count"] >= 1
    assert all(h["document"]["kind"] == kind["value"] for h in body["hits"])
    dates = [h["document"]["date"] or "" for h in body["hits"]]
    assert dates in (sorted(dates), sorted(dates, reverse=True)), dates


@pytest.mark.parametrize("sort", ["date", "-date"])
def test_sort_by_date(server: Server, sort: str) -> None:
    hits = search(server, q="china", sort=sort, per_page=100)["hits"]
    dates = [h["document"]["date"] for h in hits if h["document"]["date"]]
    assert dates == sorted(dates, reverse=sort == "-date")


# --- paging and grouping ---------------------------------------------------------------------


def test_pages_do_not_overlap(server: Server) -> None:
    pages = [search(server, q="china", per_page=5, page=n) for n in (1, 2, 3)]
    ids = [[h["id"] for h in p["hits"]] for p in pages]
    flat = [i for page in ids for i in page]
    assert len(flat) == len(set(flat)), ids
    assert all(p["total"] == pages[0]["total"] for p in pages)
    assert [h["rank"] for h in pages[1]["hits"]][:1] == ([6] if ids[1] else [])
    whole = search(server, q="china", per_page=15)
    assert [h["id"] for h in whole["hits"]] == flat


def test_page_past_the_end_is_empty_not_an_error(server: Server) -> None:
    body = search(server, q="genome", page=50)
    assert body["hits"] == [] and body["total"] >= 1 and body["page"] == 50


def test_group_by_document_gives_unique_documents(server: Server) -> None:
    body = search(server, q="china", group="document", per_page=100)
    doc_ids = [h["document"]["id"] for h in body["hits"]]
    assert doc_ids and len(doc_ids) == len(set(doc_ids))
    assert body["total"] == len(doc_ids) <= len(SEED_IDS)


# --- documents and citations -----------------------------------------------------------------


def test_citation_url_returns_the_paragraph_as_json_and_html(server: Server) -> None:
    hit = search(server, q="genome")["hits"][0]
    path, _, fragment = hit["citation"]["url"].partition("#")
    assert fragment == f"p{hit['paragraph']}"

    resp = server.get(path, headers={"Accept": "application/json"})
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/json")
    doc = resp.json()
    assert doc["id"] == hit["document"]["id"]
    paragraph = {p["number"]: p for p in doc["paragraphs"]}[hit["paragraph"]]
    assert hit["text"] in paragraph["text"]
    assert paragraph["speaker"] == hit["speaker"]

    page = server.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f'id="{fragment}"' in page.text
    assert html.escape(hit["text"][:60], quote=True) in page.text
    assert page.headers["Content-Security-Policy"] == "default-src 'self'"
    assert "Accept" in page.headers.get("Vary", "")


def test_document_format_parameter_overrides_accept(server: Server) -> None:
    resp = server.get(f"/documents/{SEED_IDS[0]}", format="json")
    assert resp.json()["id"] == SEED_IDS[0]
    numbers = [p["number"] for p in resp.json()["paragraphs"]]
    assert numbers == list(range(1, len(numbers) + 1))


# --- errors ----------------------------------------------------------------------------------

BAD_SEARCHES = [
    ({"per_page": "0"}, 400, "invalid_parameter"),
    ({"per_page": "101"}, 400, "invalid_parameter"),
    ({"page": "-1"}, 400, "invalid_parameter"),
    ({"page": "0"}, 400, "invalid_parameter"),
    ({"page": "abc"}, 400, "invalid_parameter"),
    ({"per_page": "1e3"}, 400, "invalid_parameter"),
    ({"date_from": "yesterday"}, 400, "invalid_parameter"),
    ({"date_to": "2020-13-45"}, 400, "invalid_parameter"),
    ({"date_from": "2021-01-01", "date_to": "2020-01-01"}, 400, "invalid_parameter"),
    ({"sort": "bogus"}, 400, "invalid_parameter"),
    ({"group": "speaker"}, 400, "invalid_parameter"),
    ({"year": "20x0"}, 400, "invalid_parameter"),
    ({"page": "100000", "per_page": "100"}, 400, "invalid_parameter"),
    ({"q": "x" * 1001}, 400, "query_too_long"),
    ({"q": "é" * 1001}, 400, "query_too_long"),  # characters, not bytes, are counted
    ({"q": " ".join(["word"] * 200)}, 400, "too_many_terms"),
]


@pytest.mark.parametrize(("params", "status", "code"), BAD_SEARCHES, ids=lambda v: str(v)[:40])
def test_bad_search_parameters(server: Server, params: dict, status: int, code: str) -> None:
    error = assert_error(server.get("/search", **params), status, code)
    if "per_page" in params and code == "invalid_parameter" and "page" not in params:
        assert "per_page" in error["message"]


def test_post_search_answers_exactly_like_get(server: Server) -> None:
    params = {"q": "china", "kind": ["transcript", "article"], "per_page": 5, "page": 2}
    got = search(server, **params)
    posted = server.request("POST", "/search", json=params)
    assert posted.status_code == 200, posted.text[:300]
    assert posted.json() | {"took_ms": 0} == got | {"took_ms": 0}
    single = server.request("POST", "/search", json={"q": "china", "kind": "transcript"})
    assert single.json()["total"] == search(server, q="china", kind="transcript")["total"]


def test_post_search_takes_queries_too_long_for_a_url(server: Server) -> None:
    assert server.request("POST", "/search", json={"q": "中" * 1000}).status_code == 200
    resp = server.request("POST", "/search", json={"q": "中" * 1001})
    assert_error(resp, 400, "query_too_long")


BAD_POSTS = [
    ({"data": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, "invalid_parameter"),
    ({"json": ["q"]}, 400, "invalid_parameter"),
    ({"json": {"qq": "typo"}}, 400, "invalid_parameter"),
    ({"json": {"page": "2"}}, 400, "invalid_parameter"),
    ({"json": {"page": True}}, 400, "invalid_parameter"),
    ({"json": {"per_page": 101}}, 400, "invalid_parameter"),
    ({"json": {"date_from": "yesterday"}}, 400, "invalid_parameter"),
    ({"json": {"speaker": [1, 2]}}, 400, "invalid_parameter"),
    ({"json": {"facets": "no"}}, 400, "invalid_parameter"),
    ({"data": b"q=china"}, 415, "unsupported_media_type"),
    ({"json": {"q": "x" * 70_000}}, 413, "payload_too_large"),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "status", "code"), BAD_POSTS, ids=lambda v: str(v)[:40])
def test_bad_post_search(server: Server, kwargs: dict, status: int, code: str) -> None:
    assert_error(server.request("POST", "/search", **kwargs), status, code)


def test_query_of_exactly_the_limit_is_accepted(server: Server) -> None:
    assert server.get("/search", q="genome " + "x" * 993).status_code == 200  # 1,000 chars


def test_long_non_latin_queries_reach_the_app(server: Server) -> None:
    """1,000 CJK characters are ~9 KB URL-encoded, over gunicorn's default request-line cap:
    the cap is lifted so the app answers — 200 within the limit, JSON 400 past it."""
    assert server.get("/search", q="中" * 1000).status_code == 200
    assert_error(server.get("/search", q="中" * 1001), 400, "query_too_long")


def test_unknown_document_is_404(server: Server) -> None:
    assert_error(server.get("/documents/no_such_doc"), 404, "document_not_found")
    assert_error(
        server.get("/documents/no_such_doc", headers={"Accept": "text/html"}),
        404,
        "document_not_found",
    )


def test_unknown_path_is_404(server: Server) -> None:
    assert_error(server.get("/nope"), 404, "not_found")
    assert_error(server.get("/static/../pyproject.toml"), 404, "not_found")
    assert_error(server.get("/static/no-such-file.js"), 404, "not_found")


def test_wrong_method_is_405(server: Server) -> None:
    resp = server.request("POST", "/health", json={})
    assert_error(resp, 405, "method_not_allowed")
    assert "GET" in resp.headers["Allow"]
    assert_error(server.request("DELETE", "/search"), 405, "method_not_allowed")
    assert_error(server.request("PUT", "/health"), 405, "method_not_allowed")


def test_head_on_health_and_page(server: Server) -> None:
    for url in ("/health", "/"):
        resp = server.request("HEAD", url)
        assert resp.status_code == 200 and resp.content == b"", url


def test_bad_format_is_400(server: Server) -> None:
    assert_error(server.get(f"/documents/{SEED_IDS[0]}", format="pdf"), 400, "invalid_parameter")


def test_bad_suggest_limit_is_400(server: Server) -> None:
    assert_error(server.get("/suggest", q="gen", limit="0"), 400, "invalid_parameter")


# --- other endpoints -------------------------------------------------------------------------


def test_suggest_completes_terms_by_prefix(server: Server) -> None:
    body = server.get("/suggest", q="gen").json()
    assert body["query"] == "gen"
    values = [s["value"] for s in body["suggestions"]]
    assert any(v.lower().startswith("genom") for v in values), values
    for s in body["suggestions"]:
        assert set(s) == {"value", "type", "count"} and s["type"] in ("term", "speaker")
    counts = [s["count"] for s in body["suggestions"]]
    assert counts == sorted(counts, reverse=True)
    assert server.get("/suggest").json()["suggestions"] == []


def test_suggest_offers_speakers(server: Server) -> None:
    body = server.get("/suggest", q="xu").json()
    assert any(s["type"] == "speaker" and s["value"].startswith("Xu") for s in body["suggestions"])


def test_health(server: Server) -> None:
    resp = server.get("/health")
    body = resp.json()
    assert set(body) - {"cluster"} == {
        "status", "documents", "chunks", "generation", "index", "backend", "version",
    }  # fmt: skip
    if body["backend"] == "opensearch":  # a cluster also says how it is
        assert body["cluster"]["status"] in ("green", "yellow") and body["cluster"]["nodes"] >= 1
    else:
        assert "cluster" not in body
    assert body["status"] == "ok" and body["documents"] == len(SEED_IDS)
    assert body["chunks"] > body["documents"]
    assert isinstance(body["generation"], int) and isinstance(body["version"], str)
    assert resp.headers["Cache-Control"] == "no-store"


# --- OpenAPI ---------------------------------------------------------------------------------


def _inline_refs(node: Any, spec: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _inline_refs(copy.deepcopy(target), spec)
        return {k: _inline_refs(v, spec) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, spec) for v in node]
    return node


def test_openapi_is_valid_and_matches_responses(server: Server) -> None:
    from jsonschema import Draft202012Validator
    from openapi_spec_validator import validate

    spec = server.get("/openapi.json").json()
    validate(spec)
    assert spec["openapi"].startswith("3.1")

    def schema(name: str) -> dict[str, Any]:
        return _inline_refs({"$ref": f"#/components/schemas/{name}"}, spec)

    Draft202012Validator(schema("SearchResponse")).validate(search(server, q="genome"))
    Draft202012Validator(schema("Document")).validate(
        server.get(f"/documents/{SEED_IDS[0]}", format="json").json()
    )
    Draft202012Validator(schema("Suggestions")).validate(server.get("/suggest", q="gen").json())
    Draft202012Validator(schema("Health")).validate(server.get("/health").json())
    Draft202012Validator(schema("Error")).validate(server.get("/search", page="x").json())


def test_every_route_is_documented_and_every_documented_get_answers(server: Server) -> None:
    from searchsvc.api.app import routes

    spec = server.get("/openapi.json").json()
    templates = {t for t, _ in routes(Settings(), None, None)}  # type: ignore[arg-type]
    assert templates == set(spec["paths"])
    examples = {"doc_id": SEED_IDS[0], "name": "search.js"}
    for path, item in spec["paths"].items():
        if "get" not in item:  # write-only routes (POST /documents/_bulk): tests/test_cms.py
            assert set(item) <= {"post", "put", "delete"}, path
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: examples[m.group(1)], path)
        resp = server.get(url)
        assert resp.status_code < 500, (url, resp.status_code, resp.text[:300])
        assert str(resp.status_code) in item["get"]["responses"], (url, resp.status_code)


# --- caching, compression, security headers ---------------------------------------------------


def test_etag_and_304(server: Server) -> None:
    first = server.get("/search", q="genome")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"]
    again = server.get("/search", headers={"If-None-Match": etag}, q="genome")
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    other = server.get("/search", q="china")
    assert other.headers["ETag"] != etag
    assert server.get("/search", headers={"If-None-Match": etag}, q="china").status_code == 200

    doc_json = server.get(f"/documents/{SEED_IDS[0]}", headers={"Accept": "application/json"})
    doc_html = server.get(f"/documents/{SEED_IDS[0]}", headers={"Accept": "text/html"})
    assert doc_json.headers["ETag"] != doc_html.headers["ETag"]  # representations differ

    page = server.get("/")
    assert page.status_code == 200 and page.headers["ETag"]
    assert server.get("/", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304


def test_errors_are_not_cached(server: Server) -> None:
    resp = server.get("/search", per_page="0")
    assert resp.headers["Cache-Control"] == "no-store" and "ETag" not in resp.headers


def test_gzip_when_asked(server: Server) -> None:
    zipped = server.get("/search", headers={"Accept-Encoding": "gzip"}, q="china", per_page=50)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    plain = server.get("/search", headers={"Accept-Encoding": "identity"}, q="china", per_page=50)
    assert "Content-Encoding" not in plain.headers
    assert zipped.json() | {"took_ms": 0} == plain.json() | {"took_ms": 0}
    assert int(zipped.headers["Content-Length"]) < int(plain.headers["Content-Length"])
    small = server.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers  # not worth it under 1 KB


def test_csp_on_html_only(server: Server) -> None:
    for url in ("/", f"/documents/{SEED_IDS[0]}"):
        resp = server.get(url, headers={"Accept": "text/html"})
        assert resp.headers["Content-Type"].startswith("text/html")
        assert resp.headers["Content-Security-Policy"] == "default-src 'self'"
    assert server.get("/health").headers["X-Content-Type-Options"] == "nosniff"


# --- metrics and logs ------------------------------------------------------------------------


def _health_count(server: Server) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    text = server.get("/metrics").text
    for family in text_string_to_metric_families(text):
        if family.name == "searchsvc_http_requests":
            return sum(
                s.value
                for s in family.samples
                if s.name.endswith("_total")
                and s.labels == {"route": "/health", "method": "GET", "status": "200"}
            )
    return 0.0


def test_metrics_sum_requests_across_workers(server: Server) -> None:
    before = _health_count(server)
    for _ in range(30):  # a fresh connection each time: the kernel spreads them over workers
        assert requests.get(server.url + "/health", timeout=10).status_code == 200
    assert _health_count(server) - before == 30
    text = server.get("/metrics").text
    assert "searchsvc_http_request_duration_seconds_bucket" in text
    assert 'route="/documents/{doc_id}"' in text or 'route="/search"' in text


def test_access_log_has_latency_and_startup_line_has_url(server: Server) -> None:
    server.get("/health", marker="logcheck")
    line = re.compile(r'"GET /health\?marker=logcheck HTTP/1\.1" 200 \d+ \d+\.\d{6}s')
    # The worker writes the access line after the response has gone: poll for it, briefly.
    deadline = time.monotonic() + 10
    log = server.log()
    while not line.search(log) and time.monotonic() < deadline:
        log = server.log()
    assert f"listening on {server.url}/" in log
    assert line.search(log), log[-2000:]


def test_serve_indexes_seeds_when_the_index_is_empty(make_server) -> None:
    fresh = make_server(prebuild=False, workers=1)
    assert fresh.get("/health").json()["documents"] == len(SEED_IDS)
    assert "indexed" in fresh.log()


# --- no input yields a 5xx -------------------------------------------------------------------

NASTY = [
    '"unbalanced', "((", "OR", "AND AND", "-", "*", "a*", "*a", "speaker:", "title:(", "NOT",
    "\x00", "%", "😀", "<script>alert(1)</script>", "'; DROP TABLE", "q" * 1000, "中文 检索",
    "2019-nCoV", "76,000", "S&T", "title:[a TO", "~", "^2", "\\", "field:value:extra",
]  # fmt: skip


@pytest.mark.parametrize("q", NASTY)
def test_odd_queries_never_fail(server: Server, q: str) -> None:
    resp = server.get("/search", q=q)
    assert resp.status_code == 200, (q, resp.status_code, resp.text[:300])
    assert set(resp.json()) == TOP_KEYS


def test_random_parameters_never_give_5xx(server: Server) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    names = ["q", "page", "per_page", "sort", "group", "date_from", "year", "speaker", "facets"]
    text = st.text(max_size=40)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.dictionaries(st.sampled_from(names), text, max_size=4))
    def check(params: dict[str, str]) -> None:
        resp = server.get("/search", **params)
        assert resp.status_code < 500, (params, resp.text[:300])
        if resp.status_code != 200:
            assert_error(resp, resp.status_code, resp.json()["error"]["code"])

    check()


# --- layering --------------------------------------------------------------------------------


def test_api_imports_no_whoosh_and_no_cli() -> None:
    for path in sorted((ROOT / "src" / "searchsvc" / "api").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top not in ("whoosh", "click"), (path.name, name)
                assert not name.endswith("cli"), (path.name, name)
