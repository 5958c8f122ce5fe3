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
from typing import Any

import gevent
import gevent.lock
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


class Turns:
    """The app, run for one request at a time per worker, with a bounded queue in front.

    Admission is decided when a request arrives, from the wait it can expect: the requests
    ahead of it (the one computing and those queued) times the running cost of a read's turn
    (``TurnCost``; writes, rare and each fsynced, would make every search after a commit look
    slow). A read whose expected wait exceeds ``max_wait`` is refused at once — waiting
    and then being refused would be the worst of both — and so is any request that finds
    ``limit`` requests already holding or waiting for a turn (the hard cap). Three exceptions to
    the wait bound: a worker always admits a burst of up to ``BURST`` requests (a handful of
    clients at once is not overload, however slow the machine is at the moment); it applies the
    bound only while requests arrive faster than turns end (``overfed``: a few clients waiting
    for each answer saturate a worker without overloading it); and writes are
    bounded by the count alone (each is fsynced, so a few in a row would otherwise refuse the
    next; a CMS push refused costs more than one answered late). A read admitted beyond the
    burst that, the estimate having been wrong, waited more than ``BACKSTOP`` × ``max_wait`` by
    the time its turn comes is refused then rather than answered very late; that backstop only
    fires when the cost of turns jumps.

    Under gevent nothing would otherwise bound the queue that admission counts: a request that
    arrives while another computes is only read once the loop polls its sockets. Here requests
    take turns; a request that is refused is passed to the app marked ``searchsvc.overloaded``
    (``admission.py`` answers it 503 at once, without a turn); a turn is handed on only through a
    zero-delay timer, which fires after the loop has polled; and a search gives way to the loop
    every few milliseconds while it computes (``engine.pacing``, installed by the worker), so a
    request is read, counted and refused or queued within milliseconds of arriving, not after
    the search in progress. The turn stays held while the search gives way: one search computes
    at a time. ``/health`` and requests whose body timed out skip the queue: they cost nothing.
    The turn ends when the app returns, before the answer is written, so a client that reads its
    answer slowly never holds up the next search."""

    BURST = 4
    BACKSTOP = 4.0
    WINDOW = 1.0  # seconds over which arrivals are compared with turns done
    OVERFED = 1.5  # arrivals per turn done in that window that mean overload

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
        self.queued = 0  # holding a turn or waiting for one
        self.cost = TurnCost()
        self.arrivals: deque[float] = deque()  # in the last WINDOW, refused ones included
        self.done: deque[float] = deque()  # turns ended in the last WINDOW
        self.turn = gevent.lock.Semaphore(1)

    def overfed(self) -> bool:
        """Whether requests arrive faster than this worker's turns end. A few clients that each
        wait for their answer before asking again (a desk, a CMS, a benchmark's probe) can keep
        a queue of several, yet send no faster than they are answered: their queue does not
        grow, and nobody is refused for the wait they cause. Overload does grow the queue."""
        since = self.clock() - self.WINDOW
        for times in (self.arrivals, self.done):
            while times and times[0] < since:
                times.popleft()
        return len(self.arrivals) > self.OVERFED * max(len(self.done), 1)

    def wait_bounded(self, write: bool) -> bool:
        """Whether the wait bound applies to a request arriving now: not to a write, nor within
        the burst, nor while requests arrive no faster than turns end."""
        return not write and self.queued >= self.BURST and self.overfed()

    def refusal(self, bounded: bool) -> str | None:
        """Why a request arriving now would be refused (``bounded``: the wait bound applies to
        it, ``wait_bounded``), or None to admit it."""
        if self.queued >= self.limit:
            return "queue_full"
        if bounded and self.queued * self.cost.seconds > self.max_wait:
            return "expected_wait"
        return None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/health" or getattr(
            environ.get("wsgi.input"), "expired", False
        ):
            return self.app(environ, start_response)
        write = _is_write(environ)
        arrived = self.clock()
        self.arrivals.append(arrived)
        bounded = self.wait_bounded(write)
        refused = self.refusal(bounded)
        if refused:
            environ["searchsvc.overloaded"] = refused
            return self.app(environ, start_response)
        self.queued += 1
        self.turn.acquire()
        started = self.clock()
        try:
            if bounded and started - arrived > self.BACKSTOP * self.max_wait:
                environ["searchsvc.overloaded"] = "waited"  # answering it now would be late
                return self.app(environ, start_response)
            answer = self.app(environ, start_response)
            if not write:  # a write's fsyncs say nothing of what the searches queued cost
                self.cost.add(self.clock() - started)
            return answer
        finally:
            self.queued -= 1
            self.done.append(self.clock())
            timer = gevent.get_hub().loop.timer(0.0)
            timer.start(self._hand_on, timer)

    def _hand_on(self, timer: Any) -> None:
        timer.close()
        self.turn.release()


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
