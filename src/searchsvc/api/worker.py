"""The gunicorn worker ``searchsvc serve`` runs: gevent, with a deadline on every slow client.

A sync worker is one client at a time, so a handful of clients that send their headers a line
every few seconds stop a sync service from answering anyone. Here each connection is a greenlet:
waiting for a client's bytes costs a few kilobytes, not a worker, and thousands of slow
connections do not delay a search. Searches themselves still run one after another per worker
(they are CPU-bound: no greenlet switch happens inside the engine), so throughput is the sync
worker's; ``admission.py`` bounds how many may queue.

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

import io
from typing import Any

import gevent
from gunicorn.workers.ggevent import GeventWorker

from ..config import Settings
from ..errors import RequestTimeout


class Worker(GeventWorker):
    def init_process(self) -> None:
        settings = Settings.from_env()
        self.header_timeout = settings.header_timeout
        self.body_timeout = settings.body_timeout
        self.max_body_bytes = settings.max_body_bytes
        super().init_process()

    def timeout_ctx(self) -> gevent.Timeout:
        """Bounds the parsing of one request (line, headers, and draining an unread body)."""
        return gevent.Timeout(self.header_timeout, False)

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> bool:
        original = req.body
        req.body = self._receive_body(req)
        try:
            keep_alive = super().handle_request(listener_name, req, sock, addr)
        finally:
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
