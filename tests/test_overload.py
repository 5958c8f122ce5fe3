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

import gevent
import gevent.event
import requests

from helpers import ROOT, Server
from searchsvc.api.worker import TurnCost, Turns

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


class _Held:
    """A WSGI app whose requests (but /health) hold their turn until released, answering the reason
    ``Turns`` gave for refusing them (or ``admitted``)."""

    def __init__(self) -> None:
        self.release = gevent.event.Event()

    def __call__(self, environ: dict, start_response) -> str:
        refused = environ.get("searchsvc.overloaded")
        if not refused and environ["PATH_INFO"] != "/health":
            self.release.wait()
        return refused or "admitted"


def _request(method: str = "GET", path: str = "/search") -> dict:
    return {"REQUEST_METHOD": method, "PATH_INFO": path}


def test_admission_is_decided_on_arrival_from_the_expected_wait() -> None:
    """No server, no real clock: the queue is real greenlets holding and waiting for the turn,
    the cost of a turn is set and time stands still, so what is refused on arrival follows from
    the rule alone."""
    now = [100.0]
    app = _Held()
    turns = Turns(app, limit=8, max_wait=0.25, clock=lambda: now[0])
    turns.cost.add(0.1)  # a turn costs 100 ms
    # writes hold and wait for the turn (never refused late, whatever the clock says)
    queued = [gevent.spawn(turns, _request("PUT", "/documents/a"), None) for _ in range(4)]
    gevent.sleep(0)  # they arrive: one computes, the rest wait for the turn
    assert turns.queued == Turns.BURST == 4
    # 5 arrivals and no turn done in the last second: overfed; 4 ahead × 100 ms > 250 ms, so a
    # read is refused at once, before any turn is over
    assert turns.overfed()
    assert turns(_request(), None) == "expected_wait"
    assert turns(_request("POST", "/search"), None) == "expected_wait"
    # a write is bounded by the count alone; so is /health, never refused
    queued.append(gevent.spawn(turns, _request("PUT", "/documents/a"), None))
    assert turns(_request(path="/health"), None) == "admitted"
    for _ in range(TurnCost.RECENT):
        turns.cost.add(10.0)
    gevent.sleep(0)
    queued += [gevent.spawn(turns, _request("DELETE", "/documents/a"), None) for _ in range(3)]
    gevent.sleep(0)
    assert turns.queued == 8
    assert turns(_request("PUT", "/documents/b"), None) == "queue_full"  # the hard cap
    app.release.set()
    assert [g.get(timeout=10) for g in queued] == ["admitted"] * 8
    assert turns.queued == 0
    assert turns.cost.seconds == 10.0  # the writes' turns are not taken for a read's cost
    # with the queue under BURST, a read is admitted whatever a turn costs
    assert turns(_request(), None) == "admitted"

    # A second later: clients that each wait for their answer (as many turns ended in the last
    # second as requests arrived) are not overload, however long the queue they keep.
    now[0] += 2 * Turns.WINDOW
    app.release.clear()
    turns.done.extend([now[0]] * 10)
    held = [gevent.spawn(turns, _request("PUT", "/documents/a"), None) for _ in range(4)]
    held.append(gevent.spawn(turns, _request(), None))
    gevent.sleep(0)
    assert not turns.overfed() and turns.queued == 5  # the read was queued, not refused
    app.release.set()
    assert [g.get(timeout=10) for g in held] == ["admitted"] * 5


def test_the_turn_cost_follows_recent_turns() -> None:
    cost = TurnCost()
    assert cost.seconds == 0.0  # nothing measured: the count bound alone
    cost.add(0.2)
    assert cost.seconds == 0.2
    for _ in range(TurnCost.RECENT):
        cost.add(0.02)
    assert cost.seconds == 0.02  # the old turn is forgotten
    cost.add(0.6)
    cost.add(0.6)  # two slow searches do not make the next requests look slow
    assert cost.seconds == 0.02
    for _ in range(TurnCost.RECENT // 2 + 1):
        cost.add(0.1)  # but a machine that got slower does within a few turns
    assert cost.seconds == 0.1
