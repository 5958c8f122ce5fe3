"""CMS integration against the real gunicorn with 2 workers: the write API, API keys,
CORS, Elasticsearch-style search, OpenSearch and Atom, and reindex/backup/restore while serving.

Visibility is checked by polling with a deadline over fresh connections (gunicorn's workers take
turns, so a run of consecutive answers covers both); nothing sleeps to pass.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from helpers import (
    SEEDS,
    SRC,
    Backend,
    ClientThreads,
    Server,
    assert_error,
    running_server,
    storage_env,
)

WRITE_KEY = "cms-write-Ke¥-0123456789"  # non-ASCII on purpose: compare_digest needs bytes
READ_KEY = "cms-read-key-9876543210"
ORIGIN = "https://cms.example"
W = {"Authorization": f"Bearer {WRITE_KEY}".encode()}  # type: ignore[dict-item]
ATOM = "{http://www.w3.org/2005/Atom}"
OS = "{http://a9.com/-/spec/opensearch/1.1/}"
VISIBLE_WITHIN = 1.0
STREAK = 20  # consecutive answers on fresh connections: both workers answer among them


@pytest.fixture(scope="module")
def cms(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[Server]:
    """Seeds + write key + one CORS origin; reads public."""
    env = {"SEARCHSVC_WRITE_KEYS": f"{WRITE_KEY},other-write", "SEARCHSVC_CORS_ORIGINS": ORIGIN}
    with running_server(tmp_path_factory.mktemp("cms"), env=env, backend=backend) as srv:
        yield srv


def put(srv: Server, doc_id: str, body: Any, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("headers", W)
    return srv.request("PUT", f"/documents/{doc_id}", json=body, **kwargs)


def story(title: str, *paragraphs: str, **fields: Any) -> dict[str, Any]:
    return {"title": title, "body": "\n\n".join(paragraphs), **fields}


def fresh_search(srv: Server, **params: Any) -> dict[str, Any]:
    """A search on a new connection (``Connection: close``), so any worker may answer."""
    resp = srv.get("/search", headers={"Connection": "close"}, **params)
    assert resp.status_code == 200, resp.text[:300]
    return resp.json()


def settles_within(check: Callable[[], bool], seconds: float, streak: int = STREAK) -> float:
    """Seconds until ``check`` held ``streak`` times in a row; fails past ``seconds`` (+ the
    time the streak itself takes)."""
    t0 = time.monotonic()
    run_started: float | None = None
    run = 0
    while True:
        now = time.monotonic()
        if check():
            run_started = now if run == 0 else run_started
            run += 1
            if run >= streak:
                assert run_started is not None
                return run_started - t0
        else:
            run = 0
            assert now - t0 < seconds, f"not settled within {seconds}s"


def hits_of(srv: Server, word: str) -> int:
    return fresh_search(srv, q=word, facets="false")["total"]


# --- PUT, visibility, versions ---------------------------------------------------------------


def test_put_is_searchable_from_every_worker_within_a_second(cms: Server) -> None:
    resp = put(cms, "vis-1", story("Visibility", "The quokkaphant was sighted in the harbour."))
    assert resp.status_code == 201, resp.text
    waited = settles_within(lambda: hits_of(cms, "quokkaphant") == 1, VISIBLE_WITHIN)
    assert waited < VISIBLE_WITHIN


def test_put_creates_then_replaces(cms: Server) -> None:
    first = put(cms, "rep-1", story("Replace me", "Alpha paragraph one.", "Alpha paragraph two."))
    assert first.status_code == 201
    assert first.json() == {"id": "rep-1", "result": "created", "chunks": 2, "version": None}
    assert first.headers["Location"] == "/documents/rep-1"
    second = put(cms, "rep-1", story("Replaced", "Only one paragraph now, about zanzibarite."))
    assert second.status_code == 200
    assert second.json() == {"id": "rep-1", "result": "updated", "chunks": 1, "version": None}
    settles_within(lambda: hits_of(cms, "zanzibarite") == 1, VISIBLE_WITHIN)
    doc = cms.get("/documents/rep-1", format="json").json()
    assert doc["title"] == "Replaced" and len(doc["paragraphs"]) == 1


def test_older_version_is_409_and_changes_nothing(cms: Server) -> None:
    assert put(cms, "ver-1", story("V5", "Revision five text.", version=5)).status_code == 201
    late = put(cms, "ver-1", story("V3", "Revision three text, a late retry.", version=3))
    assert_error(late, 409, "version_conflict")
    same = put(cms, "ver-1", story("V5 again", "Revision five, resent.", version=5))
    assert same.status_code == 200  # the same version may be resent (idempotent retry)
    newer = put(cms, "ver-1", story("V10", "Revision ten text.", version=10))
    assert newer.status_code == 200 and newer.json()["version"] == "10"  # 10 > 5 as numbers
    assert_error(put(cms, "ver-1", story("V9", "Nine.", version=9)), 409, "version_conflict")
    doc = cms.get("/documents/ver-1", format="json").json()
    assert doc["title"] == "V10" and doc["version"] == "10"


def test_ninjs_round_trip_with_facets(cms: Server) -> None:
    ninjs = {
        "uri": "urn:newsml:example.com:20240301:ninjs-1",
        "headline": "Ministers meet on fisheries",
        "body_html": "<p>The ministers discussed krillomancy quotas.</p><p>Talks go on.</p>",
        "byline": "Ana Reporter",
        "versioncreated": "2024-03-01T10:00:00+01:00",
        "located": "Reykjavik",
        "subject": [{"code": "medtop:20000210", "name": "Fishing industry"}],
        "person": [{"name": "Jane Minister"}],
        "organisation": [{"name": "Nordic Council"}],
        "copyrightholder": "Example Wire",
    }
    resp = cms.request(
        "PUT",
        "/documents/ninjs-1",
        data=json.dumps(ninjs),
        headers={**W, "Content-Type": "application/ninjs+json"},
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["chunks"] == 2 and resp.json()["version"] == "2024-03-01T09:00:00+00:00"
    settles_within(lambda: hits_of(cms, "krillomancy") == 1, VISIBLE_WITHIN)
    body = fresh_search(cms, q="krillomancy")
    hit = body["hits"][0]
    assert hit["document"]["title"] == "Ministers meet on fisheries"
    assert hit["document"]["source"] == "Example Wire" and hit["document"]["date"] == "2024-03-01"
    # The byline is the author, not a speaker: it is in the document, its facet and the citation.
    assert hit["speaker"] is None and hit["document"]["author"] == ["Ana Reporter"]
    assert hit["citation"]["text"].startswith("Ana Reporter, Ministers meet on fisheries (")
    assert {"value": "Ana Reporter", "count": 1} in body["facets"]["author"]
    assert {h["document"]["id"] for h in fresh_search(cms, author="Ana Reporter")["hits"]} == {
        "ninjs-1"
    }
    assert {"value": "Fishing industry", "count": 1} in body["facets"]["subject"]
    assert {"value": "Jane Minister", "count": 1} in body["facets"]["person"]
    assert {"value": "Reykjavik", "count": 1} in body["facets"]["place"]
    filtered = fresh_search(cms, subject="Fishing industry")
    assert {h["document"]["id"] for h in filtered["hits"]} == {"ninjs-1"}
    # An older revision of the same story loses: versioncreated orders ninjs revisions.
    older = {**ninjs, "versioncreated": "2024-03-01T08:00:00Z", "body_text": "Stale."}
    assert_error(put(cms, "ninjs-1", older), 409, "version_conflict")


# --- DELETE, bulk ------------------------------------------------------------------------------


def test_delete_removes_every_chunk(cms: Server) -> None:
    paras = [f"Paragraph {n} of the doomed story about vexillomancy." for n in range(1, 6)]
    assert put(cms, "del-1", story("Doomed", *paras, source="del-test")).json()["chunks"] == 5
    settles_within(lambda: hits_of(cms, "vexillomancy") == 5, VISIBLE_WITHIN)
    resp = cms.request("DELETE", "/documents/del-1", headers=W)
    assert resp.status_code == 204 and resp.content == b""
    settles_within(lambda: hits_of(cms, "vexillomancy") == 0, VISIBLE_WITHIN)
    assert fresh_search(cms, source="del-test")["total"] == 0
    assert_error(cms.get("/documents/del-1", format="json"), 404, "document_not_found")
    assert_error(cms.request("DELETE", "/documents/del-1", headers=W), 404, "document_not_found")


def test_bulk_with_one_bad_line(cms: Server) -> None:
    assert put(cms, "bulk-gone", story("Gone", "To be deleted by bulk.")).status_code == 201
    lines = [
        json.dumps(story("Bulk one", "Bulk paragraph about xylophagy.", id="bulk-1")),
        '{"id": "bulk-bad", "body": ',  # truncated JSON: fails alone
        json.dumps({"index": {"_id": "bulk-2"}}),  # Elasticsearch's two-line form
        json.dumps(story("Bulk two", "Second bulk paragraph on xylophagy.", "And more.")),
        json.dumps({"id": "bulk-3", "title": 7, "body": "wrong type of title"}),
        "",
        json.dumps({"delete": "bulk-gone"}),
        json.dumps({"delete": {"_id": "bulk-never-existed"}}),
    ]
    resp = cms.request(
        "POST",
        "/documents/_bulk",
        data="\n".join(lines) + "\n",
        headers={**W, "Content-Type": "application/x-ndjson"},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["errors"] is True and isinstance(body["took"], int)
    got = [
        (action, item["_id"], item["status"]) for i in body["items"] for action, item in i.items()
    ]
    assert got == [
        ("index", "bulk-1", 201),
        ("index", None, 400),
        ("index", "bulk-2", 201),
        ("index", "bulk-3", 400),
        ("delete", "bulk-gone", 200),
        ("delete", "bulk-never-existed", 404),
    ]
    items = [next(iter(i.values())) for i in body["items"]]
    assert items[0]["result"] == "created" and items[0]["chunks"] == 1
    assert items[2]["chunks"] == 2 and items[2]["line"] == 4
    assert items[1]["error"]["code"] == "invalid_document"
    assert (
        items[3]["error"]["code"] == "invalid_document" and "title" in items[3]["error"]["message"]
    )
    assert items[4]["result"] == "deleted"
    assert items[5]["error"]["code"] == "document_not_found"
    settles_within(lambda: hits_of(cms, "xylophagy") == 2, VISIBLE_WITHIN)
    assert_error(cms.get("/documents/bulk-gone", format="json"), 404, "document_not_found")


def test_bulk_all_good_has_no_errors(cms: Server) -> None:
    lines = [
        json.dumps(story(f"B{n}", f"Good bulk line {n}.", id=f"bulk-ok-{n}")) for n in range(3)
    ]
    resp = cms.request(
        "POST",
        "/documents/_bulk",
        data="\n".join(lines),
        headers={**W, "Content-Type": "application/json"},
    )
    assert resp.status_code == 200 and resp.json()["errors"] is False
    assert [next(iter(i.values()))["status"] for i in resp.json()["items"]] == [201, 201, 201]


def test_bulk_versions_and_repeated_ids_line_by_line(cms: Server) -> None:
    """Lines of one request are stored together but checked one at a time, in order: an older
    version fails its line alone, an id sent twice ends at its later line, and every line
    answered is searchable."""
    assert (
        put(cms, "bv-1", story("Kept", "Version five on quokkas.", version="5")).status_code == 201
    )
    lines = [
        story("Old", "Version three on numbats.", id="bv-1", version="3"),
        story("First", "Revision one on bilbies.", id="bv-2", version="1"),
        story("Second", "Revision two on bandicoots.", id="bv-2", version="2"),
        story("Stale", "Revision one again on bilbies.", id="bv-2", version="1"),
        {"delete": "bv-3"},
        story("Brief", "Short life of a potoroo.", id="bv-3"),
        {"delete": "bv-3"},
        story("Newer", "Version six on quokkas and dunnarts.", id="bv-1", version="6"),
    ]
    resp = cms.request(
        "POST",
        "/documents/_bulk",
        data="".join(json.dumps(line) + "\n" for line in lines),
        headers={**W, "Content-Type": "application/x-ndjson"},
    )
    assert resp.status_code == 200, resp.text
    items = [next(iter(i.values())) for i in resp.json()["items"]]
    assert [i["status"] for i in items] == [409, 201, 200, 409, 404, 201, 200, 200]
    assert items[0]["error"]["code"] == items[3]["error"]["code"] == "version_conflict"
    assert all(fresh_search(cms, q=w)["total"] == 0 for w in ("numbats", "bilbies", "potoroo"))
    assert fresh_search(cms, q="bandicoots")["total"] == 1
    assert fresh_search(cms, q="dunnarts")["total"] == 1
    assert cms.get("/documents/bv-1", format="json").json()["version"] == "6"
    assert cms.get("/documents/bv-2", format="json").json()["version"] == "2"


# --- paging through equal scores -------------------------------------------------------------

TIE_WORD = "tiebreakium"
TIE_DOCS = ["tie-07", "tie-02", "tie-11", "tie-05", "tie-09", "tie-01", "tie-10", "tie-04"]


@pytest.fixture(scope="module")
def ties(cms: Server) -> int:
    """Stories written in shuffled id order, each two identical paragraphs with the same date:
    every chunk scores and dates alike, so only the tie-break orders them."""
    lines = [
        json.dumps(
            story(
                "Ties",
                f"The {TIE_WORD} report.",
                f"The {TIE_WORD} report.",
                id=doc_id,
                date="2026-01-02",
            )
        )
        for doc_id in TIE_DOCS
    ]
    resp = cms.request(
        "POST", "/documents/_bulk", data="\n".join(lines),
        headers={**W, "Content-Type": "application/json"},
    )  # fmt: skip
    assert resp.status_code == 200 and resp.json()["errors"] is False, resp.text[:300]
    n = 2 * len(TIE_DOCS)
    settles_within(lambda: hits_of(cms, TIE_WORD) == n, 5.0)
    return n


@pytest.mark.parametrize("sort", ["relevance", "-date"])
def test_pages_through_ties_have_no_duplicate_or_gap(cms: Server, ties: int, sort: str) -> None:
    whole = fresh_search(cms, q=TIE_WORD, sort=sort, per_page=100, facets="false")["hits"]
    assert len(whole) == ties
    paged = []
    for page in range(1, ties // 3 + 2):
        paged += fresh_search(cms, q=TIE_WORD, sort=sort, per_page=3, page=page)["hits"]
    assert [h["id"] for h in paged] == [h["id"] for h in whole]
    # Equal scores (or dates) fall back to document id, then paragraph, on every backend.
    for a, b in itertools.pairwise(whole):
        if sort == "-date" or a["score"] == b["score"]:
            key_a = (a["document"]["id"], a["paragraph"])
            key_b = (b["document"]["id"], b["paragraph"])
            assert key_a < key_b, (a["id"], a["score"], b["id"], b["score"])


def test_pages_of_documents_through_ties_have_no_duplicate_or_gap(cms: Server, ties: int) -> None:
    whole = fresh_search(cms, q=TIE_WORD, group="document", per_page=100)["hits"]
    paged = []
    for page in range(1, len(TIE_DOCS) // 3 + 2):
        paged += fresh_search(cms, q=TIE_WORD, group="document", per_page=3, page=page)["hits"]
    assert [h["document"]["id"] for h in paged] == [h["document"]["id"] for h in whole]
    assert sorted(h["document"]["id"] for h in whole) == sorted(TIE_DOCS)


# --- bad writes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "invalid_document"),
        (b"[1, 2]", "application/json", 400, "invalid_document"),
        (b'{"title": "no body"}', "application/json", 400, "invalid_document"),
        (b'{"body": 12}', "application/json", 400, "invalid_document"),
        (b'{"body": "x", "person": [1, 2]}', "application/json", 400, "invalid_document"),
        (b'{"body": "x", "date": "yesterday-ish"}', "application/json", 400, "invalid_document"),
        (b'{"id": "another-id", "body": "x"}', "application/json", 400, "invalid_document"),
        (b"\xff\xfe\x00", "application/json", 400, "invalid_document"),
        (b"[" * 100_000, "application/json", 400, "invalid_document"),
        (b'{"body": "x"}', "text/plain", 415, "unsupported_media_type"),
        (b'{"body": "x"}', None, 415, "unsupported_media_type"),
    ],
)
def test_bad_put(
    cms: Server, data: bytes, content_type: str | None, status: int, code: str
) -> None:
    headers = dict(W)
    if content_type:
        headers["Content-Type"] = content_type
    resp = cms.request("PUT", "/documents/bad-put", data=data, headers=headers)
    assert_error(resp, status, code)


def test_body_over_the_limit_is_413(make_server: Callable[..., Server]) -> None:
    srv = make_server(
        docs=[SEEDS / "000_a2191ec13ae00466.txt"],
        env={"SEARCHSVC_WRITE_KEYS": "k", "SEARCHSVC_MAX_BODY_BYTES": "1000"},
    )
    big = story("Big", "word " * 400)
    resp = srv.request("PUT", "/documents/big", json=big, headers={"Authorization": "Bearer k"})
    assert_error(resp, 413, "payload_too_large")
    ok = srv.request(
        "PUT", "/documents/small", json=story("S", "small"), headers={"Authorization": "Bearer k"}
    )
    assert ok.status_code == 201
    bulk = srv.request(
        "POST",
        "/documents/_bulk",
        data=(json.dumps(story("x", "y", id="z")) + "\n") * 50,
        headers={"Authorization": "Bearer k", "Content-Type": "application/x-ndjson"},
    )
    assert_error(bulk, 413, "payload_too_large")


def test_bad_document_ids(cms: Server) -> None:
    assert_error(put(cms, "has space", story("x", "y")), 400, "invalid_document")
    assert_error(put(cms, "x" * 300, story("x", "y")), 400, "invalid_document")
    assert_error(cms.request("GET", "/documents/_bulk"), 405, "method_not_allowed")


# --- keys ----------------------------------------------------------------------------------------


def test_writes_need_a_write_key(cms: Server) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": WRITE_KEY}):
        resp = put(cms, "auth-1", story("x", "y"), headers=headers)
        assert_error(resp, 401, "unauthorized")
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert WRITE_KEY not in resp.text
    assert_error(cms.request("DELETE", "/documents/rep-1"), 401, "unauthorized")
    assert_error(
        cms.request(
            "POST", "/documents/_bulk", data="{}", headers={"Content-Type": "application/x-ndjson"}
        ),
        401,
        "unauthorized",
    )
    other = put(cms, "auth-1", story("x", "y"), headers={"Authorization": "bearer other-write"})
    assert other.status_code == 201  # any configured write key; the scheme is case-insensitive
    assert WRITE_KEY not in cms.log() and "other-write" not in cms.log()


def test_read_keys_protect_reads_but_not_health_or_page(
    make_server: Callable[..., Server], tmp_path: Path
) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text("# CMS keys\nread:from-file-read\nwrite:from-file-write\n")
    srv = make_server(
        docs=[SEEDS / "000_a2191ec13ae00466.txt"],
        env={"SEARCHSVC_READ_KEYS": READ_KEY, "SEARCHSVC_KEYS_FILE": str(keys_file)},
    )
    for path in (
        "/search?q=genome",
        "/suggest?q=gen",
        "/search.atom?q=genome",
        "/documents/000_a2191ec13ae00466",
    ):
        assert_error(srv.request("GET", path), 401, "unauthorized")
        for key in (READ_KEY, "from-file-read", "from-file-write"):
            resp = srv.request("GET", path, headers={"Authorization": f"Bearer {key}"})
            assert resp.status_code == 200, (path, key, resp.text[:200])
    assert_error(srv.request("POST", "/search", json={"q": "genome"}), 401, "unauthorized")
    for path in ("/health", "/", "/static/search.js", "/openapi.json", "/opensearch.xml"):
        assert srv.request("GET", path).status_code == 200, path
    read_only = {"Authorization": f"Bearer {READ_KEY}"}
    assert_error(put(srv, "k1", story("x", "y"), headers=read_only), 403, "forbidden")
    assert_error(
        srv.request("DELETE", "/documents/000_a2191ec13ae00466", headers=read_only),
        403,
        "forbidden",
    )
    writer = {"Authorization": "Bearer from-file-write"}
    assert put(srv, "k1", story("x", "from the keys file")).status_code == 401
    assert put(srv, "k1", story("x", "from the keys file"), headers=writer).status_code == 201
    # Rotation: the keys file is re-read when it changes, without a restart.
    keys_file.write_text("read:from-file-read\nwrite:rotated-write\n")
    settles_within(
        lambda: put(srv, "k1", story("x", "y"), headers=writer).status_code == 401, 5.0, streak=4
    )
    rotated = put(srv, "k1", story("x", "y"), headers={"Authorization": "Bearer rotated-write"})
    assert rotated.status_code == 200


def test_no_write_keys_means_no_writes(server: Server) -> None:
    resp = server.request(
        "PUT", "/documents/x", json=story("x", "y"), headers={"Authorization": "Bearer x"}
    )
    assert_error(resp, 401, "unauthorized")
    assert "no write keys" in resp.json()["error"]["message"]


# --- CORS ----------------------------------------------------------------------------------------


def test_cors_preflight_for_a_write(cms: Server) -> None:
    resp = cms.request(
        "OPTIONS",
        "/documents/some-story",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert resp.status_code in (200, 204)
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    methods = {m.strip() for m in resp.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "PUT", "DELETE"} <= methods
    allowed = {h.strip().lower() for h in resp.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "Origin" in resp.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in resp.headers
    # The actual request, and its error, are readable by the CMS page.
    denied = put(cms, "some-story", story("x", "y"), headers={"Origin": ORIGIN})
    assert_error(denied, 401, "unauthorized")
    assert denied.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "WWW-Authenticate" in denied.headers["Access-Control-Expose-Headers"]
    bulk = cms.request(
        "OPTIONS",
        "/documents/_bulk",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "POST" in bulk.headers["Access-Control-Allow-Methods"]


def test_cors_refuses_other_origins(cms: Server) -> None:
    resp = cms.request(
        "OPTIONS",
        "/documents/x",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"},
    )
    assert "Access-Control-Allow-Origin" not in resp.headers
    assert (
        "Access-Control-Allow-Origin"
        not in cms.get("/search", headers={"Origin": "https://evil.example"}).headers
    )


# --- concurrency ---------------------------------------------------------------------------------


def test_concurrent_writers_lose_nothing(cms: Server) -> None:
    """4 clients × 50 writes: per-client ids (revised in order) and ids all clients fight over.
    Every id must end at its highest version with that version's paragraphs, and nothing else."""
    clients, writes = 4, 50
    expected: dict[str, int] = {}
    statuses: list[tuple[str, int, int]] = []
    lock = threading.Lock()

    def plan(client: int, n: int) -> tuple[str, int]:
        version = n * clients + client + 1  # unique per write, increasing per client
        doc_id = f"conc-own-{client}-{n % 7}" if n % 2 == 0 else f"conc-shared-{n % 5}"
        return doc_id, version

    for c in range(clients):
        for n in range(writes):
            doc_id, version = plan(c, n)
            expected[doc_id] = max(expected.get(doc_id, 0), version)

    def paragraphs(doc_id: str, version: int) -> list[str]:
        return [
            f"Concurrent story {doc_id} at revision v{version}, paragraph {p}, about quillwort."
            for p in range(1, version % 4 + 2)
        ]

    def client(c: int) -> None:
        with requests.Session() as session:
            for n in range(writes):
                doc_id, version = plan(c, n)
                doc = story(f"{doc_id} v{version}", *paragraphs(doc_id, version))
                doc.update(version=version, source="concurrency-test")
                resp = session.put(f"{cms.url}/documents/{doc_id}", json=doc, headers=W, timeout=30)
                with lock:
                    statuses.append((doc_id, version, resp.status_code))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(statuses) == clients * writes
    assert {s for _, _, s in statuses} <= {200, 201, 409}, sorted({s for _, _, s in statuses})
    for doc_id, version, status in statuses:
        if status == 409:  # only an id another client had already moved past
            assert doc_id.startswith("conc-shared-") and version < expected[doc_id]
    for doc_id, version in expected.items():
        assert (doc_id, version, 409) not in statuses  # the highest version always wins

    want_chunks = sum(len(paragraphs(d, v)) for d, v in expected.items())

    def final_state_visible() -> bool:
        body = fresh_search(cms, source="concurrency-test", per_page=100, facets="false")
        return body["total"] == want_chunks

    settles_within(final_state_visible, VISIBLE_WITHIN, streak=4)
    seen: dict[str, int] = {}
    page = 1
    while True:
        body = fresh_search(cms, source="concurrency-test", per_page=100, page=page, facets="false")
        for hit in body["hits"]:
            seen[hit["document"]["id"]] = seen.get(hit["document"]["id"], 0) + 1
        if page * 100 >= body["total"]:
            break
        page += 1
    assert seen == {d: len(paragraphs(d, v)) for d, v in expected.items()}
    for doc_id, version in expected.items():
        doc = cms.get(f"/documents/{doc_id}", format="json").json()
        assert doc["version"] == str(version), doc_id
        assert [p["text"] for p in doc["paragraphs"]] == paragraphs(doc_id, version)


# --- Elasticsearch-style search, OpenSearch, Atom ------------------------------------------------


def test_es_style_search_answers_like_get(cms: Server) -> None:
    get = cms.get("/search", q="genome", per_page=3, page=2, speaker="Xu Nanping").json()
    es = cms.request(
        "POST",
        "/search",
        json={
            "query": {
                "bool": {
                    "must": {"query_string": {"query": "genome"}},
                    "filter": [{"term": {"speaker": "Xu Nanping"}}],
                }
            },
            "from": 3,
            "size": 3,
            "track_total_hits": True,
        },
    ).json()
    for body in (get, es):
        body.pop("took_ms")
    assert es == get
    simple = cms.request("POST", "/search", json={"query": {"query_string": {"query": "genome"}}})
    plain = cms.get("/search", q="genome").json()
    assert [h["id"] for h in simple.json()["hits"]] == [h["id"] for h in plain["hits"]]
    by_date = cms.request(
        "POST",
        "/search",
        json={"query": {"match": {"text": "genome"}}, "sort": [{"date": {"order": "desc"}}]},
    ).json()
    assert [h["id"] for h in by_date["hits"]] == [
        h["id"] for h in cms.get("/search", q="genome", sort="-date").json()["hits"]
    ]
    ranged = cms.request(
        "POST",
        "/search",
        json={
            "query": {"match_all": {}},
            "post_filter": {"range": {"date": {"gte": "2020-03-28", "lte": "2020-03-28"}}},
        },
    ).json()
    assert (
        ranged["total"]
        == cms.get("/search", date_from="2020-03-28", date_to="2020-03-28").json()["total"]
    )


@pytest.mark.parametrize(
    "body",
    [
        {"query": {"query_string": {"query": "genome"}}, "from": 5, "size": 10},
        {"query": {"query_string": {"query": "genome"}}, "size": 0},
        {"query": {"query_string": {"query": "genome"}}, "size": 101},
        {"query": {"query_string": {"query": 5}}},
        {"query": {"fuzzy": {"text": "genome"}}},
        {"query": {"bool": {"should": [{"match": {"text": "x"}}]}}},
        {"query": {"term": {"nonsense_field": "x"}}},
        {"query": {"range": {"date": {"gte": "last week"}}}},
        {"query": "genome"},
        {"query": {}, "aggs": {}},
        {"query": {"match_all": {}}, "sort": [{"title": "asc"}]},
        {
            "query": {
                "bool": {
                    "must": {"bool": {"must": {"bool": {"must": {"bool": {"must": {"bool": {}}}}}}}}
                }
            }
        },
    ],
)
def test_bad_es_search_is_400(cms: Server, body: dict[str, Any]) -> None:
    assert_error(cms.request("POST", "/search", json=body), 400, "invalid_parameter")


def test_opensearch_description(cms: Server) -> None:
    resp = cms.get("/opensearch.xml")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/opensearchdescription+xml")
    root = ET.fromstring(resp.content)
    assert root.tag == f"{OS}OpenSearchDescription"
    assert root.findtext(f"{OS}ShortName") == "searchsvc"
    assert root.findtext(f"{OS}InputEncoding") == "UTF-8"
    templates = {
        u.get("type"): u.get("template") for u in root.findall(f"{OS}Url") if u.get("rel") != "self"
    }
    assert templates["text/html"] == f"{cms.url}/?q={{searchTerms}}"
    assert templates["application/json"].startswith(f"{cms.url}/search?q={{searchTerms}}")
    assert templates["application/atom+xml"].startswith(f"{cms.url}/search.atom?q={{searchTerms}}")
    proxied = cms.get(
        "/opensearch.xml",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "news.example"},
    )
    assert "https://news.example/?q={searchTerms}" in proxied.text
    page = cms.get("/").text
    assert (
        'rel="search" type="application/opensearchdescription+xml" href="/opensearch.xml"' in page
    )


def test_atom_feed_of_a_query(cms: Server) -> None:
    nasty = story(
        'Atom <test> & "quotes"',
        "The glockenspielology report\x07 says <b>bold</b> & more.",
        date="2031-01-02",
        speaker="Zoë Spokes",
        source="Feed Test",
    )
    assert put(cms, "atom-1", nasty).status_code == 201
    settles_within(lambda: hits_of(cms, "glockenspielology") == 1, VISIBLE_WITHIN)
    resp = cms.get("/search.atom", q="glockenspielology OR genome")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/atom+xml")
    assert resp.headers.get("ETag")
    feed = ET.fromstring(resp.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.findtext(f"{ATOM}{required}")
    entries = feed.findall(f"{ATOM}entry")
    json_hits = cms.get(
        "/search", q="glockenspielology OR genome", sort="-date", per_page=20
    ).json()["hits"]
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        f"urn:searchsvc:chunk:{h['id']}" for h in json_hits
    ]
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)  # newest first
    first = entries[0]
    assert first.findtext(f"{ATOM}title") == 'Atom <test> & "quotes" ¶1'
    assert first.findtext(f"{ATOM}updated") == "2031-01-02T00:00:00Z"
    assert first.find(f"{ATOM}link").get("href") == f"{cms.url}/documents/atom-1#p1"
    summary = first.findtext(f"{ATOM}summary")
    assert "<b>bold</b> & more" in summary and "<mark>" not in summary and "\x07" not in summary
    assert first.findtext(f"{ATOM}author/{ATOM}name") == "Zoë Spokes"
    for entry in entries:
        for required in ("id", "title", "updated", "link", "summary"):
            assert entry.find(f"{ATOM}{required}") is not None
    empty = ET.fromstring(cms.get("/search.atom").content)  # no q: the newest paragraphs
    assert empty.findall(f"{ATOM}entry")
    assert_error(cms.get("/search.atom", per_page=0), 400, "invalid_parameter")


def test_openapi_describes_the_write_api(cms: Server) -> None:
    from openapi_spec_validator import validate

    spec = cms.get("/openapi.json").json()
    validate(spec)
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, method in (
        ("/documents/{doc_id}", "put"),
        ("/documents/{doc_id}", "delete"),
        ("/documents/_bulk", "post"),
    ):
        op = spec["paths"][path][method]
        assert op["security"] == [{"bearer": []}]
        assert {"401", "403"} <= set(op["responses"])
    assert "409" in spec["paths"]["/documents/{doc_id}"]["put"]["responses"]
    assert "/search.atom" in spec["paths"] and "/opensearch.xml" in spec["paths"]


# --- reindex, backup, restore while serving ----------------------------------------------------


def cli(*args: str, index_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "searchsvc.cli", *args, "--index-dir", str(index_dir)],
        capture_output=True,
        text=True,
        timeout=180,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", **storage_env(index_dir)},
    )


class QueryLoop(ClientThreads):
    """Queries from two threads on fresh connections until stopped, recording every answer."""

    def __init__(self, srv: Server, max_seconds: float = 120.0):
        super().__init__()
        self.srv = srv
        self.answers: list[tuple[int, int | None, str | None]] = []  # status, total, error
        self.deadline = time.monotonic() + max_seconds
        self.threads += [threading.Thread(target=self.run) for _ in range(2)]

    def run(self) -> None:
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            try:
                resp = self.srv.get("/search", headers={"Connection": "close"}, q="genome")
                total = resp.json().get("total") if resp.status_code == 200 else None
                self.answers.append((resp.status_code, total, None))
            except (requests.RequestException, ValueError) as exc:
                self.answers.append((0, None, repr(exc)))


def test_reindex_while_serving_switches_without_errors(make_server: Callable[..., Server]) -> None:
    srv = make_server()
    before = srv.get("/health").json()
    first = srv.get("/search", q="genome").json()
    with QueryLoop(srv) as loop:
        done = cli("reindex", "--quiet", str(SEEDS), index_dir=srv.index_dir)
        assert done.returncode == 0, done.stderr
        settles_within(
            lambda: (
                srv.get("/health", headers={"Connection": "close"}).json()["index"]
                != before["index"]
            ),
            VISIBLE_WITHIN,
        )
        n_during = len(loop.answers)
        settles_within(lambda: len(loop.answers) > n_during + 10, 10.0, streak=1)
    assert len(loop.answers) > 20
    bad = [a for a in loop.answers if a[0] != 200 or a[1] != first["total"]]
    assert not bad, bad[:5]
    after = srv.get("/search", q="genome").json()
    assert [h["id"] for h in after["hits"]] == [h["id"] for h in first["hits"]]
    health = srv.get("/health").json()
    assert health["documents"] == before["documents"] and health["chunks"] == before["chunks"]
    assert "Traceback" not in srv.log()


def test_an_idle_worker_lets_go_of_a_replaced_generation(
    make_server: Callable[..., Server], backend: Backend
) -> None:
    if backend.name != "whoosh":
        pytest.skip("a cluster's files are the cluster's")
    psutil = pytest.importorskip("psutil")
    srv = make_server(workers=1)
    assert srv.get("/search", q="genome").status_code == 200  # the worker opens the generation
    old = str((srv.index_dir / "live").resolve())
    [worker] = psutil.Process(srv.process.pid).children()
    fds = Path(f"/proc/{worker.pid}/fd")

    def held() -> list[str]:  # /proc names a deleted file's old path too (psutil leaves it out)
        paths = []
        for fd in fds.iterdir():
            with contextlib.suppress(OSError):
                paths.append(os.readlink(fd))
        return [p for p in paths if p.startswith(old + "/")]

    assert held()
    done = cli("reindex", "--quiet", str(SEEDS), index_dir=srv.index_dir)
    assert done.returncode == 0, done.stderr
    assert str((srv.index_dir / "live").resolve()) != old
    # No request reaches the worker from here on: it lets go by itself.
    settles_within(lambda: not held(), 10.0)


def test_backup_and_restore_while_serving(
    make_server: Callable[..., Server], tmp_path: Path
) -> None:
    srv = make_server(env={"SEARCHSVC_WRITE_KEYS": "k"})
    key = {"Authorization": "Bearer k"}
    assert (
        put(
            srv, "kept", story("Kept", "Backed-up paragraph about ptarmigans."), headers=key
        ).status_code
        == 201
    )
    dest = tmp_path / "backup"
    with QueryLoop(srv) as loop:
        done = cli("backup", str(dest), index_dir=srv.index_dir)
        assert done.returncode == 0, done.stderr
    assert loop.answers and all(a[0] == 200 for a in loop.answers)
    backed_up = srv.get("/health").json()
    assert (
        put(
            srv, "later", story("Later", "Written after the backup: ocelots."), headers=key
        ).status_code
        == 201
    )
    assert srv.request("DELETE", "/documents/kept", headers=key).status_code == 204
    settles_within(lambda: hits_of(srv, "ocelots") == 1, VISIBLE_WITHIN)
    with QueryLoop(srv) as loop:
        done = cli("restore", str(dest), index_dir=srv.index_dir)
        assert done.returncode == 0, done.stderr
        settles_within(
            lambda: hits_of(srv, "ocelots") == 0 and hits_of(srv, "ptarmigans") == 1, VISIBLE_WITHIN
        )
    assert all(a[0] == 200 for a in loop.answers), [a for a in loop.answers if a[0] != 200][:5]
    restored = srv.get("/health").json()
    assert (
        restored["documents"] == backed_up["documents"] and restored["index"] != backed_up["index"]
    )
    # Writes go on into the restored index.
    assert (
        put(srv, "after-restore", story("A", "After the restore."), headers=key).status_code == 201
    )
