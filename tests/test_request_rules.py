"""The rules on what a client may send, each held once: search requests (``engine/request.py``),
document ids (``engine/ids.py``) and pushed dates (``engine/dates.py``) — checked in the engine,
through HTTP for every way in (GET, POST, Elasticsearch style, Atom), on the command line, and
against the OpenAPI document that states them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from helpers import Server, assert_error
from searchsvc.api.openapi import build_spec
from searchsvc.config import Settings
from searchsvc.engine.ids import DOC_ID_MAX_LENGTH, DOC_ID_PATTERN, check_doc_id, is_doc_id
from searchsvc.engine.models import SearchRequest
from searchsvc.engine.request import validate
from searchsvc.errors import InvalidDocument, InvalidParameter, QueryTooLong

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SETTINGS = Settings()


# --- one validation of a SearchRequest, in the engine ------------------------------------------

BAD_REQUESTS = [
    (SearchRequest(page=0), "page"),
    (SearchRequest(per_page=0), "per_page"),
    (SearchRequest(per_page=101), "per_page"),
    (SearchRequest(page=101, per_page=100), "page × per_page"),
    (SearchRequest(sort="random"), "sort"),
    (SearchRequest(group=""), "group"),
    (SearchRequest(date_from="2020-1-5"), "date_from"),
    (SearchRequest(date_to="20200105"), "date_to"),  # fromisoformat's basic form: not YYYY-MM-DD
    (SearchRequest(date_from="2020-02-30"), "date_from"),
    (SearchRequest(date_from="2021-01-01", date_to="2020-01-01"), "date_from"),
    (SearchRequest(filters={"colour": ["red"]}), "unknown filter"),
    (SearchRequest(filters={"year": [" 2020"]}), "year"),  # checked as given, not trimmed
    (SearchRequest(filters={"year": ["٢٠٢٠"]}), "year"),  # four ASCII digits, as the spec says
    (SearchRequest(filters={"speaker": ["x"] * 51}), "at most 50"),
    (SearchRequest(filters={"speaker": ["x" * 201]}), "200 characters"),
    (SearchRequest(q=" ".join(["w"] * 65)), "terms"),
]


@pytest.mark.parametrize(("request_", "named"), BAD_REQUESTS, ids=lambda v: str(v)[:60])
def test_the_engine_refuses_requests_that_break_a_rule(request_: SearchRequest, named: str):
    with pytest.raises(InvalidParameter) as info:
        validate(request_, SETTINGS)
    assert named in info.value.message


def test_query_length_counts_the_characters_sent():
    limit = SETTINGS.max_query_length
    assert validate(SearchRequest(q="é" * limit), SETTINGS).q == "é" * limit
    with pytest.raises(QueryTooLong):
        validate(SearchRequest(q="x" * limit + " "), SETTINGS)  # trailing space counts too


def test_validation_normalises_only_what_matching_needs():
    checked = validate(
        SearchRequest(q=" genome\x00 ", filters={"speaker": [" Xu ", "", "Xu"], "year": []}),
        SETTINGS,
    )
    assert checked.q == "genome"
    assert checked.filters == {"speaker": ["Xu"]}


def test_the_result_window_is_the_setting():
    narrow = Settings(max_result_window=50)
    validate(SearchRequest(page=5, per_page=10), narrow)
    with pytest.raises(InvalidParameter, match="50"):
        validate(SearchRequest(page=6, per_page=10), narrow)


def test_the_command_line_keeps_the_configured_result_window(tmp_path: Path):
    """SEARCHSVC_MAX_RESULT_WINDOW used to bind HTTP only; the engine now checks it for all."""
    env = {**os.environ, "SEARCHSVC_MAX_RESULT_WINDOW": "50"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        argv = [sys.executable, "-m", "searchsvc.cli", *args, "--index-dir", str(tmp_path)]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)

    assert cli("index", "--quiet", str(SEEDS)).returncode == 0
    assert cli("search", "china", "--page", "5").returncode == 0
    refused = cli("search", "china", "--page", "6")
    assert refused.returncode != 0
    assert "must not exceed 50" in refused.stderr and "[invalid_parameter]" in refused.stderr


# --- one document-id rule -------------------------------------------------------------------

GOOD_IDS = [
    "story-2024-0412",
    "000_a2191ec13ae00466",
    "à",
    "हिन्दी",
    "عَرَبِيّ",
    "中文报道",
    "~v1.2",
    "😀",
]
BAD_IDS = ["", "a b", "a/b", "a:b", "a#b", "a?b", "a%20b", ".", "..", " a", "a\u200fb", "a\ufffd"]


@pytest.mark.parametrize("doc_id", GOOD_IDS)
def test_ids_of_any_script_are_ids(doc_id: str):
    assert is_doc_id(doc_id) and check_doc_id(doc_id) == doc_id
    assert re.fullmatch(DOC_ID_PATTERN, doc_id)  # the pattern the OpenAPI document carries


@pytest.mark.parametrize("doc_id", [*BAD_IDS, "x" * (DOC_ID_MAX_LENGTH + 1)])
def test_ids_that_need_escaping_or_cannot_be_seen_are_refused(doc_id: str):
    assert not is_doc_id(doc_id)
    with pytest.raises(InvalidDocument):
        check_doc_id(doc_id)


def test_the_openapi_document_carries_the_rule():
    spec = build_spec(SETTINGS)
    for method in ("get", "put", "delete"):
        (param,) = [
            p
            for p in spec["paths"]["/documents/{doc_id}"][method]["parameters"]
            if p["in"] == "path"
        ]
        assert param["schema"]["pattern"] == DOC_ID_PATTERN
        assert param["schema"]["maxLength"] == DOC_ID_MAX_LENGTH


# --- through HTTP --------------------------------------------------------------------------------


def test_one_validation_for_get_post_es_and_atom(server: Server) -> None:
    """The same broken rule, asked four ways, gets the same answer."""
    answers = [
        server.get("/search", q="china", page="101", per_page="100"),
        server.request("POST", "/search", json={"q": "china", "page": 101, "per_page": 100}),
        server.request("POST", "/search", json={"from": 10_000, "size": 100}),
        server.get("/search.atom", q="china", page="101", per_page="100"),
    ]
    messages = {assert_error(resp, 400, "invalid_parameter")["message"] for resp in answers}
    assert len(messages) == 1 and "10000" in messages.pop()


BAD_HTTP = [
    ("GET", {"facets": "yes"}, "facets"),  # a boolean is written true or false
    ("GET", {"page": "+2"}, "page"),  # an integer is written in ASCII digits
    ("GET", {"page": "1_000"}, "page"),
    ("GET", {"date_from": "2020-1-5"}, "date_from"),
    ("GET", {"year": " 2020"}, "year"),
    ("POST", {"date_from": ""}, "date_from"),
    ("POST", {"group": ""}, "group"),
    ("POST", {"speaker": ["x"] * 51}, "at most 50"),
    ("POST", {"query": {"term": {"colour": "red"}}}, "filters work on"),
    ("POST", {"query": [[{"match_all": {}}]]}, "exactly one query type"),
    ("POST", {"query": {"match_all": {}}, "from": 5, "size": 10}, "multiple of size"),
    ("POST", {"query": {"range": {"date": {"gte": "2020-01-01T10:00"}}}}, "ISO date"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "params", "named"), BAD_HTTP, ids=lambda v: str(v)[:50])
def test_what_the_spec_forbids_is_refused(server: Server, method: str, params, named: str):
    if method == "GET":
        resp = server.get("/search", **params)
    else:
        resp = server.request("POST", "/search", json=params)
    assert named in assert_error(resp, 400, "invalid_parameter")["message"]


GOOD_HTTP = [
    {"q": "china", "speaker": None, "page": None},  # null is "not given"
    {"q": "china", "per_page": 5.0},  # JSON Schema's integer
    {"query": {"range": {"date": {"gte": "2020-01-01T00:00:00Z", "format": "strict_date"}}}},
    {"query": {"term": {"source.keyword": {"value": "China.org.cn"}}}},
    {"query": {"terms": {"year": [2020, "2020"]}}},
    {"query": {"match_phrase": {"speaker": "Xu Nanping"}}},  # a filter field filters
]


@pytest.mark.parametrize("body", GOOD_HTTP, ids=lambda v: json.dumps(v)[:60])
def test_what_the_spec_allows_is_answered(server: Server, body) -> None:
    resp = server.request("POST", "/search", json=body)
    assert resp.status_code == 200, resp.text[:300]


def test_empty_query_parameters_are_absent_ones(server: Server) -> None:
    body = server.get("/search", q="china", page="", per_page="", facets="").json()
    assert (body["page"], body["per_page"]) == (1, 10)


def test_the_atom_feed_documents_its_own_defaults(server: Server) -> None:
    spec = server.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/search.atom"]["get"]["parameters"]}
    assert params["per_page"]["schema"]["default"] == 20
    assert params["sort"]["schema"]["default"] == "-date"
    window = spec["paths"]["/search"]["get"]["parameters"]
    assert any("page × per_page" in p.get("description", "") for p in window)


def test_ids_outside_the_rule_are_not_found(server: Server) -> None:
    for doc_id in ("a%20b", "%2E%2E", "x" * 201):
        assert_error(server.get(f"/documents/{doc_id}"), 404, "document_not_found")


# --- pushed documents ---------------------------------------------------------------------------

KEY = "rules-write-key"


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory, backend: str):
    from helpers import running_server

    with running_server(
        tmp_path_factory.mktemp("rules"),
        env={"SEARCHSVC_WRITE_KEYS": KEY},
        workers=1,
        backend=backend,
    ) as srv:
        yield srv


def put(srv: Server, doc_id: str, body) -> requests.Response:
    return srv.request(
        "PUT",
        f"/documents/{quote(doc_id, safe='')}",
        json=body,
        headers={"Authorization": f"Bearer {KEY}"},
    )


@pytest.mark.parametrize("doc_id", ["à", "हिन्दी", "中文报道"])
def test_non_ascii_ids_are_pushed_and_read_back(writable: Server, doc_id: str) -> None:
    resp = put(writable, doc_id, {"title": "Noted", "body": "A story in any script."})
    assert resp.status_code in (200, 201), resp.text
    assert resp.json()["id"] == doc_id
    got = writable.get(f"/documents/{quote(doc_id, safe='')}", format="json")
    assert got.status_code == 200 and got.json()["id"] == doc_id


BAD_PUTS = [
    ("a b", {"body": "x"}),
    ("..x:y", {"body": "x"}),
    ("s1", {}),  # no body
    ("s1", {"body": "   "}),  # a body without text
    ("s1", {"uri": "", "body_text": "x"}),  # ninjs needs a uri
    ("s1", {"id": "s2", "body": "x"}),  # the body names another story
    ("s1", {"id": " s1", "body": "x"}),  # ids are taken as given
    ("s1", {"body": "x", "date": "next Tuesday"}),  # programs send ISO dates
    ("s1", {"body": "x", "date": "2020-02-30"}),
    ("s1", {"uri": "u", "body_text": "x", "versioncreated": "12/04/2024"}),
    ("s1", {"uri": "u", "body_text": "x", "versionCreated": "soon"}),  # 3.x spelling too
    ("s1", {"uri": "u", "body_text": "x", "description_caption": 5}),  # read or not, typed
    ("s1", {"uri": "u", "headline": "No body field"}),
    ("s1", {"body_html": None}),
]


@pytest.mark.parametrize(("doc_id", "body"), BAD_PUTS, ids=lambda v: json.dumps(v)[:40])
def test_pushes_the_spec_forbids_are_refused(writable: Server, doc_id: str, body) -> None:
    assert_error(put(writable, doc_id, body), 400, "invalid_document")


GOOD_PUTS = [
    {"id": "s3", "body": "Text.", "date": "2024-04-12T09:30:00Z", "title": None},
    {"id": 7, "body": "Numbers are ids too."},
    {"uri": "urn:x", "body_html": "<p>Text.</p>", "versioncreated": "2024-04-12"},
    {"uri": "urn:y", "headline": "Markup only", "body_html": "<p></p>"},  # the headline stands
    {"uri": "urn:z", "body_text": "Text.", "VERSIONCREATED": 5},  # no ninjs field: ignored
    {"id": "s4", "body": "Text.", "version": 3.0},  # an integer, as JSON Schema counts
]


@pytest.mark.parametrize("body", GOOD_PUTS, ids=lambda v: json.dumps(v)[:40])
def test_pushes_the_spec_allows_are_stored(writable: Server, body) -> None:
    doc_id = str(body.get("id", "ninjs-1"))
    resp = put(writable, doc_id, body)
    assert resp.status_code in (200, 201), resp.text
