"""Slow and stalled clients against the real gunicorn: they must not cost anyone else an answer.

200 connections are held open at once (100 sending their request headers a line at a time, 100
sending a PUT body a byte at a time, each every 0.3 s), plus 20 that connect and send nothing.
Meanwhile ordinary searches must answer 200 within ``NORMAL_BOUND`` — a sync worker would not
answer at all until a trickler gave up — and the server must drop every slow connection once its
deadline passes: header tricklers and idle sockets are closed about ``HEADER_TIMEOUT`` after they
connected although the tricklers never stop sending, and body tricklers get a JSON 408
``request_timeout`` about ``BODY_TIMEOUT`` after their headers. Closing times are polled with
deadlines; the 0.3 s pauses are the slow clients themselves.
"""

from __future__ import annotations

import json
import sys
import threading
import time

import requests

from helpers import ROOT, Server

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.slow_clients import WRITE_KEY, open_all, trickle

HEADER_TIMEOUT = 3.0
BODY_TIMEOUT = 4.0
HEADER_TRICKLERS = 100
BODY_TRICKLERS = 100
IDLE = 20
NORMAL_BOUND = 2.0  # generous for a ~10 ms search; a blocked worker would take HEADER_TIMEOUT+
SLACK = 4.0  # how late after its deadline a connection may be closed (2 shared cores)


def test_slow_clients_do_not_delay_a_search_and_are_dropped_on_time(make_server) -> None:
    srv: Server = make_server(
        env={
            "SEARCHSVC_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
            "SEARCHSVC_BODY_TIMEOUT": str(BODY_TIMEOUT),
            "SEARCHSVC_WRITE_KEYS": WRITE_KEY,
        },
        workers=2,
    )
    slow = open_all(int(srv.url.rsplit(":", 1)[1]), HEADER_TRICKLERS, BODY_TRICKLERS, IDLE)
    stop = threading.Event()
    trickler = threading.Thread(target=trickle, args=(slow, stop), daemon=True)
    trickler.start()
    try:
        latencies = []
        for q in ("harbour", "minister", "budget", "climate", "harbour"):
            t0 = time.monotonic()
            resp = requests.get(srv.url + "/search", params={"q": q}, timeout=NORMAL_BOUND)
            latencies.append(time.monotonic() - t0)
            assert resp.status_code == 200, resp.text[:300]
        still_open = sum(s.closed_at is None for s in slow)
        assert still_open >= 200, f"only {still_open} slow connections were open during searches"
        print(f"searches beside {still_open} slow connections: max {max(latencies) * 1000:.0f} ms")

        trickler.join(timeout=max(HEADER_TIMEOUT, BODY_TIMEOUT) + SLACK + 5)
        assert not trickler.is_alive(), [s.kind for s in slow if s.closed_at is None][:10]
    finally:
        stop.set()
        for s in slow:
            s.sock.close()

    for s in slow:
        assert s.closed_at is not None
        lived = s.closed_at - s.opened
        deadline = BODY_TIMEOUT if s.kind == "body" else HEADER_TIMEOUT
        assert deadline - 0.5 <= lived <= deadline + SLACK, (s.kind, lived)
        if s.kind == "body":
            head, _, body = bytes(s.received).partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 408 "), head[:200]
            assert json.loads(body)["error"]["code"] == "request_timeout", body[:200]
        else:
            assert not s.received, (s.kind, bytes(s.received[:200]))
    # the server is fine afterwards
    assert requests.get(srv.url + "/search", params={"q": "harbour"}, timeout=5).status_code == 200
