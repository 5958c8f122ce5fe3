"""Load and concurrency through the real gunicorn (2 workers, loopback only).

8 clients × 100 operations each, concurrently: PUT (new or replacing, 1-5 paragraphs), DELETE
and search, on ids each client owns, plus PUTs of a few ids every client writes (with a
``version``, so the newest acknowledged revision must win and older ones may get 409). Afterwards
the index holds exactly what the acknowledged operations say: no write lost, no chunk duplicated,
no deleted document left; no request answered 5xx; and the first search after a client's own PUT
was answered already sees that write (the visibility promise: searchable once acknowledged),
whichever worker answers.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests

from helpers import Server

pytestmark = pytest.mark.slow

CLIENTS = 8
OPS = 100
OWN_IDS = 8
SHARED_IDS = 3
WRITE_KEY = "load-test-write-key"
TIME_LIMIT = 240.0  # the whole run, generously bounded for 2 shared cores
AUTH = {"Authorization": f"Bearer {WRITE_KEY}"}


def body(token: str, n: int) -> str:
    return "\n\n".join(
        f"Load test {token} loadmarker paragraph {k} of {n}." for k in range(1, n + 1)
    )


@dataclass
class Client:
    number: int
    url: str
    seed: int
    expected: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (token, n)
    shared_acks: list[tuple[str, int, str, int]] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    visibility_checks: int = 0
    last_put: tuple[str, str, int] | None = None

    def run(self) -> None:
        rng = random.Random(self.seed)
        s = requests.Session()
        for op in range(OPS):
            choice = rng.random()
            try:
                if choice < 0.45:
                    self.put_own(s, rng, op)
                elif choice < 0.55:
                    self.put_shared(s, rng, op)
                elif choice < 0.75:
                    self.delete(s, rng)
                else:
                    self.search(s)
            except requests.RequestException as exc:
                self.errors.append(f"op {op}: {exc!r}")

    def _record(self, resp: requests.Response) -> requests.Response:
        self.statuses[resp.status_code] += 1
        if resp.status_code >= 500:
            self.errors.append(
                f"{resp.request.method} {resp.url}: {resp.status_code} {resp.text[:200]}"
            )
        return resp

    def put_own(self, s: requests.Session, rng: random.Random, op: int) -> None:
        doc_id = f"c{self.number}-{rng.randrange(OWN_IDS)}"
        token, n = f"tok{self.number}q{op}", rng.randint(1, 5)
        resp = self._record(
            s.put(f"{self.url}/documents/{doc_id}", json={"title": doc_id, "body": body(token, n)},
                  headers=AUTH, timeout=30)
        )  # fmt: skip
        if resp.status_code in (200, 201):
            assert (resp.status_code == 200) == (doc_id in self.expected), (doc_id, resp.text)
            assert resp.json()["chunks"] == n, resp.text
            self.expected[doc_id] = (token, n)
            self.last_put = (doc_id, token, n)
        else:
            self.errors.append(f"PUT {doc_id}: {resp.status_code} {resp.text[:200]}")

    def put_shared(self, s: requests.Session, rng: random.Random, op: int) -> None:
        doc_id = f"shared-{rng.randrange(SHARED_IDS)}"
        token, n, version = f"tok{self.number}q{op}", rng.randint(1, 5), time.time_ns()
        doc = {"title": doc_id, "body": body(token, n), "version": str(version)}
        resp = self._record(
            s.put(f"{self.url}/documents/{doc_id}", json=doc, headers=AUTH, timeout=30)
        )
        if resp.status_code in (200, 201):
            self.shared_acks.append((doc_id, version, token, n))
        elif resp.status_code != 409:  # a newer revision got there first: refused, fine
            self.errors.append(f"PUT {doc_id}: {resp.status_code} {resp.text[:200]}")

    def delete(self, s: requests.Session, rng: random.Random) -> None:
        doc_id = f"c{self.number}-{rng.randrange(OWN_IDS)}"
        resp = self._record(s.delete(f"{self.url}/documents/{doc_id}", headers=AUTH, timeout=30))
        want = 204 if doc_id in self.expected else 404
        if resp.status_code != want:
            self.errors.append(f"DELETE {doc_id}: {resp.status_code}, expected {want}")
        if resp.status_code == 204:
            self.expected.pop(doc_id, None)
            if self.last_put and self.last_put[0] == doc_id:
                self.last_put = None

    def search(self, s: requests.Session) -> None:
        """Search for this client's latest write: the first search after its PUT must see it."""
        if self.last_put is None:
            self._record(s.get(f"{self.url}/search", params={"q": "loadmarker"}, timeout=30))
            return
        doc_id, token, n = self.last_put
        resp = self._record(
            s.get(f"{self.url}/search", params={"q": token, "per_page": 10}, timeout=30)
        )
        if resp.status_code != 200:
            self.errors.append(f"search {token}: {resp.status_code}")
            return
        self.visibility_checks += 1
        total = resp.json()["total"]
        if total != n:
            self.errors.append(f"{doc_id} ({token}) acknowledged but not found: {total} of {n}")


def test_concurrent_clients_leave_exactly_the_expected_index(make_server) -> None:
    # 8 clients that each wait for their answer keep up to 8 requests at one worker, however
    # slow the box: never overload (tests/test_overload.py), so none is refused and every answer
    # counts, with the default admission settings.
    env = {"SEARCHSVC_WRITE_KEYS": WRITE_KEY}
    srv: Server = make_server(env=env, workers=2)
    clients = [Client(k, srv.url, seed=1000 + k) for k in range(CLIENTS)]
    threads = [threading.Thread(target=c.run, daemon=True) for c in clients]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=TIME_LIMIT)
    elapsed = time.monotonic() - t0
    assert not any(t.is_alive() for t in threads), f"clients still running after {elapsed:.0f}s"
    statuses = sum((c.statuses for c in clients), Counter())
    errors = [e for c in clients for e in c.errors]
    assert not errors, (errors[:10], statuses)
    assert not [code for code in statuses if code >= 500], statuses
    assert sum(statuses.values()) >= CLIENTS * OPS

    # the expected final state: every client's own ids, plus the newest acked shared revision
    expected: dict[str, tuple[str, int]] = {}
    for c in clients:
        expected.update(c.expected)
    newest: dict[str, tuple[int, str, int]] = {}
    for c in clients:
        for doc_id, version, token, n in c.shared_acks:
            if doc_id not in newest or version > newest[doc_id][0]:
                newest[doc_id] = (version, token, n)
    expected.update({doc_id: (token, n) for doc_id, (_v, token, n) in newest.items()})

    for k in range(CLIENTS):
        for j in range(OWN_IDS):
            doc_id = f"c{k}-{j}"
            resp = srv.get(f"/documents/{doc_id}", headers={"Accept": "application/json"})
            if doc_id not in expected:
                assert resp.status_code == 404, (doc_id, "deleted but still there")
                continue
            _check_document(resp, doc_id, *expected[doc_id])
    for doc_id in newest:
        resp = srv.get(f"/documents/{doc_id}", headers={"Accept": "application/json"})
        _check_document(resp, doc_id, *expected[doc_id])

    # no chunk lost or duplicated anywhere: the marker's total is the exact sum of chunks
    want_chunks = sum(n for _t, n in expected.values())
    total = srv.get("/search", q="loadmarker", per_page=1).json()["total"]
    assert total == want_chunks, (total, want_chunks)
    health = srv.get("/health").json()
    seeds = _seed_chunks()
    assert health["chunks"] == seeds + want_chunks, (health, seeds, want_chunks)
    assert sum(c.visibility_checks for c in clients) > 0, "no search checked visibility"


def _check_document(resp: requests.Response, doc_id: str, token: str, n: int) -> None:
    assert resp.status_code == 200, (doc_id, resp.status_code)
    paragraphs = resp.json()["paragraphs"]
    texts = [p["text"] for p in paragraphs]
    assert [p["number"] for p in paragraphs] == list(range(1, n + 1)), (doc_id, texts)
    assert all(f" {token} " in t for t in texts), (doc_id, token, texts)


def _seed_chunks() -> int:
    from helpers import SEEDS
    from searchsvc.engine.text.chunking import chunk_document
    from searchsvc.engine.text.ingest import read_path

    return sum(len(chunk_document(doc)) for doc in read_path(SEEDS))
