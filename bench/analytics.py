"""What recording search analytics costs: one SQLite insert per search, in process and over HTTP.

In process: ``Analytics.record_search`` timed alone (WAL, autocommit: one short transaction per
row) on the machine's disk. Over HTTP: the same sequential replay of the bench queries against
``searchsvc serve`` (one worker, the seeds) with ``SEARCHSVC_ANALYTICS`` on and off, so the
difference is what a user would notice.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from searchsvc.analytics import Analytics
from searchsvc.config import Settings
from searchsvc.engine.service import Engine

from .common import REPO, load_queries, percentiles, print_table, write_results
from .http_latency import Server, replay

INSERTS = 2000


def insert_cost(workdir: Path, n: int) -> dict[str, Any]:
    store = Analytics(workdir / "bench-analytics.sqlite3", retention_days=90)
    store.record_search("warm up", {}, 1, 1.0)
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        store.record_search(f"query {i % 97}", {"speaker": ["A"]}, i, 3.2, 1)
        times.append((time.perf_counter() - t0) * 1000)
    return percentiles(times)


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-analytics-", dir=args.workdir))
    try:
        inserts = insert_cost(workdir, INSERTS // 4 if args.quick else INSERTS)
        index = workdir / "index"
        Engine(Settings(index_dir=index)).index_paths([REPO / "seeds"])
        queries = load_queries()[: args.max_queries or (100 if args.quick else 400)]
        http = {}
        for label, flag in (("off", "false"), ("on", "true")):
            env = {"SEARCHSVC_ANALYTICS": flag, "SEARCHSVC_ANALYTICS_DB": str(workdir / "a.db")}
            with Server(index, 1, workdir / "server.log", env=env) as srv:
                http[label] = replay(srv.base, queries)["client"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_table(
        "Analytics: one insert per search",
        ["measure", "p50 ms", "p95 ms", "p99 ms", "n"],
        [
            ["record_search alone", inserts["p50"], inserts["p95"], inserts["p99"], inserts["n"]],
            *[
                [f"GET /search, analytics {k}", v["p50"], v["p95"], v["p99"], v["n"]]
                for k, v in http.items()
            ],
        ],
    )
    payload = {"insert_ms": inserts, "http_ms": http}
    write_results("analytics", payload, quick=args.quick)
    return payload
