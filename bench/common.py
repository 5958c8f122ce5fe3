"""Helpers every benchmark shares: percentiles, tables, the results writer, memory and machine facts.

One place for them so that every script reports latency the same way (same percentile definition,
same units) and every results file carries the machine it was measured on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
QUERIES_FILE = BENCH_DIR / "queries.json"


def session_nice(nice: int, pid: int | str = "self") -> int | None:
    """Give the session of ``pid`` (its scheduler autogroup) the priority ``nice``; returns the
    one it had, or None where there is no autogroup or no right to change it.

    Why: with ``kernel.sched_autogroup_enabled`` the scheduler shares the cores fairly between
    *sessions* first, and a process's nice value only orders it against processes of its own
    session. ``searchsvc serve`` runs in a session of its own, so ``nice -n -15 python -m bench``
    left the server at the priority of any other session on the machine: on the shared box its
    two busy workers split one session's share (≈ 0.5 of the 2 cores) where a lone busy worker,
    at half load, had it to itself. The benchmarks give the server's session, and their own
    (the load generator's), the nice value they were started with."""
    path = Path(f"/proc/{pid}/autogroup")
    try:
        before = int(path.read_text().split("nice")[1])
        path.write_text(str(nice))
    except (OSError, ValueError, IndexError):
        return None
    return before


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean/max of latencies in milliseconds (linear interpolation, like numpy)."""
    if not values_ms:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0, "max": 0.0}
    arr = np.asarray(values_ms, dtype=float)
    p50, p95, p99 = np.percentile(arr, [50, 95, 99])
    return {
        "n": len(arr),
        "p50": round(float(p50), 3),
        "p95": round(float(p95), 3),
        "p99": round(float(p99), 3),
        "mean": round(float(arr.mean()), 3),
        "max": round(float(arr.max()), 3),
    }


def ratio(a: float, b: float) -> float | None:
    """a / b rounded, or None when b is zero (a reference too fast to measure)."""
    return round(a / b, 2) if b else None


def print_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain Markdown table on stdout, so results can be pasted into BENCHMARKS.md unchanged."""
    rows = [[_cell(c) for c in r] for r in rows]
    widths = [
        max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h))
        for i, h in enumerate(headers)
    ]
    print(f"\n{title}\n")
    print("| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    sys.stdout.flush()


def _cell(c: Any) -> str:
    if c is None:
        return ""
    if isinstance(c, float):
        return f"{c:,.0f}" if abs(c) >= 1000 else f"{c:.1f}" if abs(c) >= 100 else f"{c:.3g}"
    return f"{c:,}" if isinstance(c, int) else str(c)


def results_dir() -> Path:
    """``SEARCHSVC_BENCH_RESULTS`` (tests point it at a temp dir) or ``bench/results``."""
    return Path(os.environ.get("SEARCHSVC_BENCH_RESULTS") or RESULTS_DIR)


def write_results(name: str, payload: dict[str, Any], quick: bool = False) -> Path:
    """Write ``<results>/<name>[-quick]-<UTC timestamp>.json`` with machine facts; return the path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir = results_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}{'-quick' if quick else ''}-{stamp}.json"
    doc = {"benchmark": name, "quick": quick, "timestamp": stamp, "machine": machine_info()}
    doc.update(payload)
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nresults: {path}")
    return path


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return ""


def _src_digest() -> str:
    """Hash of the engine's source files: gunicorn workers and indexing children import the
    working tree when they start, so an edit in the middle of a run changes what is measured."""
    h = hashlib.sha1()
    for path in sorted((REPO / "src").rglob("*.py")):
        with contextlib.suppress(OSError):  # a file removed while we list them
            h.update(path.as_posix().encode() + path.read_bytes())
    return h.hexdigest()[:12]


_START_COMMIT = _git("rev-parse", "--short", "HEAD")
_START_SRC = _src_digest()
_START_LOAD = os.getloadavg()
_START_DIRTY = len(_git("status", "--porcelain", "--", "src").splitlines())


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """CPU model, cores, RAM, Python and library versions, git commit: what a number depends on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_mb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_mb = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "ram_mb": mem_mb,
        # Load average at start and end: the box is shared, so a busy neighbour shows up here.
        "loadavg_start": [round(x, 2) for x in _START_LOAD],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "whoosh": _version("Whoosh-Reloaded") or _version("whoosh-reloaded"),
        "tantivy": _version("tantivy"),
        # The engine as it was when this run started (others may commit meanwhile); "dirty" counts
        # uncommitted files under src/, which the run measured too.
        "searchsvc_commit": _START_COMMIT,
        "src_uncommitted_files": _START_DIRTY,
        # True when src/ changed between the start and the end of the run: numbers (and errors,
        # e.g. a server started on a half-edited module) may then belong to two versions.
        "src_changed_during_run": _src_digest() != _START_SRC,
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux ru_maxrss is in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def peak_rss_children_mb() -> float:
    """Largest peak RSS among waited-for child processes (e.g. Whoosh's writer sub-processes)."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def dir_size_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
    return round(total / (1024 * 1024), 2)


def load_queries(path: Path = QUERIES_FILE) -> list[dict[str, Any]]:
    """The committed query set: a list of {"q", "category", optional "filters"/"group"}."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data["queries"] if isinstance(data, dict) else data


class Stopwatch:
    """``with Stopwatch() as t: ...`` then ``t.ms`` / ``t.s``."""

    def __enter__(self) -> Stopwatch:
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.s = time.perf_counter() - self._t0
        self.ms = self.s * 1000.0
