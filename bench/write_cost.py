"""The cost of durability: milliseconds per acknowledged single-document write, fsync on and off.

Why: every write is fsynced before it is answered (``engine/whoosh/store.py``); this states what
that costs on the machine at hand. Two engines on two temp indexes of the seeds — one with
``fsync`` on (the default), one with ``SEARCHSVC_FSYNC=false`` — take turns putting the same
documents (new ids and replacements, 1–4 paragraphs), so both see the same load on a shared box.
Reports median, p90 and mean ms per ``put_json`` for each, and fsync calls per write.

    python -m bench writes [--writes 60]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import percentiles, print_table, write_results
from .loadgen import SEEDS


def run(args: argparse.Namespace) -> dict[str, Any]:
    from searchsvc.config import Settings
    from searchsvc.engine.service import Engine

    work = Path(tempfile.mkdtemp(prefix="bench-writes-", dir=args.workdir))
    calls = {"n": 0}
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        calls["n"] += 1
        real_fsync(fd)

    times: dict[bool, list[float]] = {True: [], False: []}
    fsyncs: dict[bool, int] = {True: 0, False: 0}
    try:
        engines = {}
        for durable in (True, False):
            engines[durable] = Engine(Settings(index_dir=work / f"fsync-{durable}", fsync=durable))
            engines[durable].index_paths([SEEDS])
        os.fsync = counting_fsync  # counts the engine's calls only; restored below
        for i in range(args.writes):
            n = 1 + i % 4
            doc = {"id": f"w{i % 20}", "title": f"Write {i}",
                   "body": "\n\n".join(f"Write cost paragraph {k} of story {i}." for k in range(n))}  # fmt: skip
            for durable in (True, False) if i % 2 else (False, True):
                before = calls["n"]
                t0 = time.perf_counter()
                engines[durable].put_json(doc)
                times[durable].append((time.perf_counter() - t0) * 1000)
                fsyncs[durable] += calls["n"] - before
    finally:
        os.fsync = real_fsync
        shutil.rmtree(work, ignore_errors=True)
    on, off = percentiles(times[True]), percentiles(times[False])
    print_table(
        f"Single-document writes ({args.writes} each, alternating), ms per acknowledged put",
        ["fsync", "p50", "p95", "mean", "fsync calls per write"],
        [
            ["on (default)", on["p50"], on["p95"], on["mean"], round(fsyncs[True] / args.writes, 1)],
            ["off", off["p50"], off["p95"], off["mean"], round(fsyncs[False] / args.writes, 1)],
            ["cost of durability", round(on["p50"] - off["p50"], 1), round(on["p95"] - off["p95"], 1),
             round(on["mean"] - off["mean"], 1), ""],
        ],
    )  # fmt: skip
    payload = {
        "writes": args.writes,
        "fsync_on_ms": on,
        "fsync_off_ms": off,
        "fsync_calls_per_write": {
            "on": fsyncs[True] / args.writes,
            "off": fsyncs[False] / args.writes,
        },
        "load_average": os.getloadavg(),
    }
    write_results("writes", payload)
    return payload


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--writes", type=int, default=60, help="writes per engine (default 60)")
