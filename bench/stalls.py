"""Loop stalls: the longest stretches a search computes without reaching a safe point.

Why: a gevent worker reads a new request, and acts on a waiting request's deadline, only when the
search in progress gives way (``engine.pacing``). A phase that computes for 300 ms without a
safe point delays every refusal behind it by 300 ms, which the overload benchmark sees as slow
503s. This replays the overload benchmark's URLs (the whole query mix, shuffled with the same
seed) through the real app in process, with a pause installed that gives way at *every* safe
point and times the stretch since the previous one (and from the request's start to its first
safe point, and from its last to the answer). A stretch longer than ``--threshold-ms`` is kept
with where it started and where it ended (the code between is the phase without a safe point)
and whether a garbage collection ran in it. Stretches are judged by their CPU time: on a shared
machine a stretch's wall time also counts the time the process waited for a core, which no safe
point shortens (both are reported).

    python -m bench stalls --index-dir D [--threshold-ms 20] [--max-queries N]   (or --quick)
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .common import load_queries, percentiles, print_table, write_results
from .http_latency import UNCACHED_PER_PAGE, search_path
from .loadgen import ensure_index

OUR_CODE = "searchsvc"  # frames worth naming: the engine's, not the library's internals
SHOWN = 15  # stretches printed


def where(depth: int = 2) -> tuple[tuple[str, int, str], ...]:
    """The innermost frames of our code at this point, cheaply (no source lines read)."""
    frames = []
    frame = sys._getframe(depth)
    while frame is not None and len(frames) < 6:
        code = frame.f_code
        if OUR_CODE in code.co_filename and not code.co_filename.endswith("pacing.py"):
            name = code.co_filename.split("src/searchsvc/")[-1]
            frames.append((name, frame.f_lineno, code.co_name))
        frame = frame.f_back
    return tuple(frames)


START, ANSWER = (("request start", 0, ""),), (("answer", 0, ""),)


def named(frames: tuple[tuple[str, int, str], ...]) -> list[str]:
    return [f"{f}:{n} {c}".strip() if n else f for f, n, c in frames]


class StretchClock:
    """The pause installed in ``engine.pacing``: times each stretch between two safe points."""

    def __init__(self, threshold_s: float):
        self.threshold = threshold_s
        self.gaps: list[float] = []  # every stretch's wall time, seconds
        self.busy: list[float] = []  # and its CPU time: what the code costs, whatever the load
        self.long: list[dict[str, Any]] = []
        self.gc_runs = 0
        self.gc_started = 0.0
        self.gc_cpu = 0.0  # CPU seconds in collections, over the run
        self.gc_by_generation: Counter[int] = Counter()
        self.request = ""
        self.start(START)

    def start(self, at: tuple[tuple[str, int, str], ...]) -> None:
        self.at, self.wall, self.cpu, self.gc_mark = at, time.perf_counter(), time.thread_time(), 0
        self.gc_at_start = self.gc_runs
        self.gc_cpu_at_start, self.gc_oldest = self.gc_cpu, -1

    def pause(self) -> None:
        self.mark(where())

    def mark(self, here: tuple[tuple[str, int, str], ...]) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        gap, busy = wall - self.wall, cpu - self.cpu
        self.gaps.append(gap)
        self.busy.append(busy)
        if busy > self.threshold:
            self.long.append({
                "ms": round(1000 * gap, 1), "cpu_ms": round(1000 * (cpu - self.cpu), 1),
                "gc": self.gc_runs - self.gc_at_start, "request": self.request,
                "gc_cpu_ms": round(1000 * (self.gc_cpu - self.gc_cpu_at_start), 1),
                "gc_generation": self.gc_oldest,
                "from": named(self.at), "to": named(here),
            })  # fmt: skip
        self.start(here)

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.gc_started = time.thread_time()
            return
        self.gc_runs += 1
        self.gc_cpu += time.thread_time() - self.gc_started
        self.gc_oldest = max(self.gc_oldest, info["generation"])
        self.gc_by_generation[info["generation"]] += 1


def get(client: Any, path: str) -> Any:
    route, _, query = path.partition("?")
    return client.simulate_get(route, query_string=query)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """On ``--index-dir`` (a copy of the full index, for figures that mean something), else on
    an index built for the run (``--quick``: the seeds)."""
    work = Path(tempfile.mkdtemp(prefix="bench-stalls-", dir=args.workdir))
    try:
        return _replay(args, ensure_index(args, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _replay(args: argparse.Namespace, index_dir: Path) -> dict[str, Any]:
    import falcon.testing

    from searchsvc.api.app import create_app
    from searchsvc.config import Settings
    from searchsvc.engine import pacing

    queries = load_queries()
    paths = [search_path(q, per_page=n) for n in UNCACHED_PER_PAGE for q in queries]
    random.Random(15).shuffle(paths)  # the overload benchmark's order
    if args.max_queries:
        paths = paths[: args.max_queries]
    settings = Settings.from_env(index_dir=index_dir)  # as served, analytics included
    client = falcon.testing.TestClient(create_app(settings))
    # Opens the searcher and decodes the facet columns, unmeasured, on URLs the replay does not
    # ask for (a page size of its own): a replayed URL asked before would come from the cache.
    for q in queries[-50:]:
        get(client, search_path(q, per_page=5))
    # As a serving worker does once warm (api/app.py): the index's objects frozen out of garbage
    # collection. An older searchsvc put first on PYTHONPATH (a "before" run) has no heap module
    # and runs as it served, collecting everything.
    with contextlib.suppress(ImportError):
        from searchsvc.api.heap import Heap

        Heap().freeze(None)
    clock = StretchClock(args.threshold_ms / 1000)
    gc.callbacks.append(clock.on_gc)
    saved_interval = pacing.INTERVAL
    pacing.INTERVAL = 0.0  # every safe point pauses: a stretch is the code between two of them
    pacing.install(clock.pause)
    took: list[float] = []
    statuses: Counter[int] = Counter()
    try:
        for path in paths:
            clock.request = path
            clock.start(START)
            t0 = time.perf_counter()
            result = get(client, path)
            took.append(time.perf_counter() - t0)
            clock.mark(ANSWER)
            statuses[result.status_code] += 1
    finally:
        pacing.install(None)
        pacing.INTERVAL = saved_interval
        gc.callbacks.remove(clock.on_gc)
    by_phase = Counter(
        (" < ".join(s["from"][:2]) or "start") + "  →  " + " < ".join(s["to"][:2])
        for s in clock.long
    )
    worst = sorted(clock.long, key=lambda s: -s["cpu_ms"])
    gaps_ms = [1000 * g for g in clock.gaps]
    busy_ms = [1000 * g for g in clock.busy]
    print_table(
        f"Stretches without a safe point, {len(paths)} requests",
        ["measure", "value"],
        [
            ["stretches", len(gaps_ms)],
            ["wall p50 / p99 / max ms", " / ".join(f"{v:.1f}" for v in (
                percentiles(gaps_ms)["p50"], percentiles(gaps_ms)["p99"], max(gaps_ms)))],
            ["CPU p50 / p99 / max ms", " / ".join(f"{v:.1f}" for v in (
                percentiles(busy_ms)["p50"], percentiles(busy_ms)["p99"], max(busy_ms)))],
            [f"over {args.threshold_ms:g} ms of CPU", len(clock.long)],
            [f"over {args.threshold_ms:g} ms of wall time", sum(g > clock.threshold
                                                               for g in clock.gaps)],
            ["of those with a GC", sum(1 for s in clock.long if s["gc"])],
            ["collections by generation (0 / 1 / 2)", " / ".join(
                str(clock.gc_by_generation[g]) for g in range(3))],
            ["CPU ms in collections", round(1000 * clock.gc_cpu)],
            ["request p50 / p99 ms", " / ".join(f"{v:.1f}" for v in (
                percentiles([1000 * t for t in took])["p50"],
                percentiles([1000 * t for t in took])["p99"]))],
        ],
    )  # fmt: skip
    print_table("Where long stretches run (from → to)", ["stretches", "phase"],
                [[n, p] for p, n in by_phase.most_common(12)])  # fmt: skip
    print_table("Longest (CPU)", ["cpu ms", "wall ms", "gc", "gc ms (gen)", "from → to", "request"],
                [[s["cpu_ms"], s["ms"], s["gc"], f"{s['gc_cpu_ms']} ({s['gc_generation']})",
                  f"{s['from'][:1]} → {s['to'][:1]}",
                  s["request"][:70]] for s in worst[:SHOWN]])  # fmt: skip
    payload = {
        "requests": len(paths),
        "statuses": dict(statuses),
        "threshold_ms": args.threshold_ms,
        "stretch_ms": percentiles(gaps_ms),
        "stretch_max_ms": round(max(gaps_ms), 1),
        "stretch_cpu_ms": percentiles(busy_ms),
        "request_ms": percentiles([1000 * t for t in took]),
        "long_by_phase": dict(by_phase.most_common()),
        "gc_by_generation": dict(clock.gc_by_generation),
        "gc_cpu_ms": round(1000 * clock.gc_cpu),
        "longest": worst[:100],
    }
    write_results("stalls", payload, quick=bool(args.quick))
    return payload


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--threshold-ms", type=float, default=20.0, help="a stretch kept (ms)")
