"""Overload against the real gunicorn: past the per-worker bound, a quick JSON 503 with Retry-After.

One worker admitting 2 requests at once (``SEARCHSVC_MAX_INFLIGHT=2``) gets 40 clients searching
as fast as they are answered for a few seconds (``bench overload`` runs the full version: twice
the measured capacity for a minute). Every answer must be a 200 or a 503 ``overloaded`` carrying
``Retry-After``; both must occur (without the bound there would be no 503 at all); every request
is answered; ``/health`` answers 200 meanwhile; and the worker is the same process afterwards.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import requests

from helpers import ROOT, Server

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.loadgen import closed_loop

QUERIES = ["harbour", "minister budget", "climate", "press briefing", "ports OR cranes"]


def worker_pids(srv: Server) -> list[int]:
    children = Path(f"/proc/{srv.process.pid}/task/{srv.process.pid}/children").read_text()
    return sorted(int(p) for p in children.split())


def test_overload_is_refused_with_503_and_retry_after(make_server) -> None:
    srv: Server = make_server(env={"SEARCHSVC_MAX_INFLIGHT": "2"}, workers=1)
    before = worker_pids(srv)
    paths = [f"/search?q={q.replace(' ', '+')}&per_page={n}" for n in range(5, 25) for q in QUERIES]
    health: list[int] = []

    def probe_health() -> None:
        for _ in range(5):
            health.append(requests.get(srv.url + "/health", timeout=10).status_code)

    prober = threading.Timer(1.0, probe_health)
    prober.start()
    answers = closed_loop(srv.url, paths, clients=40, seconds=4)
    prober.join(timeout=30)

    statuses = {(a.status, a.code) for a in answers}
    assert statuses <= {(200, None), (503, "overloaded")}, statuses
    assert (200, None) in statuses and (503, "overloaded") in statuses, statuses
    refused = [a for a in answers if a.status == 503]
    assert all(a.retry_after == "1" for a in refused), refused[:3]
    assert not [a for a in answers if a.status == 0], "requests without an answer"
    assert health == [200] * 5, health
    assert worker_pids(srv) == before, "the worker died under overload"
    print(f"{len(answers)} requests: {len(refused)} refused with 503")
