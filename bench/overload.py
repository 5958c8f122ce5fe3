"""Overload: twice the measured capacity for a minute; what is past the queue bound gets a quick 503.

Why: a service that queues without bound answers everyone late once requests come faster than it
computes them; one with a bound (``SEARCHSVC_MAX_INFLIGHT`` per worker, ``api/admission.py``)
answers the excess ``503 overloaded`` with ``Retry-After`` at once and the rest in their usual
time. Steps, against ``searchsvc serve`` on a loopback port (uncached search URLs, as in the HTTP
benchmark):

1. **Capacity**: ``--clients`` closed-loop clients for ``--probe`` seconds; capacity C = 200s/s.
2. **Normal latency**: open loop at C/2 for ``--probe`` seconds.
3. **Overload**: open loop at ``--factor`` × C for ``--duration`` seconds (default 2 × C, 60 s).

Figures: offered and answered rates, statuses, latency of 200s and of 503s, 503s without
``Retry-After`` and why each 503 was refused (its message: queue full, expected wait, or waited
too long), how late the load generator itself sent (so its own lag is not taken for the
server's), other 5xx, requests without an answer, worker processes replaced (a worker that died),
and gunicorn's warnings. A ``verdict`` states each target: among them, admitted 200s at ``factor``
× C within ``LATENCY_RATIO`` of the normal phase's p50 and p99 (and of the capacity probe's, the
bound a queue that lets healthy bursts through can meet), 503 p99 within
``REFUSAL_P99_MS``, and no 503 at all in the capacity and normal phases (healthy load, bursts of
``--clients`` included, is never refused).

    python -m bench overload [--quick] [--index-dir D] [--workers 2] [--duration 60] [--factor 2]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .common import load_queries, print_table, write_results
from .http_latency import UNCACHED_PER_PAGE, Server, search_path
from .loadgen import closed_loop, ensure_index, open_loop, summary

# Targets of the overload phase. Admitted requests answer "within their normal latency": their
# p50 and p99 at most this many times the normal phase's (half capacity, open loop), and, the
# bound a queue that admits healthy bursts can meet, the capacity probe's (a healthy service at
# full load: its clients queue too); refusals are "quick": a 503's p99 (counted from its
# scheduled time, as every latency here) at most this.
LATENCY_RATIO = 1.5
REFUSAL_P99_MS = 100.0


def run(args: argparse.Namespace) -> dict[str, Any]:
    quick = bool(args.quick)
    duration = min(args.duration, 15) if quick else args.duration
    probe = min(args.probe, 5) if quick else args.probe
    queries = load_queries()
    paths = [search_path(q, per_page=n) for n in UNCACHED_PER_PAGE for q in queries]
    work = Path(tempfile.mkdtemp(prefix="bench-overload-", dir=args.workdir))
    try:
        index_dir = ensure_index(args, work)
        log = Path(args.workdir) / "bench-overload-server.log"
        log.unlink(missing_ok=True)
        with Server(index_dir, args.workers, log) as srv:
            closed_loop(srv.base, paths[-200:], args.clients, 3)  # warm-up, other URLs
            workers_before = sorted(srv.worker_pids())
            cap = summary(closed_loop(srv.base, paths, args.clients, probe), probe)
            capacity = cap["answered_200_per_s"]
            print(f"capacity: {capacity} answers/s with {args.clients} clients", flush=True)
            normal = summary(open_loop(srv.base, paths, max(1.0, capacity / 2), probe), probe)
            rate = max(2.0, args.factor * capacity)
            print(f"overload: {rate:.0f} requests/s for {duration} s", flush=True)
            start = srv.log_position()
            over = summary(open_loop(srv.base, paths, rate, duration), duration)
            workers_after = sorted(srv.worker_pids())
            server_log = srv.log_summary(since=start)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    n200, n503 = over["latency_200_ms"]["n"], over["latency_503_ms"]["n"]
    admitted, usual, full = over["latency_200_ms"], normal["latency_200_ms"], cap["latency_200_ms"]
    verdict = {
        "no worker died": workers_before == workers_after,
        "no 5xx but 503": over["other_5xx"] == 0,
        "every request answered": over["no_answer"] == 0,
        "every 503 carries Retry-After": over["503_without_retry_after"] == 0,
        "excess refused (some 503s)": n503 > 0,
        "admitted answered (200s)": n200 > 0,
        "503s quicker than normal 200s at p99": over["latency_503_ms"]["p99"]
        <= max(usual["p99"], 1.0),
        f"503 p99 <= {REFUSAL_P99_MS:g} ms": over["latency_503_ms"]["p99"] <= REFUSAL_P99_MS,
        f"admitted 200s p50 within {LATENCY_RATIO:g}x normal": admitted["p50"]
        <= LATENCY_RATIO * usual["p50"],
        f"admitted 200s p99 within {LATENCY_RATIO:g}x normal": admitted["p99"]
        <= LATENCY_RATIO * usual["p99"],
        f"admitted 200s p50 and p99 within {LATENCY_RATIO:g}x the capacity probe's": admitted["p50"]
        <= LATENCY_RATIO * full["p50"]
        and admitted["p99"] <= LATENCY_RATIO * full["p99"],
        "healthy load never refused (no 503 at capacity or C/2)": cap["latency_503_ms"]["n"] == 0
        and normal["latency_503_ms"]["n"] == 0,
    }
    rows = []
    for name, s in (("capacity (closed loop)", cap), ("normal (C/2)", normal),
                    (f"overload ({args.factor:g} × C)", over)):  # fmt: skip
        lat = s["latency_200_ms"]
        rows.append([name, s["offered_per_s"], s["answered_200_per_s"], lat["p50"], lat["p95"],
                     lat["p99"], s["latency_503_ms"]["n"], s["latency_503_ms"]["p99"],
                     s["other_5xx"], s["no_answer"]])  # fmt: skip
    print_table(
        f"Overload, {args.workers} workers (max_inflight per worker from SEARCHSVC_MAX_INFLIGHT)",
        ["phase", "offered/s", "200/s", "200 p50 ms", "200 p95 ms", "200 p99 ms", "503s",
         "503 p99 ms", "other 5xx", "no answer"],
        rows,
    )  # fmt: skip
    print_table(
        "Verdict", ["target", "met"], [[k, "yes" if v else "NO"] for k, v in verdict.items()]
    )
    if server_log["events_total"]:
        print(f"server log events ({server_log['events_total']}): {server_log['events'][:5]}")
    payload = {
        "workers": args.workers,
        "clients": args.clients,
        "factor": args.factor,
        "duration_s": duration,
        "capacity": cap,
        "normal": normal,
        "overload": over,
        "workers_before": workers_before,
        "workers_after": workers_after,
        "server_log": server_log,
        "verdict": verdict,
    }
    write_results("overload", payload, quick=quick)
    return payload


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    ap.add_argument("--clients", type=int, default=8, help="closed-loop clients for capacity")
    ap.add_argument("--probe", type=int, default=10, help="seconds of capacity and normal runs")
    ap.add_argument("--duration", type=int, default=60, help="seconds of overload (default 60)")
    ap.add_argument("--factor", type=float, default=2.0, help="overload rate / capacity")
