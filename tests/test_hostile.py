"""Hostile input through the real gunicorn: every request gets 200 or a 4xx, never a 5xx.

What these requests get is tested here; how long they take (the README's per-request promise) is
a timing goal and is measured by ``python -m bench hostile``. A request that hangs still fails:
the client gives up after ``HANG_TIMEOUT``. 4xx answers from the application must have the JSON
error shape.

The generic cases run against the session ``server`` (seeds). Documents carrying markup live in a
module server of their own; ``a*`` over a large vocabulary and the time budget need a bigger index
(the seeds plus ~200 White House briefings from ``$SEARCHSVC_CORPUS``), which is slow to build, so
those cases are marked ``slow`` and skipped when the corpus is absent.
"""

from __future__ import annotations

import html
import json
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from helpers import ROOT, SEEDS, Server, assert_error, build_index, running_server

HANG_TIMEOUT = 30  # seconds: a stuck request, not a slow one
CORPUS = Path(
    os.environ.get("SEARCHSVC_CORPUS", ROOT.parent / "shared" / "corpora" / "wh-briefings")
)
BRIEFINGS = CORPUS / "press-briefings" if (CORPUS / "press-briefings").is_dir() else CORPUS
CORPUS_FILES = int(os.environ.get("SEARCHSVC_HOSTILE_CORPUS_FILES", "200"))


def get_path(server: Server, path_and_query: str, **kwargs) -> requests.Response:
    """GET a raw (already percent-encoded) path+query, as a hostile client sends it."""
    return requests.get(server.url + path_and_query, timeout=HANG_TIMEOUT, **kwargs)


def assert_answered(resp: requests.Response) -> dict:
    """200 with a search body, or a 4xx with the JSON error shape. Never a 5xx."""
    assert resp.status_code < 500, (resp.status_code, resp.text[:500])
    if resp.status_code == 200:
        body = resp.json()
        assert isinstance(body["total"], int) and body["total"] >= 0
        assert isinstance(body["hits"], list)
        return body
    assert 400 <= resp.status_code < 500, resp.status_code
    err = resp.json()["error"]
    assert err["code"] and err["message"], err
    return err


def search(server: Server, q: str | None = None, extra: str = "", **kwargs) -> requests.Response:
    query = "" if q is None else "q=" + quote(q, safe="")
    return get_path(server, "/search?" + "&".join(p for p in (query, extra) if p), **kwargs)


# --- query syntax -------------------------------------------------------------------------------

HOSTILE_QUERIES = [
    '"unbalanced',
    'unbalanced"',
    '"genome',
    '""',
    '"""',
    "((genome",
    "genome))",
    "(",
    ")",
    "()",
    "(()",
    "*",
    "**",
    "*genome",
    "?",
    "??*",
    "genome*",
    "a*",
    "AND",
    "OR",
    "NOT",
    "NOT NOT NOT",
    "-",
    "--genome",
    "genome OR",
    "OR genome",
    "genome AND OR NOT",
    "foo:bar",
    "speaker:",
    "speaker:(",
    ':"',
    "title:*",
    "date:[2020 TO",
    "[",
    "{}",
    "genome^99999999999",
    "genome~",
    "genome~99",
    "\\",
    "\\\\\\",
    "%",
    "%00",
    "&",
    "+",
    "#",
    "\x00",
    "genome\x00sequence",
    "\x01\x02\x03\x1b[31m\x7f",
    "\t\n\r\x0b\x0c",
    "\u2028\u2029\x85",
    "\ufeff\u200b\u00ad",
    "مرحبا بالعالم",
    "שלום",
    "\u202egenome\u202c",
    "😀",
    "🇺🇸 👩‍👩‍👧‍👦",
    "e\u0301",
    "中国",
    "新冠肺炎疫情防控",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "1e309",
    "-1",
    "99999999999999999999999999",
    " ",
]


@pytest.mark.parametrize("q", HOSTILE_QUERIES, ids=lambda q: repr(q)[:40])
def test_hostile_query_answers_200_or_4xx(server: Server, q: str) -> None:
    assert_answered(search(server, q))


@pytest.mark.parametrize("q", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_markup_in_query_is_not_reflected_raw(server: Server, q: str) -> None:
    """The JSON echoes the query as data; snippets and suggestions never carry its markup."""
    resp = search(server, q)
    body = assert_answered(resp)
    assert resp.headers["Content-Type"].startswith("application/json")
    for hit in body.get("hits", []):
        assert "<script" not in hit["snippet"] and "<img" not in hit["snippet"]
    assert "<script" not in (body.get("suggestion") or "")


def test_200_or_terms_is_a_clear_400(server: Server) -> None:
    words = " OR ".join(f"term{i}" for i in range(200))  # too long as well as too many terms
    assert assert_answered(search(server, words))["code"] in {"too_many_terms", "query_too_long"}
    short = " OR ".join("abcdefghijklmnopqrstuvwxyz"[i % 26] for i in range(200))
    assert len(short) <= 1000  # within the length limit: the term limit is what refuses it
    assert_error(search(server, short), 400, "too_many_terms")


def test_terms_up_to_the_limit_are_searched(server: Server) -> None:
    """MAX_QUERY_TERMS (64 by default) words are fine; 65 are refused."""
    assert search(server, " ".join(["genome"] * 64)).status_code == 200
    assert_error(search(server, " ".join(["genome"] * 65)), 400, "too_many_terms")


def test_operators_do_not_count_as_terms(server: Server) -> None:
    """The limit is on terms ("words, phrases, prefixes", README): 40 words ORed together are 40
    terms, not 79 whitespace-separated tokens."""
    q = " OR ".join(f"w{i}" for i in range(40))
    assert_answered(search(server, q))
    assert search(server, q).status_code == 200


def test_query_length_limit_is_exact(server: Server) -> None:
    """MAX_QUERY_LENGTH (1,000 characters by default): 1,000 answer, 1,001 are a JSON 400."""
    assert search(server, "a" * 1000).status_code == 200
    assert_error(search(server, "a" * 1001), 400, "query_too_long")


@pytest.mark.parametrize("char", ["中", "😀", "é"])
def test_query_length_counts_characters_not_bytes(server: Server, char: str) -> None:
    """1,000 non-Latin characters are within the limit even though they are 6-12 KB once
    percent-encoded; 1,001 are the app's JSON 400, not gunicorn's HTML 414."""
    assert_answered(search(server, char * 1000))
    assert search(server, char * 1000).status_code == 200
    assert_error(search(server, char * 1001), 400, "query_too_long")


def test_a_10kb_query_is_refused_not_a_5xx(server: Server) -> None:
    """gunicorn does not cap the request line, so the app's own length check answers, in JSON."""
    assert_error(search(server, "genome " * 1500), 400, "query_too_long")
    assert_error(search(server, "中" * 5000), 400, "query_too_long")  # 45 KB percent-encoded


@pytest.mark.parametrize("size", [100_000, 2_000_000])
def test_huge_request_lines_are_refused(server: Server, size: int) -> None:
    """The request line is not capped by gunicorn (so 1,000 CJK characters reach the app); a
    megabyte-long URL must still be refused, and the server must keep answering."""
    resp = get_path(server, "/search?q=" + "a" * size)
    assert 400 <= resp.status_code < 500, resp.status_code
    assert server.get("/health").status_code == 200


def test_many_wildcards_at_the_term_limit_answer_in_time(server: Server) -> None:
    q = " OR ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyzabcdef")
    assert_answered(search(server, q))


ES_BODIES = [
    {"query": {"query_string": {"query": "genome"}}, "from": 9950, "size": 100},
    {"query": {"query_string": {"query": "genome"}}, "from": 0, "size": 1_000_000},
    {"query": {"query_string": {"query": "genome"}}, "from": -1},
    {"query": {"query_string": {"query": "genome"}}, "size": "ten"},
    {"query": {"query_string": {"query": "a" * 1001}}},
    {"query": {"query_string": {"query": " OR ".join("abcdefghij" * 20)}}},
    {"query": {"query_string": {"query": '"unbalanced (( *'}}},
    {"query": {"query_string": {"query": "\x00<script>"}}},
    {"query": {"query_string": {"query": ["not", "a", "string"]}}},
    {"query": {"match_all": {}}, "from": 10_000_000_000_000_000_000},
    {"query": {"bool": {"must": [{"term": {"x": 1}}] * 500}}},
    {"query": None},
    [],
    "string",
]


@pytest.mark.parametrize("body", ES_BODIES, ids=lambda b: json.dumps(b)[:40])
def test_hostile_es_style_search_bodies(server: Server, body) -> None:
    resp = server.request("POST", "/search", json=body)
    assert_answered(resp)


# --- paging and parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        "page=1000000",
        "page=101&per_page=100",
        "page=10001",
        "page=0",
        "page=-1",
        "page=abc",
        "page=1.5",
        "page=99999999999999999999999999999",
        "per_page=abc",
        "per_page=0",
        "per_page=101",
        "per_page=-5",
        "per_page=%ff",
        "sort=%ff",
        "sort=random",
        "group=paragraph",
        "date_from=yesterday",
        "date_from=2020-13-45",
        "date_from=2021-01-01&date_to=2020-01-01",
        "year=20x0",
        "year=" + "9" * 300,
        "speaker=" + "x" * 201,
        "&".join(["speaker=x"] * 51),
        "facets=maybe",
    ],
)
def test_bad_parameters_are_400(server: Server, extra: str) -> None:
    resp = search(server, "genome", extra)
    assert_error(resp, 400, resp.json()["error"]["code"])
    assert resp.json()["error"]["code"] in {"invalid_parameter", "bad_request"}


def test_result_window_boundary(server: Server) -> None:
    """page × per_page ≤ MAX_RESULT_WINDOW (10,000): 100 × 100 answers, 101 × 100 does not."""
    body = assert_answered(search(server, "genome", "page=100&per_page=100"))
    assert body["hits"] == [] and body["page"] == 100
    assert_error(search(server, "genome", "page=101&per_page=100"), 400, "invalid_parameter")
    assert_error(search(server, "genome", "page=1000000"), 400, "invalid_parameter")


@pytest.mark.parametrize(
    "extra",
    [
        "q=genome&q=sequence",
        "page=1&page=2",
        "per_page=5&per_page=500",
        "sort=date&sort=relevance",
        "group=document&group=document",
        "date_from=2020-01-01&date_from=2021-01-01",
        "&".join(["speaker=Xu Nanping"] * 50),
        "&".join(f"speaker=s{i}" for i in range(50)),
        "&".join(f"{f}=v" for f in ("speaker", "role", "source", "kind", "event", "person") * 8),
        "q=&q=&q=",
        "q",
        "&&&&",
        "=genome",
        "q=genome&unknown=1&foo[bar]=2",
        "speaker=%00&role=%01",
    ],
)
def test_repeated_and_odd_parameters(server: Server, extra: str) -> None:
    assert_answered(get_path(server, "/search?" + extra))


@pytest.mark.parametrize(
    "path",
    [
        "/search?q=%ff",
        "/search?q=%c3%28",
        "/search?q=%ed%a0%80",  # an encoded lone surrogate
        "/search?q=%f4%90%80%80",  # beyond U+10FFFF
        "/search?q=%",
        "/search?q=%zz",
        "/search?q=%0",
        "/search?speaker=%ff",
        "/search?%ff=1",
        "/suggest?q=%ff",
        "/suggest?q=%00",
    ],
)
def test_invalid_percent_encoding(server: Server, path: str) -> None:
    resp = get_path(server, path)
    assert resp.status_code < 500, (resp.status_code, resp.text[:300])
    if resp.status_code >= 400:
        assert resp.json()["error"]["code"]


@pytest.mark.parametrize(
    "path",
    [
        "/documents/%ff",
        "/documents/%00",
        "/documents/..%2f..%2fetc%2fpasswd",
        "/documents/" + "x" * 600,
        "/documents/%3Cscript%3E",
        "/static/..%2f..%2fpyproject.toml",
        "/static/%00",
        "/nope/%ff",
    ],
)
def test_hostile_paths_are_404_or_400(server: Server, path: str) -> None:
    resp = get_path(server, path, headers={"Accept": "application/json"})
    assert resp.status_code in (400, 404), (resp.status_code, resp.text[:300])
    assert resp.json()["error"]["code"]
    assert "[tool.pytest" not in resp.text


@pytest.mark.parametrize(
    "q", ["", "a", "%", "*", "\x00", "<script>", "中", "😀", "a" * 1000, "\u202e"]
)
def test_suggest_with_hostile_prefixes(server: Server, q: str) -> None:
    resp = get_path(server, "/suggest?q=" + quote(q, safe=""))
    assert resp.status_code < 500, (resp.status_code, resp.text[:300])
    if resp.status_code >= 400:
        assert resp.json()["error"]["code"]


# --- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Long": "a" * 8000},
        {"Accept": "application/json;" + "q=0.5," * 1000},
        {"Accept-Encoding": "gzip;q=" + "9" * 5000},
        {"If-None-Match": '"' + "x" * 7000 + '"'},
        {"Accept": "*/*;q=abc"},
        {"Accept-Encoding": "gzip;q=nan"},
        {"Accept-Language": "\u00ff" * 100},
        {"Authorization": "Bearer " + "k" * 7000},
    ],
    ids=[
        "x-long",
        "accept",
        "accept-encoding",
        "if-none-match",
        "bad-q",
        "nan-q",
        "latin1",
        "auth",
    ],
)
def test_long_and_odd_header_values(server: Server, headers: dict[str, str]) -> None:
    resp = search(server, "genome", headers={k: v.encode("latin-1") for k, v in headers.items()})
    assert resp.status_code == 200 or 400 <= resp.status_code < 500, resp.status_code


def test_header_beyond_gunicorns_field_limit_is_a_4xx(server: Server) -> None:
    """gunicorn refuses a header field over 8,190 bytes itself (400), before the app runs."""
    resp = search(server, "genome", headers={"X-Huge": "a" * 20000})
    assert 400 <= resp.status_code < 500, resp.status_code


def test_server_survives_a_garbage_request_line(server: Server) -> None:
    """Raw bytes that are not HTTP get a 4xx (or a closed socket), and the workers live on."""
    for raw in (
        b"\x00\xff\xfe garbage\r\n\r\n",
        b"GET /search?q=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    ):
        with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), 5) as s:
            s.sendall(raw)
            s.settimeout(5)
            try:
                first = s.recv(64)
            except (TimeoutError, ConnectionResetError):
                first = b""
        if first:
            status = int(first.split()[1])
            assert status < 500, first
    assert server.get("/health").status_code == 200


def raw_get(server: Server, target: bytes) -> tuple[int, bytes]:
    """Send a request line exactly as given (no client-side normalisation of ``..``)."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), 5) as s:
        s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        s.settimeout(5)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(
    "target",
    [
        b"/static/../../pyproject.toml",
        b"/static/..%2f..%2fpyproject.toml",
        b"/static/%2e%2e/%2e%2e/pyproject.toml",
        b"/static/....//....//pyproject.toml",
        b"/static//etc/passwd",
        b"/static/..\\..\\pyproject.toml",
        b"/../../etc/passwd",
        b"/documents/../../etc/passwd",
    ],
)
def test_path_traversal_is_refused(server: Server, target: bytes) -> None:
    status, body = raw_get(server, target)
    assert status in (400, 404), (status, body[:200])
    assert b"[project]" not in body and b"root:" not in body


# --- markup in documents: escaped in JSON snippets and in the HTML document page ---------------

XSS = "<script>alert('x')</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE_DOC = {
    "id": "hostile-1",
    "title": f"Title {XSS} $title ${{__block_meta}}",
    "source": f"Source {IMG}",
    "event": "Event </p><p>",
    "speaker": f"Speaker {XSS}",
    "url": "javascript:alert(document.cookie)",
    "date": "2021-02-03",
    "body": (
        f"The payload {XSS} sits in the first paragraph with zebrafish.\n\n"
        f"Second paragraph {IMG} and &amp; entities &lt;b&gt; and zebrafish again.\n\n"
        "Right-to-left \u202ezebrafish\u202c مرحبا, emoji 😀, NUL-free control \x07 bell."
    ),
}


WRITE_KEY = "hostile-write-key"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[Server]:
    docs = tmp_path_factory.mktemp("hostile-docs")
    (docs / "hostile-1.json").write_text(json.dumps(HOSTILE_DOC), encoding="utf-8")
    try:
        with running_server(
            tmp_path_factory.mktemp("hostile-server"),
            docs=[SEEDS, docs],
            workers=1,
            env={"SEARCHSVC_WRITE_KEYS": WRITE_KEY, "SEARCHSVC_MAX_BODY_BYTES": "20000"},
            backend=backend,
        ) as srv:
            yield srv
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


def test_markup_in_documents_is_escaped_in_snippets(hostile_server: Server) -> None:
    body = assert_answered(search(hostile_server, "zebrafish"))
    assert body["hits"], body
    for hit in body["hits"]:
        raw = re.sub(r"</?mark>", "", hit["snippet"])
        assert "<" not in raw and ">" not in raw, hit["snippet"]
    snippets = " ".join(h["snippet"] for h in body["hits"])
    assert "&lt;script&gt;" in snippets or "&lt;img" in snippets
    texts = " ".join(h["text"] for h in body["hits"])
    assert XSS in texts  # text is data (JSON), the same characters as the document


def test_markup_in_documents_is_escaped_in_the_html_page(hostile_server: Server) -> None:
    resp = get_path(hostile_server, "/documents/hostile-1", headers={"Accept": "text/html"})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in resp.headers.get("Content-Security-Policy", "")
    page = resp.text
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "javascript:" not in page
    assert "</p><p>" not in page.split("<body", 1)[-1].replace("</p>\n<p", "")  # event escaped
    assert html.escape(XSS, quote=True) in page
    assert "${__block_meta}" in page or "$title" in page  # placeholders in data stay data
    # the only scripts on the page are the service's own external files
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert "src=" in tag, tag


def test_markup_in_documents_stays_data_in_json(hostile_server: Server) -> None:
    resp = get_path(hostile_server, "/documents/hostile-1", headers={"Accept": "application/json"})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers.get("X-Content-Type-Options") == "nosniff"
    doc = resp.json()
    assert XSS in doc["title"]
    assert any(XSS in p["text"] for p in doc["paragraphs"])


def test_markup_in_facets_and_suggest_is_data(hostile_server: Server) -> None:
    body = assert_answered(search(hostile_server, "zebrafish"))
    speakers = [f["value"] for f in body["facets"]["speaker"]]
    assert any("<script>" in s for s in speakers), speakers  # JSON carries it verbatim, as data
    resp = get_path(hostile_server, "/suggest?q=" + quote("<scr"))
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")


BAD_WRITES = [
    (b"{not json", "application/json"),
    (b'{"title": "t", "body": "' + b"x" * 30000 + b'"}', "application/json"),  # over the limit
    (b'{"title": ["not", "a", "string"], "body": "Text."}', "application/json"),
    (b'{"title": "t", "body": "Text.", "date": "13/45/2020"}', "application/json"),
    (b'{"title": "t", "body": "Text.", "version": {"n": 1}}', "application/json"),
    (b'{"title": "t", "body": ""}', "application/json"),
    (b'{"title": "t", "body": "Text.", "person": [{"x": 1}, 2]}', "application/json"),
    (b'{"uri": "urn:x", "headline": "h"}', "application/json"),  # ninjs without a body
    (b'{"uri": "urn:x", "body_text": 5}', "application/json"),
    (b'{"title": "t", "body": "Text."}', "application/xml"),
    (b"\x00\x01", "application/json"),
    (b"null", "application/json"),
    (b'"a string"', "application/json"),
    (b"1e999999", "application/json"),
]


@pytest.mark.parametrize(("data", "content_type"), BAD_WRITES, ids=lambda v: repr(v)[:30])
def test_bad_writes_are_4xx_and_write_nothing(
    hostile_server: Server, data: bytes, content_type: str
) -> None:
    headers = {"Authorization": f"Bearer {WRITE_KEY}", "Content-Type": content_type}
    resp = hostile_server.request("PUT", "/documents/bad-write", data=data, headers=headers)
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.text[:300])
    err = resp.json()["error"]
    assert err["code"] and len(err["message"]) > 5, err
    assert WRITE_KEY not in resp.text
    gone = hostile_server.get("/documents/bad-write", headers={"Accept": "application/json"})
    assert gone.status_code == 404, "a refused write left something behind"


LONE_SURROGATES = [
    b'{"title": "t", "body": "Quokka \\ud800 lone high surrogate."}',
    b'{"title": "Quokka \\udfff", "body": "Quokka lone low surrogate in the title."}',
    b'{"title": "t", "body": "Quokka pair \\ud83d\\ude00 is fine."}',  # a valid pair: emoji
]


@pytest.mark.parametrize("data", LONE_SURROGATES, ids=["high", "title", "pair"])
def test_lone_surrogate_escapes_never_poison_reads(hostile_server: Server, data: bytes) -> None:
    """JSON may spell a lone surrogate (``"\\ud800"``), which no UTF-8 response can carry. A PUT
    of one is either refused (4xx) or stored cleaned; either way the document page and every
    search that finds it keep answering (one story must not break search for everyone)."""
    headers = {"Authorization": f"Bearer {WRITE_KEY}", "Content-Type": "application/json"}
    resp = hostile_server.request("PUT", "/documents/surrogate-1", data=data, headers=headers)
    assert resp.status_code < 500, (resp.status_code, resp.text[:300])
    try:
        for path in ("/documents/surrogate-1?format=json", "/documents/surrogate-1"):
            got = get_path(hostile_server, path)
            assert got.status_code in (200, 404), (path, got.status_code, got.text[:200])
            got.content.decode("utf-8")  # what was sent is valid UTF-8
        found = search(hostile_server, "quokka")
        assert found.status_code == 200, (found.status_code, found.text[:200])
    finally:
        hostile_server.request("DELETE", "/documents/surrogate-1", headers=headers)


@pytest.mark.parametrize("query", ["\\ud800", "harbour \\udfff", "\\ud83d"])
def test_lone_surrogate_in_a_post_search_is_not_a_5xx(hostile_server: Server, query: str) -> None:
    body = ('{"query": {"query_string": {"query": "' + query + '"}}, "size": 5}').encode()
    resp = hostile_server.request(
        "POST", "/search", data=body, headers={"Content-Type": "application/json"}
    )
    assert resp.status_code < 500, (resp.status_code, resp.text[:300])
    resp.content.decode("utf-8")


def test_unknown_ninjs_fields_are_ignored_not_fatal(hostile_server: Server) -> None:
    story = {
        "uri": "urn:newsml:example.org:20210301:hostile-ninjs",
        "headline": "Ninjs with extras",
        "body_text": "A ninjs story with extra fields nobody asked for.",
        "x_vendor_field": {"nested": [1, 2, {"deep": True}]},
        "renditions": {"thumb": {"href": "javascript:alert(1)"}},
    }
    headers = {"Authorization": f"Bearer {WRITE_KEY}"}
    resp = hostile_server.request("PUT", "/documents/hostile-ninjs", json=story, headers=headers)
    assert resp.status_code in (200, 201), resp.text[:300]
    assert resp.json()["chunks"] == 1
    assert WRITE_KEY not in hostile_server.log()


@pytest.mark.parametrize(
    "q", ["zebrafish", "<script>", "]]>", "zebrafish \x07\x1b", "\x00", "&amp; &", "\ufffe"]
)
def test_atom_feed_is_well_formed_xml_for_hostile_text(hostile_server: Server, q: str) -> None:
    """The feed carries document text and the query: markup, ``]]>`` and the control characters
    XML 1.0 forbids (the hostile document holds a BEL) must not break it."""
    import xml.etree.ElementTree as ET

    resp = get_path(hostile_server, "/search.atom?q=" + quote(q, safe=""))
    assert resp.status_code < 500, (resp.status_code, resp.text[:300])
    if resp.status_code == 200:
        root = ET.fromstring(resp.content)  # raises on malformed XML
        assert root.tag.endswith("feed")
        assert "<script>" not in resp.text


def test_opensearch_description_is_well_formed(hostile_server: Server) -> None:
    import xml.etree.ElementTree as ET

    resp = get_path(hostile_server, "/opensearch.xml")
    assert resp.status_code == 200
    ET.fromstring(resp.content)


# --- a large vocabulary: wildcard expansion and the time budget ----------------------------------


def _corpus_files() -> list[Path]:
    files = sorted(BRIEFINGS.rglob("*.md")) if BRIEFINGS.is_dir() else []
    if not files:
        return []
    step = max(1, len(files) // CORPUS_FILES)  # spread over the years: a wider vocabulary
    return files[::step][:CORPUS_FILES]


@pytest.fixture(scope="module")
def big_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = _corpus_files()
    if not files:
        pytest.skip(f"corpus not found at {BRIEFINGS} (set SEARCHSVC_CORPUS)")
    index_dir = tmp_path_factory.mktemp("big") / "index"
    build_index(index_dir, [SEEDS, *files])
    return index_dir


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory, big_index: Path) -> Iterator[Server]:
    try:
        with running_server(
            tmp_path_factory.mktemp("big-server"),
            prebuild=False,
            env={"SEARCHSVC_INDEX_DIR": str(big_index)},
        ) as srv:
            yield srv
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.mark.slow
@pytest.mark.parametrize(
    "q",
    [
        "a*",
        "s*",
        "c* p*",
        "a* OR b* OR c* OR d* OR e* OR f* OR g* OR h*",
        " ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz"),
        " OR ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyzabcdefghijkl"),
        '"president biden" OR vaccin* OR -the',
        " ".join(["the"] * 64),
    ],
    ids=lambda q: q[:30],
)
def test_wildcards_over_a_large_vocabulary(big_server: Server, q: str) -> None:
    body = assert_answered(search(big_server, q, "per_page=100"))
    assert isinstance(body, dict)


@pytest.mark.slow
def test_wildcard_expansion_is_capped(big_server: Server, big_index: Path) -> None:
    """A prefix over a vocabulary of thousands of a-words expands to at most
    MAX_WILDCARD_EXPANSION terms: with the setting at 1, ``pol*`` (policy, police, political,
    poll, … — different stems) finds fewer chunks than with the default, which still answers."""
    from whoosh import index as whoosh_index

    from searchsvc.config import Settings
    from searchsvc.engine.models import SearchRequest
    from searchsvc.engine.service import Engine

    ix = whoosh_index.open_dir(str(big_index / os.readlink(big_index / "live")))
    with ix.searcher() as s:
        a_terms = sum(1 for t in s.lexicon("exact") if t.startswith(b"a"))
        pol_stems = sum(1 for t in s.lexicon("text") if t.startswith(b"pol"))
    assert a_terms > 1000 and pol_stems > 5, "the vocabulary is too small to test the cap"
    capped = Engine(Settings(index_dir=big_index, max_wildcard_expansion=1))
    full = Engine(Settings(index_dir=big_index))
    one = capped.search(SearchRequest(q="pol*")).total
    many = full.search(SearchRequest(q="pol*")).total
    assert 0 < one < many, (one, many)
    assert_answered(search(big_server, "a*"))


@pytest.mark.slow
def test_time_budget_bounds_a_search(
    tmp_path_factory: pytest.TempPathFactory, big_index: Path
) -> None:
    """With SEARCHSVC_SEARCH_TIME_BUDGET=0 a broad query stops early: either 200 with what it has
    and ``timed_out: true`` or a 400 ``query_too_expensive``, never a 5xx. Narrow
    queries still answer."""
    with running_server(
        tmp_path_factory.mktemp("budget-server"),
        prebuild=False,
        workers=1,
        env={"SEARCHSVC_INDEX_DIR": str(big_index), "SEARCHSVC_SEARCH_TIME_BUDGET": "0"},
    ) as srv:
        for q in ("president OR american OR people", "a* OR b* OR c*", "s*"):
            resp = search(srv, q, "per_page=100")
            if resp.status_code == 200:
                assert resp.json().get("timed_out") is True, sorted(resp.json())
            else:
                assert_error(resp, 400, "query_too_expensive")
