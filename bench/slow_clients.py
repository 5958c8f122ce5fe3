"""Slow clients: 200 connections trickling their headers or bodies, and a normal search beside them.

Why: with one connection per worker, a handful of clients that send a header line every few
seconds stop a service from answering anyone. The target: with 200 such connections held open
(half trickling request headers, half trickling a PUT body, one line or byte every 0.3 s, plus 20
idle ones), a normal ``/search`` still answers within 1 s. Against ``searchsvc serve`` (2
workers) on a loopback port, the query mix is replayed one search at a time (uncached URLs),
first alone and then beside the slow connections; the header and body deadlines are raised to
``--hold`` seconds for the run so that all 200 stay open while it is measured (the test suite
checks the deadlines themselves, ``tests/test_slow_clients.py``).

    python -m bench slowclients [--quick] [--index-dir D] [--searches 200]
"""

from __future__ import annotations

import argparse
import contextlib
import selectors
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from .common import load_queries, percentiles, print_table, write_results
from .http_latency import UNCACHED_PER_PAGE, Server, search_path
from .loadgen import ensure_index

TRICKLE_EVERY = 0.3  # seconds between two header lines or body bytes of one slow client
TARGET_MS = 1000.0
WRITE_KEY = "slow-client-write-key"


@dataclass
class Slow:
    """One slow connection: what it sends (``header``, ``body`` or ``idle``), when it opened and
    was closed by the server, and what the server sent it."""

    kind: str
    sock: socket.socket
    opened: float
    step: int = 0
    closed_at: float | None = None
    received: bytearray = field(default_factory=bytearray)


def open_slow(port: int, kind: str, n: int) -> Slow:
    """Connect and send the start of a request: a request line (``header``), the headers of a
    4,000-byte PUT (``body``), or nothing (``idle``)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
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


def trickle(slow: list[Slow], stop: threading.Event) -> None:
    """Send the next header line or body byte on every open connection every ``TRICKLE_EVERY``
    seconds, and note when the server closes each; returns when all are closed or on ``stop``."""
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


def open_all(port: int, headers: int, bodies: int, idle: int) -> list[Slow]:
    slow = [open_slow(port, "header", n) for n in range(headers)]
    slow += [open_slow(port, "body", n) for n in range(bodies)]
    return slow + [open_slow(port, "idle", n) for n in range(idle)]


def _replay(base: str, paths: list[str]) -> tuple[list[float], list[int]]:
    latencies, statuses = [], []
    with requests.Session() as session:
        for path in paths:
            t0 = time.perf_counter()
            try:
                statuses.append(session.get(base + path, timeout=30).status_code)
            except requests.RequestException:
                statuses.append(0)
            latencies.append((time.perf_counter() - t0) * 1000)
    return latencies, statuses


def run(args: argparse.Namespace) -> dict[str, Any]:
    queries = load_queries()
    paths = [search_path(q, per_page=n) for n in UNCACHED_PER_PAGE for q in queries]
    alone_paths, beside_paths = paths[: args.searches], paths[args.searches : 2 * args.searches]
    work = Path(tempfile.mkdtemp(prefix="bench-slow-", dir=args.workdir))
    env = {
        "SEARCHSVC_HEADER_TIMEOUT": str(args.hold),
        "SEARCHSVC_BODY_TIMEOUT": str(args.hold),
        "SEARCHSVC_WRITE_KEYS": WRITE_KEY,
    }
    try:
        index_dir = ensure_index(args, work)
        log = Path(args.workdir) / "bench-slow-clients-server.log"
        log.unlink(missing_ok=True)
        with Server(index_dir, args.workers, log, env=env) as srv:
            _replay(srv.base, paths[-50:])  # warm-up, other URLs
            alone, alone_status = _replay(srv.base, alone_paths)
            slow = open_all(srv.port, args.slow // 2, args.slow - args.slow // 2, args.idle)
            stop = threading.Event()
            trickler = threading.Thread(target=trickle, args=(slow, stop), daemon=True)
            trickler.start()
            try:
                time.sleep(2 * TRICKLE_EVERY)  # the slow clients are mid-request
                beside, beside_status = _replay(srv.base, beside_paths)
                still_open = sum(s.closed_at is None for s in slow)
            finally:
                stop.set()
                trickler.join(timeout=10)
                for s in slow:
                    s.sock.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    a, b = percentiles(alone), percentiles(beside)
    verdict = {
        f"every search beside the slow clients within {TARGET_MS:g} ms": b["max"] <= TARGET_MS,
        "every search answered 200": set(alone_status + beside_status) == {200},
        f"all {len(slow)} slow connections open throughout": still_open == len(slow),
    }
    print_table(
        f"Searches one at a time, {args.workers} workers, ms (alone, then beside "
        f"{args.slow} trickling + {args.idle} idle connections)",
        ["run", "n", "p50", "p95", "p99", "max"],
        [["alone", a["n"], a["p50"], a["p95"], a["p99"], a["max"]],
         [f"beside {still_open} slow", b["n"], b["p50"], b["p95"], b["p99"], b["max"]]],
    )  # fmt: skip
    print_table(
        "Verdict", ["target", "met"], [[k, "yes" if v else "NO"] for k, v in verdict.items()]
    )
    payload = {
        "workers": args.workers,
        "slow_connections": args.slow,
        "idle_connections": args.idle,
        "open_throughout": still_open,
        "alone_ms": a,
        "beside_slow_ms": b,
        "statuses": sorted(set(alone_status + beside_status)),
        "verdict": verdict,
    }
    write_results("slow-clients", payload, quick=bool(args.quick))
    return payload


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    ap.add_argument("--searches", type=int, default=200, help="searches per run (default 200)")
    ap.add_argument("--slow", type=int, default=200, help="trickling connections (default 200)")
    ap.add_argument("--idle", type=int, default=20, help="idle connections (default 20)")
    ap.add_argument("--hold", type=float, default=120.0, help="header/body deadline for the run")
