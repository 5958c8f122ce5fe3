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

import contextlib
import json
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field

import requests

from helpers import Server

HEADER_TIMEOUT = 3.0
BODY_TIMEOUT = 4.0
TRICKLE_EVERY = 0.3
HEADER_TRICKLERS = 100
BODY_TRICKLERS = 100
IDLE = 20
NORMAL_BOUND = 2.0  # generous for a ~10 ms search; a blocked worker would take HEADER_TIMEOUT+
SLACK = 4.0  # how late after its deadline a connection may be closed (2 shared cores)
WRITE_KEY = "slow-client-write-key"


@dataclass
class Slow:
    kind: str  # "header", "body" or "idle"
    sock: socket.socket
    opened: float
    step: int = 0
    closed_at: float | None = None
    received: bytearray = field(default_factory=bytearray)


def _open(srv: Server, kind: str, n: int) -> Slow:
    sock = socket.create_connection(("127.0.0.1", int(srv.url.rsplit(":", 1)[1])), timeout=5)
    host = "Host: 127.0.0.1\r\n"
    if kind == "header":
        sock.sendall(f"GET /search?q=slow{n} HTTP/1.1\r\n{host}".encode())
    elif kind == "body":
        sock.sendall(
            (
                f"PUT /documents/slow-{n} HTTP/1.1\r\n{host}"
                f"Authorization: Bearer {WRITE_KEY}\r\nContent-Type: application/json\r\n"
                f"Content-Length: 4000\r\n\r\n{{"
            ).encode()
        )
    sock.setblocking(False)
    return Slow(kind, sock, time.monotonic())


def _trickle(slow: list[Slow], stop: threading.Event) -> None:
    """Send the next header line or body byte on every open connection, and notice closes."""
    sel = selectors.DefaultSelector()
    for s in slow:
        sel.register(s.sock, selectors.EVENT_READ, s)
    next_send = time.monotonic()
    while not stop.is_set() and any(s.closed_at is None for s in slow):
        for key, _ in sel.select(timeout=0.05):
            s = key.data
            try:
                data = s.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                s.received += data
                continue
            s.closed_at = time.monotonic()
            sel.unregister(s.sock)
        if time.monotonic() < next_send:
            continue
        next_send += TRICKLE_EVERY
        for s in slow:
            if s.closed_at is not None or s.kind == "idle":
                continue
            s.step += 1
            chunk = f"X-Slow-{s.step}: {'a' * 20}\r\n".encode() if s.kind == "header" else b" "
            with contextlib.suppress(BlockingIOError, OSError):
                s.sock.send(chunk)
    sel.close()


def test_slow_clients_do_not_delay_a_search_and_are_dropped_on_time(make_server) -> None:
    srv: Server = make_server(
        env={
            "SEARCHSVC_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
            "SEARCHSVC_BODY_TIMEOUT": str(BODY_TIMEOUT),
            "SEARCHSVC_WRITE_KEYS": WRITE_KEY,
        },
        workers=2,
    )
    slow = [_open(srv, "header", n) for n in range(HEADER_TRICKLERS)]
    slow += [_open(srv, "body", n) for n in range(BODY_TRICKLERS)]
    slow += [_open(srv, "idle", n) for n in range(IDLE)]
    stop = threading.Event()
    trickler = threading.Thread(target=_trickle, args=(slow, stop), daemon=True)
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
