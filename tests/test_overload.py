"""Overload against the real gunicorn: past the per-worker bound, a quick JSON 503 with Retry-After.

One worker admitting 2 requests at once (``SEARCHSVC_MAX_INFLIGHT=2``) gets 40 clients searching
as fast as they are answered for a few seconds (``bench overload`` runs the full version: twice
the measured capacity for a minute). Every answer must be a 200 or a 503 ``overloaded`` carrying
``Retry-After``; both must occur (without the bound there would be no 503 at all); every request
is answered; ``/health`` answers 200 meanwhile; and the worker is the same process afterwards.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import gevent
import gevent.event
import requests

from helpers import ROOT, Server
from searchsvc.api.app import create_app
from searchsvc.api.worker import TurnCost, Turns
from searchsvc.config import Settings

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


class _Desk:
    """A WSGI app behind ``Turns`` whose requests (named by their query string) hold their turn
    until the test ends it; it records the order they got their turns in, and why the others were
    refused. Refused requests are answered by ``refusals`` (the real app) when one is given."""

    def __init__(self, refusals=None) -> None:
        self.started: list[str] = []
        self.refused: dict[str, str] = {}
        self.gates: dict[str, gevent.event.Event] = {}
        self.refusals = refusals

    def __call__(self, environ: dict, start_response):
        name = environ["QUERY_STRING"]
        reason = environ.get("searchsvc.overloaded")
        if reason:
            self.refused[name] = reason
            return self.refusals(environ, start_response) if self.refusals else [b""]
        if environ["PATH_INFO"] == "/health":
            return [b"healthy"]
        self.started.append(name)
        self.gates.setdefault(name, gevent.event.Event()).wait()
        return [b"answered"]


def _until(condition, what: str) -> None:
    """Lets the loop run (greenlets, the zero-delay timer that hands a turn on) until
    ``condition`` holds; a deadline, not a sleep, ends a test that would hang."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        gevent.sleep(0.001)


class _Line:
    """Requests arriving at one ``Turns`` under a clock the test moves (``now``)."""

    def __init__(self, limit: int = 8, max_wait: float = 1.0, cost: float = 0.05, refusals=None):
        self.now = 100.0
        self.desk = _Desk(refusals)
        self.turns = Turns(self.desk, limit=limit, max_wait=max_wait, clock=lambda: self.now)
        self.turns.cost.add(cost)  # a read's turn costs 50 ms: the deadline is one turn
        self.greenlets: dict[str, gevent.Greenlet] = {}
        self.answers: dict[str, tuple[str, dict]] = {}

    def arrive(self, name: str, method: str = "GET", path: str = "/search") -> None:
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": name}
        if self.desk.refusals:
            setup_testing_defaults(environ)

        def start_response(status: str, headers: list, exc_info=None) -> None:
            self.answers[name] = (status, dict(headers))

        self.greenlets[name] = gevent.spawn(self.turns, environ, start_response)
        gevent.sleep(0)  # it runs: takes the turn, queues or is refused
        waiting = [w.arrived for w in self.turns.waiting]
        assert name in self.desk.started or name in self.desk.refused or self.now in waiting

    def refusal(self, name: str) -> str:
        """Why ``name`` was refused (waiting until its greenlet has been answered)."""
        _until(lambda: name in self.desk.refused, f"the refusal of {name}")
        return self.desk.refused[name]

    def finish(self) -> str:
        """Ends the turn in progress and waits for the next to begin (or the worker to idle);
        returns who got it (or "")."""
        current, began = self.desk.started[-1], len(self.desk.started)
        self.desk.gates.setdefault(current, gevent.event.Event()).set()
        _until(lambda: len(self.desk.started) > began or not self.turns.holding, "the next turn")
        return self.desk.started[-1] if len(self.desk.started) > began else ""

    def overload(self) -> None:
        """Two reads per turn (an open loop at twice capacity) until the worker is overloaded."""
        for k in range(40):
            for half in "ab":
                self.arrive(f"early{k}{half}")
                self.now += 0.025
                if self.turns.overloaded:
                    return
            if k:  # the first arrival took the idle turn
                self.finish()
        raise AssertionError("twice as many arrivals as turns never counted as overload")


def test_a_draining_burst_and_clients_waiting_for_answers_are_served_in_turn() -> None:
    """No server, no real clock: the queue is real greenlets holding and waiting for the turn."""
    line = _Line()
    # a burst of as many requests as the cap, then nothing: it drains, oldest first
    for k in range(8):
        line.arrive(f"burst{k}")
    line.arrive("ninth")
    assert line.refusal("ninth") == "queue_full"  # the hard cap
    for _ in range(7):
        line.now += 0.05
        line.finish()
    assert line.desk.started == [f"burst{k}" for k in range(8)]
    assert not line.turns.overloaded
    line.finish()
    assert not line.turns.holding
    # six clients that each send again when answered keep a queue of five that stands (its
    # oldest has waited more than a turn for far longer than the interval), but they send no
    # faster than they are answered: FIFO, nobody refused, whatever the clock
    for c in range(6):
        line.arrive(f"client{c}-0")
    for n in range(1, 60):
        line.now += 0.05
        done = line.desk.started[-1]
        line.finish()
        line.arrive(f"{done.split('-')[0]}-{n}")
        assert not line.turns.overloaded
    assert line.turns.standing_since is not None
    assert line.now - line.turns.standing_since > 10 * Turns.INTERVAL
    order = line.desk.started[8:]
    assert order == sorted(order, key=lambda name: (int(name.split("-")[1]), name))
    assert line.desk.refused == {"ninth": "queue_full"}


def test_an_overloaded_worker_serves_the_newest_read_and_sheds_the_rest() -> None:
    line = _Line()
    line.overload()
    # until then turns went oldest first
    served = line.desk.started
    assert served[:3] == ["early0a", "early0b", "early1a"]
    # now every turn goes to the newest read; the older ones are refused within the deadline
    # (one turn): on the arrival of a newer read, or when their own wait passes it
    assert len(line.turns.waiting) <= 1
    for k in range(20):
        line.arrive(f"late{k}a")
        line.now += 0.025
        line.arrive(f"late{k}b")
        assert line.refusal(f"late{k}a") == "expected_wait"  # a newer one goes first
        line.now += 0.025
        assert line.finish() == f"late{k}b"
    refused_late = {n for n in line.desk.refused if n.startswith("late")}
    assert refused_late == {f"late{k}a" for k in range(20)}
    assert set(line.desk.refused.values()) <= {"queue_full", "waited", "expected_wait"}
    assert line.turns.overloaded
    # the load stops: the queue drains, and once arrivals no longer outpace turns the next
    # turn that ends with nobody waiting ends the overload
    assert line.finish() == ""
    line.now += Turns.WINDOW
    line.arrive("quiet")
    assert line.desk.started[-1] == "quiet"
    line.finish()
    assert not line.turns.overloaded
    _until(lambda: all(g.dead for g in line.greenlets.values()), "every request answered")
    assert all(g.value for g in line.greenlets.values())  # answered or refused, never hanging


def test_the_switch_and_the_shedding_come_from_the_clock_not_only_from_arrivals() -> None:
    """Reads queued first come, first served before the worker counts as overloaded look at the
    queue on their own timers: the switch comes once the queue has stood long enough, with no
    arrival or turn's end to prompt it, every read that can no longer start in time is refused
    at once, and one that still could is refused by its own timer once it cannot."""
    line = _Line(cost=0.2)  # the deadline and the standing target: 0.2 s
    for k in range(12):  # a burst past the cap: 7 queue, 4 are refused (more than a closed loop)
        line.arrive(f"burst{k}")
    assert sum(r == "queue_full" for r in line.desk.refused.values()) == 4
    assert not line.turns.overloaded  # nobody has waited yet
    line.now += 0.3
    _until(lambda: line.turns.standing_since is not None, "a waiting read's look at the queue")
    assert not line.turns.overloaded  # it has stood for less than the interval
    assert line.finish() == "burst1"  # still first come, first served
    assert (
        abs(line.turns.deadline() - 0.25) < 1e-9
    )  # burst0's turn took 0.3 s: the median of 0.2 and 0.3
    line.now += 0.05
    line.arrive("recent")  # queued first come, first served: the worker is not overloaded yet
    assert not line.turns.overloaded
    line.now += Turns.INTERVAL  # nothing arrives, no turn ends
    _until(lambda: line.turns.overloaded, "the switch to overload by a waiting read's timer")
    for k in range(2, 8):
        assert line.refusal(f"burst{k}") == "waited"  # waited 0.45 s: refused at the switch
    assert "recent" not in line.desk.refused  # waited 0.15 s: it could still start in time
    line.now += 0.15  # and now it cannot; still nothing arrives
    assert line.refusal("recent") == "waited"
    assert line.desk.started == ["burst0", "burst1"]


def test_writes_keep_their_order_and_are_never_shed() -> None:
    line = _Line(limit=8)
    line.overload()
    line.arrive("put1", "PUT", "/documents/a")
    line.arrive("read1")
    line.now += 0.01
    line.arrive("put2", "DELETE", "/documents/a")
    line.arrive("read2")
    line.now += 1.0  # everyone waiting is far past the deadline
    assert line.finish() == "put1"
    assert line.finish() == "put2"
    assert line.refusal("read1") == "expected_wait" and line.refusal("read2") == "waited"
    assert "put1" not in line.desk.refused and "put2" not in line.desk.refused
    # at the cap, a read displaces the oldest waiting read; a write finds no room
    line = _Line(limit=4)
    line.overload()
    line.arrive("put1", "PUT", "/documents/a")
    line.arrive("put2", "PUT", "/documents/a")
    line.arrive("newer")
    assert line.turns.queued == 4
    line.arrive("newest")
    assert line.refusal("newer") == "expected_wait" and "newest" not in line.desk.refused
    line.arrive("put3", "PUT", "/documents/a")
    assert line.refusal("put3") == "queue_full"
    assert [line.finish() for _ in range(3)] == ["put1", "put2", "newest"]


def test_a_turn_that_ended_leaves_room_for_its_clients_next_request() -> None:
    """``limit`` clients that each wait for their answer never find the cap full: a client's next
    request may arrive after its answer was written but before the turn has been handed on."""
    line = _Line(limit=2)
    line.arrive("first")
    line.arrive("second")  # two clients: the cap is full
    assert line.turns.queued == 2
    line.desk.gates.setdefault("first", gevent.event.Event()).set()
    gevent.sleep(0)  # first's app returns; the zero-delay timer handing the turn on is pending
    assert line.turns.queued == 1  # first no longer counts
    line.arrive("first again")
    _until(lambda: line.desk.started == ["first", "second"], "the turn handed on, in order")
    assert line.finish() == "first again"
    assert not line.desk.refused


def test_a_read_past_its_deadline_is_answered_503_with_retry_after(tmp_path: Path) -> None:
    """While a long turn computes, nothing arrives and no turn ends: the waiting read's own
    timer finds it past the deadline, and the real app answers it 503 overloaded."""
    line = _Line(refusals=create_app(Settings(index_dir=tmp_path)))
    line.overload()
    line.arrive("late")  # the one before it is shed: it is the newest
    line.now += 0.2  # the turn in progress takes far longer than the deadline of 50 ms
    _until(lambda: "late" in line.answers, "the refusal of the read past its deadline")
    assert line.refusal("late") == "waited"
    status, headers = line.answers["late"]
    headers = {k.lower(): v for k, v in headers.items()}
    assert status.startswith("503") and headers["retry-after"] == "1", (status, headers)
    body = b"".join(line.greenlets["late"].get(timeout=10))
    assert json.loads(body)["error"]["code"] == "overloaded"
    # /health skips the queue, overloaded or not
    health = {"REQUEST_METHOD": "GET", "PATH_INFO": "/health", "QUERY_STRING": "health"}
    assert line.turns(health, None) == [b"healthy"]


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
