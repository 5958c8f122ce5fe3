"""Admission: a bounded queue per worker, so overload is refused quickly instead of making
every answer late.

A worker computes one search at a time; the requests that arrive meanwhile wait. Unbounded, that
wait grows for as long as requests come faster than they are answered, until every client times
out. Here a worker admits at most ``Settings.max_inflight`` requests at once (the one computing and
those queued behind it); one more is answered ``503 overloaded`` with ``Retry-After`` straight
away, at the cost of parsing its request line. So an admitted request waits at most
``max_inflight - 1`` requests' work, and a refused one learns it in milliseconds.

Under the gevent worker ``searchsvc serve`` runs, the queue is kept by the worker itself
(``worker.Turns``: one request computes at a time, and the sockets are polled while it computes,
so every arrival is counted as it arrives); a request it has no room for — the queue is full, or
the worker is overloaded and the request could not start within its deadline (at most
``Settings.max_queue_wait``) — reaches this middleware marked ``searchsvc.overloaded`` and is
refused here, so the answer is rendered like every other error.
Under sync or threaded workers (``gunicorn -k …`` by hand) the counter below is the bound, and
the ``time.sleep(0)`` yield is harmless.

``/health`` is never refused: a load balancer must see a busy worker as alive. Nor is a request
whose body the worker stopped waiting for (``worker.ExpiredBody``): its answer is an immediate 408.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import falcon

from ..errors import Overloaded

EXEMPT = frozenset({"/health"})


class AdmissionMiddleware:
    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self.inflight = 0
        self._lock = threading.Lock()  # a real lock under threaded workers, a no-op cost here

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        refused = req.env.get("searchsvc.overloaded")  # by the gevent worker's queue (worker.py)
        if refused == "waited":
            raise Overloaded(
                "the service is overloaded (this request waited past its worker's deadline for a "
                "turn, SEARCHSVC_MAX_QUEUE_WAIT at most); retry after the Retry-After delay"
            )
        if refused == "expected_wait":
            raise Overloaded(
                "the service is overloaded (newer requests go first and this one could not start "
                "within its worker's deadline); retry after the Retry-After delay"
            )
        if refused:
            raise Overloaded(
                f"the service is at capacity ({self.limit} requests queued per worker); "
                "retry after the Retry-After delay"
            )
        if req.path in EXEMPT or getattr(req.stream, "expired", False):
            return  # health must answer; a body the worker gave up on is a 408 at once
        with self._lock:
            admitted = self.inflight < self.limit
            if admitted:
                self.inflight += 1
        if not admitted:
            raise Overloaded(
                f"the service is at capacity ({self.limit} requests in progress per worker); "
                "retry after the Retry-After delay"
            )
        req.context.admitted = True
        time.sleep(0)  # let requests that already arrived be counted before this one computes

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        if getattr(req.context, "admitted", False):
            req.context.admitted = False
            with self._lock:
                self.inflight -= 1
