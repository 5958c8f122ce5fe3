"""The gunicorn worker ``searchsvc serve`` runs: gevent, with a deadline on every slow client.

A sync worker is one client at a time, so a handful of clients that send their headers a line
every few seconds stop a sync service from answering anyone. Here each connection is a greenlet:
waiting for a client's bytes costs a few kilobytes, not a worker, and thousands of slow
connections do not delay a search. Searches themselves still run one after another per worker
(they are CPU-bound), so throughput is the sync worker's; a search pauses every few milliseconds
so the loop can read what arrived meanwhile (``poll_sockets``, installed as the engine's pause),
``Turns`` decides on each arrival whether it may queue, and ``EagerAcceptServer`` keeps that
queue where it can be counted.

Keep-alive is kept only while a worker is otherwise idle: a request that arrives while its
worker is busy is answered with ``Connection: close``, so under load clients reconnect through
the shared listen queue and reach whichever worker is free, as with sync workers. When the
worker is told to stop (SIGTERM, a reload), connections waiting idle between two requests are
closed at once: a request in progress is finished, but a stop does not wait out every client's
keep-alive time.

Deadlines, both from ``Settings``:

* ``header_timeout``: the request line and headers must have arrived this long after the
  connection opened or the previous answer was sent; otherwise the connection is closed without
  an answer (gunicorn's keep-alive loop wraps each request's parsing in this timeout, so it is
  the keep-alive idle time too).
* ``body_timeout``: the whole body must have arrived this long after the headers. The worker
  reads it before the app runs (up to ``max_body_bytes``), so a trickling upload never counts
  as a request in progress; one that misses the deadline is answered 408 ``request_timeout`` in
  JSON by the app, and the connection is then closed.
"""

from __future__ import annotations

import contextlib
import io
import socket
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gevent
import gevent.event
from gevent.server import StreamServer
from gunicorn.workers import ggevent
from gunicorn.workers.ggevent import GeventWorker

from ..config import Settings
from ..engine import pacing
from ..errors import RequestTimeout

ACCEPT_BATCH = 100  # gevent's own default
STOP_POLL = 0.1  # seconds between two looks at whether the worker has been told to stop


class EagerAcceptServer(StreamServer):
    """gevent's server, accepting every waiting connection (up to ``ACCEPT_BATCH``) per wake-up.

    gunicorn sets ``max_accept = 1`` when there are several workers, so that one worker does not
    take every connection of a burst. But a worker that accepts one connection per turn of its
    loop, and spends each turn computing, accepts no faster than it answers: under overload the
    queue then grows in the kernel's listen backlog, where admission cannot see it, and clients
    time out instead of getting a quick 503. Accepting everything that waits keeps the queue
    where it is counted. The price: a burst of more than ``max_inflight`` requests arriving at
    the same instant may be refused by one worker while another is idle."""

    @property
    def max_accept(self) -> int:  # type: ignore[override]
        return ACCEPT_BATCH

    @max_accept.setter
    def max_accept(self, value: int) -> None:
        pass  # gunicorn's 1 (see the docstring)


class Worker(GeventWorker):
    def load_wsgi(self) -> None:
        super().load_wsgi()
        self.wsgi = Turns(self.wsgi, self.max_inflight, self.max_queue_wait)
        pacing.install(poll_sockets)  # long searches let arrivals be read and refused meanwhile

    def run(self) -> None:
        ggevent.StreamServer = EagerAcceptServer  # what GeventWorker.run builds its servers from
        gevent.spawn(self._close_idle_once_stopping)
        super().run()

    def handle(self, listener: Any, client: Any, addr: Any) -> None:
        self.connections[client] = False  # open; True while one of its requests is handled
        try:
            super().handle(listener, client, addr)
        finally:
            self.connections.pop(client, None)

    def _close_idle_once_stopping(self) -> None:
        """Once the worker stops, end every connection that waits for its next request: its
        greenlet would otherwise keep the worker alive until the keep-alive time ran out. Those
        in the middle of a request answer it first (gunicorn closes them after that answer)."""
        while self.alive:
            gevent.sleep(STOP_POLL)
        for client, busy in list(self.connections.items()):
            if not busy:
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_RDWR)

    def init_process(self) -> None:
        settings = Settings.from_env()
        self.max_inflight = settings.max_inflight
        self.max_queue_wait = settings.max_queue_wait or float("inf")  # 0: no wait bound
        self.header_timeout = settings.header_timeout
        self.body_timeout = settings.body_timeout
        self.max_body_bytes = settings.max_body_bytes
        self.active = 0  # requests of this worker between their headers and their answer
        self.connections: dict[Any, bool] = {}  # open connection -> a request is being handled
        super().init_process()

    def timeout_ctx(self) -> gevent.Timeout:
        """Bounds the parsing of one request (line, headers, and draining an unread body)."""
        return gevent.Timeout(self.header_timeout, False)

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> bool:
        if self.active:
            # This worker is busy with another request: answer this one with Connection: close,
            # so the client's next request goes through the shared listen queue to whichever
            # worker is free, instead of waiting behind this one's queue on a kept-alive
            # connection (what sync workers, which never keep alive, get for free).
            req.force_close()
        self.active += 1
        self.connections[sock] = True
        original = req.body
        req.body = self._receive_body(req)
        try:
            keep_alive = super().handle_request(listener_name, req, sock, addr)
        finally:
            self.active -= 1
            self.connections[sock] = False
            # What the app left unread is drained under the header timeout instead.
            timed_out = isinstance(req.body, ExpiredBody)
            req.body = original
        if timed_out:
            raise StopIteration  # the rest of the body may still be on its way: close
        return keep_alive

    def _receive_body(self, req: Any) -> Any:
        """The whole body, read before the app runs, so the app (and the admission count) only
        ever sees complete requests; a body over the size limit is left for the app to refuse
        (413) unread, and one that does not arrive in time becomes a 408."""
        length = _content_length(req)
        if length == 0 or (length is not None and length > self.max_body_bytes):
            return req.body
        timer = gevent.Timeout(self.body_timeout)
        timer.start()
        try:
            return io.BytesIO(req.body.read(self.max_body_bytes + 1))
        except gevent.Timeout as exc:
            if exc is not timer:
                raise
            return ExpiredBody(self.body_timeout)
        finally:
            timer.close()


class TurnCost:
    """A running estimate of what one turn costs, in seconds: the median of the last ``RECENT``
    turns' durations, so it follows the queries of the moment and the machine's load (a
    search's cost varies a hundredfold with both) within a few turns. A median, not a mean: a
    wildcard search that took 600 ms among 20 ms ones says nothing about the requests queued
    behind it, and a mean (even a weighted one) would refuse them for the next several turns."""

    RECENT = 15

    def __init__(self) -> None:
        self.recent: deque[float] = deque(maxlen=self.RECENT)

    @property
    def seconds(self) -> float:
        """0 before any turn was measured: admission on the count bound alone."""
        return statistics.median(self.recent) if self.recent else 0.0

    def add(self, seconds: float) -> None:
        self.recent.append(seconds)


TURN = "turn"  # a waiter's verdict when it is handed the turn; any other verdict is a refusal


@dataclass(eq=False)
class Waiter:
    """A request waiting for its worker's turn: when it arrived, whether it writes, and the
    verdict it is woken with (``TURN``, or why it is refused)."""

    arrived: float
    write: bool
    ready: gevent.event.Event = field(default_factory=gevent.event.Event)
    verdict: str | None = None


class Turns:
    """The app, run for one request at a time per worker, with a queue in front that switches to
    newest-first and sheds its oldest reads when it stands (controlled delay + adaptive LIFO).

    Two kinds of load keep a queue, and only one of them is overload. A few clients that each
    wait for their answer (a desk, a CMS, a benchmark's probe) can keep several requests queued
    on a saturated worker, yet send no faster than they are answered: served in turn (FIFO) they
    all get answers, at the price of waiting for the few ahead. Overload — requests arriving
    faster than turns end — grows the queue until everyone waits the longest. So the queue is
    FIFO until both of these hold (``observe``):

    * it **stands**: the oldest waiting request has waited more than one turn (``target``) at
      every look for ``INTERVAL`` (CoDel's test: a queue that drains is no problem however long
      it gets for a moment); and
    * arrivals **outpace** turns: over the last ``WINDOW``, more requests arrived (refused ones
      included) than turns ended by more than ``limit``. That excess is at most what is queued
      now plus what was refused, so clients that each wait for their answer, ``limit`` of them
      or fewer, can never cause it, however slow the turns: only a queue that filled can.

    Then the worker is **overloaded** until a turn ends with nobody waiting and no more
    requests arrived than turns ended over the ``WINDOW`` (hysteresis: a gap in the arrivals
    does not switch it back to FIFO in the middle of an overload). While overloaded, the turn
    goes to the oldest waiting write if there is one (writes are never reordered against each
    other, nor refused but by the cap) and otherwise to the *newest* read: it has waited least,
    so it answers in about its normal time, instead of every request waiting for all those
    ahead. A read that has waited longer than the ``deadline`` — ``DEADLINE_TURNS`` times the
    running cost of a read's turn (``TurnCost``), at most ``max_wait`` — is refused, and so is
    one whose wait so far plus a turn for each read that arrived after it (each will go first)
    already exceeds it: a refusal is known within the deadline, and the worker does not idle
    while a request it can still answer in time waits. The hard cap holds in
    both modes: a request that finds ``limit`` requests holding or waiting for the turn is
    refused on arrival (while overloaded, a read displaces the oldest waiting read instead).
    ``max_wait`` infinite: never overloaded, FIFO with the cap alone.

    Under gevent nothing would otherwise bound the queue: a request that arrives while another
    computes is only read once the loop polls its sockets. Here requests take turns; a refused
    request is passed to the app marked ``searchsvc.overloaded`` (``admission.py`` answers it 503
    with ``Retry-After`` at once, without a turn); a turn is handed on only through a zero-delay
    timer, which fires after the loop has polled (so the newest arrival is known when the next
    is chosen); and a search gives way to the loop every few milliseconds while it computes
    (``engine.pacing``, installed by the worker), so a request is read, counted and queued or
    refused within milliseconds of arriving, not after the search in progress. The turn stays
    held while the search gives way: one search computes at a time. ``/health`` and requests
    whose body timed out skip the queue: they cost nothing. The turn ends when the app returns,
    before the answer is written, so a client that reads its answer slowly never holds up the
    next search."""

    TARGET = 0.005  # seconds: the least wait that counts as standing, whatever a turn costs
    INTERVAL = 0.1  # seconds the queue must stand before it counts as overloaded
    WINDOW = 2.0  # seconds over which arrivals are compared with turns ended
    DEADLINE_TURNS = 1.0  # an overloaded worker's deadline for a read, in turns

    def __init__(
        self,
        app: Any,
        limit: int,
        max_wait: float = float("inf"),
        clock: Callable[[], float] = time.monotonic,
    ):
        self.app = app
        self.limit = max(1, limit)
        self.max_wait = max_wait
        self.clock = clock
        self.cost = TurnCost()
        self.holding = False  # a request holds the turn (or it is being handed on)
        self.handing_on = False  # the turn has ended and the timer that hands it on is pending
        self.waiting: deque[Waiter] = deque()  # in arrival order
        self.overloaded = False
        self.standing_since: float | None = None
        self.arrivals: deque[float] = deque()  # in the last WINDOW, refused ones included
        self.done: deque[float] = deque()  # turns ended in the last WINDOW

    @property
    def queued(self) -> int:
        """Requests holding the turn or waiting for it: what the hard cap counts. A request whose
        turn has ended no longer counts while the turn is being handed on: its answer may be
        written, and its client's next request arrive, before the zero-delay timer that hands
        the turn on fires, and then ``limit`` clients that each wait for their answer (the
        benchmark's capacity probe) would find the cap full."""
        return int(self.holding and not self.handing_on) + len(self.waiting)

    def target(self) -> float:
        """The wait that is no queue: one turn (a request arriving during another's turn)."""
        return max(self.TARGET, self.cost.seconds)

    def deadline(self) -> float:
        """How long an overloaded worker lets a read wait for its turn."""
        if not self.cost.seconds:
            return self.max_wait  # no read measured yet
        return min(self.max_wait, self.DEADLINE_TURNS * self.cost.seconds)

    def outpaced(self, now: float, by: int | None = None) -> bool:
        """Whether more requests arrived than turns ended over the last ``WINDOW``, by more than
        ``by`` (default ``limit``: more than any set of at most ``limit`` clients waiting for
        their answers could)."""
        since = now - self.WINDOW
        for times in (self.arrivals, self.done):
            while times and times[0] < since:
                times.popleft()
        return len(self.arrivals) - len(self.done) > (self.limit if by is None else by)

    def observe(self, now: float, turn_ended: bool = False) -> None:
        """Updates the mode from the queue as it is now (on every arrival and every turn's end)."""
        if self.max_wait == float("inf"):
            return
        if self.overloaded:  # until it catches up with arrivals no faster than its turns
            if turn_ended and not self.waiting and not self.outpaced(now, by=0):
                self.overloaded = False
                self.standing_since = None
            return
        if not self.waiting or now - self.waiting[0].arrived <= self.target():
            self.standing_since = None
            return
        if self.standing_since is None:
            self.standing_since = now
        if now - self.standing_since >= self.INTERVAL and self.outpaced(now):
            self.overloaded = True

    def shed(self, now: float) -> None:
        """While overloaded, refuses every waiting read that cannot start within the deadline:
        its wait so far plus a turn for each read that arrived after it."""
        if not self.overloaded:
            return
        deadline, cost, newer = self.deadline(), self.cost.seconds, 0
        for waiter in reversed(list(self.waiting)):
            if waiter.write:
                continue
            waited = now - waiter.arrived
            if waited > deadline:
                self._wake(waiter, "waited")
            elif waited + newer * cost > deadline:
                self._wake(waiter, "expected_wait")
            else:
                newer += 1

    def next_waiter(self) -> Waiter | None:
        """Whom the turn goes to: the oldest request (FIFO), or while overloaded the oldest
        write, else the newest read."""
        if not self.waiting:
            return None
        if not self.overloaded:
            return self.waiting[0]
        return next((w for w in self.waiting if w.write), self.waiting[-1])

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/health" or getattr(
            environ.get("wsgi.input"), "expired", False
        ):
            return self.app(environ, start_response)
        write = _is_write(environ)
        arrived = self.clock()
        self.arrivals.append(arrived)
        verdict = self._wait_for_turn(write, arrived) if self._room(write) else "queue_full"
        if verdict != TURN:
            environ["searchsvc.overloaded"] = verdict
            return self.app(environ, start_response)
        started = self.clock()
        try:
            answer = self.app(environ, start_response)
            if not write:  # a write's fsyncs say nothing of what the searches queued cost
                self.cost.add(self.clock() - started)
            return answer
        finally:
            self._end_turn()

    def _room(self, write: bool) -> bool:
        """Whether a request arriving now fits under the hard cap: while overloaded, a read
        makes room by displacing the oldest waiting read (the newest goes first anyway)."""
        if self.queued < self.limit:
            return True
        oldest = next((w for w in self.waiting if not w.write), None)
        if write or not self.overloaded or oldest is None:
            return False
        self._wake(oldest, "expected_wait")
        return True

    def _wait_for_turn(self, write: bool, arrived: float) -> str:
        if not self.holding:
            self.holding = True
            return TURN
        waiter = Waiter(arrived, write)
        self.waiting.append(waiter)
        self.observe(arrived)
        self.shed(arrived)
        try:
            while not waiter.ready.wait(self._patience(waiter)):
                # Its deadline passed while the turn was held, or the queue has stood long
                # enough to count as overload since the last arrival or turn's end.
                now = self.clock()
                self.observe(now)
                self.shed(now)
        except BaseException:  # killed while waiting (the worker stops): leave the queue
            if waiter.verdict is None:
                self.waiting.remove(waiter)
            elif waiter.verdict == TURN:
                self._end_turn()
            raise
        assert waiter.verdict is not None
        return waiter.verdict

    def _patience(self, waiter: Waiter) -> float | None:
        """How long a waiting read sleeps before it looks at the queue and its own deadline
        again: one deadline, in either mode, so that a read queued first come, first served
        when the worker switches to overloaded is refused by its own timer once it cannot start
        in time, not on the next arrival or turn's end (at twice capacity, up to a turn later).
        Writes wait until woken: they are never refused for waiting. While FIFO, at least
        ``TARGET``: very short turns do not make every waiting read wake every millisecond."""
        if waiter.write or self.max_wait == float("inf"):
            return None
        return self.deadline() if self.overloaded else max(self.TARGET, self.deadline())

    def _wake(self, waiter: Waiter, verdict: str) -> None:
        self.waiting.remove(waiter)
        waiter.verdict = verdict
        waiter.ready.set()

    def _end_turn(self) -> None:
        self.done.append(self.clock())
        self.handing_on = True
        timer = gevent.get_hub().loop.timer(0.0)
        timer.start(self._hand_on, timer)

    def _hand_on(self, timer: Any) -> None:
        timer.close()
        self.handing_on = False
        now = self.clock()
        self.observe(now, turn_ended=True)
        self.shed(now)
        waiter = self.next_waiter()
        if waiter is None:
            self.holding = False
        else:
            self._wake(waiter, TURN)


def _is_write(environ: dict[str, Any]) -> bool:
    method = environ.get("REQUEST_METHOD", "GET")
    return method not in ("GET", "HEAD") and not (
        method == "POST" and environ.get("PATH_INFO") == "/search"
    )


def poll_sockets() -> None:
    """Lets this worker's loop poll its sockets and run what they made ready, then resumes: a
    zero-delay timer fires only after the poll (``gevent.sleep(0)`` would not wait for it)."""
    hub = gevent.get_hub()
    timer = hub.loop.timer(0.0)
    try:
        hub.wait(timer)
    finally:
        timer.close()


def _content_length(req: Any) -> int | None:
    """The declared body length; None for a chunked body (read up to the limit)."""
    names = dict(req.headers)  # gunicorn has refused duplicate or malformed framing headers
    if "TRANSFER-ENCODING" in names:
        return None
    return int(names.get("CONTENT-LENGTH", 0))


class ExpiredBody:
    """The body of a request whose client stalled: any read is a 408 ``request_timeout``."""

    expired = True  # admission lets it through: answering costs nothing

    def __init__(self, seconds: float):
        self.seconds = seconds

    def _expired(self, *args: Any) -> Any:
        raise RequestTimeout(
            f"the request body did not arrive within {self.seconds:g} s; the connection is closed"
        )

    read = readline = readlines = _expired

    def __iter__(self) -> ExpiredBody:
        return self

    def __next__(self) -> bytes:
        self._expired()
        return b""
