"""searchsvc on a 3-node OpenSearch cluster while things die: a node holding a primary, or the
searchsvc workers themselves, SIGKILLed during a burst of acknowledged writes from several clients.

Afterwards every write that was acknowledged (``200``/``201``) is searchable exactly once — its
story is found, and its unique word matches one chunk, not two — and while it happens every search
answers ``200`` or a JSON ``503`` with ``Retry-After``, never a ``500``. The killed node, restarted,
rejoins the cluster. Every wait polls with a deadline; nothing sleeps to pass.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from helpers import Backend, ClientThreads, Server, running_server
from opensearch_cluster import Cluster

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

WRITE_KEY = "fault-write-key"
W = {"Authorization": f"Bearer {WRITE_KEY}"}
CLIENTS = 4
DEADLINE = 240.0


@pytest.fixture
def cms_on_cluster(tmp_path: Path, opensearch_cluster: Cluster) -> Iterator[Server]:
    backend = Backend("opensearch", tuple(opensearch_cluster.urls))
    env = {"SEARCHSVC_WRITE_KEYS": WRITE_KEY, "SEARCHSVC_OPENSEARCH_TIMEOUT": "20"}
    with running_server(tmp_path / "srv", env=env, backend=backend, timeout=120) as srv:
        yield srv


def word(client: int, n: int) -> str:
    """A word no other story has: letters only, so no analysis rule splits it."""
    letters = "abcdefghij"
    return "zq" + "".join(letters[int(d)] for d in f"{client:02d}{n:04d}") + "x"


class Burst(ClientThreads):
    """``CLIENTS`` writers PUTting new stories and one reader searching, until stopped."""

    join_timeout = 120.0

    def __init__(self, srv: Server):
        super().__init__()
        self.srv = srv
        self.acked: list[tuple[str, str]] = []  # (doc id, its unique word)
        self.write_statuses: list[int] = []
        self.search_answers: list[tuple[int, str, str | None]] = []  # status, code, Retry-After
        self.lock = threading.Lock()
        self.threads += [threading.Thread(target=self.write, args=(c,)) for c in range(CLIENTS)]
        self.threads.append(threading.Thread(target=self.read))

    def write(self, client: int) -> None:
        with requests.Session() as session:
            n = 0
            while not self.stop.is_set():
                doc_id, w = f"fault-{client}-{n}", word(client, n)
                body = {"title": f"Fault story {doc_id}", "body": f"A story about {w} today."}
                try:
                    resp = session.put(
                        f"{self.srv.url}/documents/{doc_id}", json=body, headers=W, timeout=60
                    )
                    status = resp.status_code
                except requests.RequestException:
                    status = 0  # the connection died with a worker: not acknowledged
                with self.lock:
                    self.write_statuses.append(status)
                    if status in (200, 201):
                        self.acked.append((doc_id, w))
                n += 1

    def read(self) -> None:
        with requests.Session() as session:
            while not self.stop.is_set():
                try:
                    resp = session.get(
                        f"{self.srv.url}/search", params={"q": "story today"}, timeout=60
                    )
                except requests.RequestException:
                    continue  # a killed worker's connection; the next request gets another
                code = ""
                if resp.status_code != 200:
                    code = resp.json()["error"]["code"]  # always a JSON error body
                with self.lock:
                    self.search_answers.append(
                        (resp.status_code, code, resp.headers.get("Retry-After"))
                    )

    def wait_for_acks(self, count: int, timeout: float = DEADLINE) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acked) < count:
            assert time.monotonic() < deadline, f"only {len(self.acked)} writes acknowledged"
            time.sleep(0.05)


def check_after(srv: Server, burst: Burst) -> None:
    assert burst.acked
    for status, code, retry_after in burst.search_answers:
        busy = code in ("index_busy", "overloaded")  # the cluster, or this worker's queue
        assert status == 200 or (status == 503 and busy and retry_after), (
            status,
            code,
        )
    assert set(burst.write_statuses) <= {0, 200, 201, 503}, set(burst.write_statuses)
    for doc_id, w in burst.acked:
        got = _until_answered(lambda d=doc_id: srv.get(f"/documents/{d}"))
        assert got.status_code == 200, (doc_id, got.text[:200])
        found = _until_answered(lambda q=w: srv.get("/search", q=q)).json()
        assert found["total"] == 1, (doc_id, w, found["total"])
        assert found["hits"][0]["document"]["id"] == doc_id


def _until_answered(request: Callable[[], requests.Response]) -> requests.Response:
    """The answer once the cluster takes requests again (a 503 is retried until a deadline)."""
    deadline = time.monotonic() + DEADLINE
    while True:
        resp = request()
        if resp.status_code != 503 or time.monotonic() > deadline:
            return resp
        time.sleep(0.2)


def primary_holder(cluster: Cluster, srv: Server) -> int:
    alias = srv.env["SEARCHSVC_OPENSEARCH_INDEX"]
    shards = cluster.session.get(
        f"{cluster.live_urls()[0]}/_cat/shards/{alias}", params={"format": "json"}, timeout=30
    ).json()
    primaries = [s["node"] for s in shards if s["prirep"] == "p" and s["state"] == "STARTED"]
    return int(primaries[0].rsplit("-", 1)[1])


def test_a_node_holding_a_primary_dies_during_writes(
    cms_on_cluster: Server, opensearch_cluster: Cluster
) -> None:
    srv, cluster = cms_on_cluster, opensearch_cluster
    victim = primary_holder(cluster, srv)
    with Burst(srv) as burst:
        burst.wait_for_acks(20)
        cluster.kill_node(victim)
        killed_at = len(burst.acked)
        burst.wait_for_acks(killed_at + 40)  # writes go on once a replica is promoted
    cluster.restart_node(victim)
    health = cluster.health(wait_for_nodes="3", wait_for_status="green", timeout="180s")
    assert health["number_of_nodes"] == 3 and health["status"] == "green", health
    check_after(srv, burst)
    assert srv.get("/health").json()["cluster"]["nodes"] == 3


def gunicorn_workers(master: int) -> list[int]:
    workers = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                workers.append(int(entry.name))
    return workers


def test_searchsvc_workers_die_during_writes(cms_on_cluster: Server) -> None:
    srv = cms_on_cluster
    with Burst(srv) as burst:
        for round_ in range(3):
            burst.wait_for_acks(15 * (round_ + 1))
            for pid in gunicorn_workers(srv.process.pid):
                os.kill(pid, signal.SIGKILL)
        burst.wait_for_acks(len(burst.acked) + 15)  # gunicorn started new workers
    check_after(srv, burst)
