"""Whoosh vs OpenSearch backends, side by side in one run on the same files: bulk import chunks/s
(``searchsvc reindex``'s path: reading and chunking included), the CPU-seconds per chunk of the
client and of the node(s), HTTP ``/search`` p50/p95/p99 with facets and highlights through a real
``searchsvc serve --workers 2`` beside OpenSearch's own ``took`` for the same searches, uncached
QPS with 2 workers (``wrk``, distinct URLs), and memory: each node's JVM heap and process RSS, the
gunicorn workers' RSS.

    python -m bench opensearch --opensearch-url URL[,…] [--opensearch-url URL,URL,URL] [--limit N]
    python -m bench opensearch --opensearch-url URL --import-only --skip-whoosh   # one import

Each ``--opensearch-url`` is one cluster (``deploy/opensearch-dev/cluster start N DIR`` prints
the URLs; the nodes must run on this machine for their RSS and CPU to be read). Its index is built
under a fresh alias and removed afterwards; a cluster of more than one node gets 2 primaries and
1 replica (as the test suite's), a single node 1 primary and none.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
import requests

from .common import Stopwatch, load_queries, percentiles, print_table, ratio, write_results
from .corpus import corpus_files
from .http_latency import UNCACHED_PER_PAGE, Server, cache_env, replay, search_path, wrk, wrk_script

WARMUP_S = 3


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--opensearch-url",
        action="append",
        default=[],
        help="comma-separated node URLs of one cluster; repeat for another cluster",
    )
    ap.add_argument("--procs", type=int, default=2, help="processes analysing for the import")
    ap.add_argument("--duration", type=int, default=10, help="seconds of the uncached wrk run")
    ap.add_argument("--import-only", action="store_true", help="measure the imports alone")
    ap.add_argument("--skip-whoosh", action="store_true", help="OpenSearch cluster(s) only")


def _cpu_s() -> float:
    """CPU seconds of this process and its reaped children (the import's analysis processes)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _main_cpu_s() -> float:
    """CPU seconds of this process alone: what caps one import however many processes help."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def _nodes(client: Any) -> list[dict[str, Any]]:
    """Per node: name, pid, CPU seconds so far, heap used/max, RSS (read locally by pid)."""
    info = client.nodes.info(metric="process")["nodes"]
    stats = client.nodes.stats(metric="jvm,process")["nodes"]
    out = []
    for node_id, s in stats.items():
        pid = info[node_id]["process"]["id"]
        try:
            rss = round(psutil.Process(pid).memory_info().rss / 2**20, 1)
        except psutil.Error:
            rss = None
        out.append(
            {
                "name": s["name"],
                "pid": pid,
                "cpu_s": s["process"]["cpu"]["total_in_millis"] / 1000,
                "heap_used_mb": round(s["jvm"]["mem"]["heap_used_in_bytes"] / 2**20, 1),
                "heap_max_mb": round(s["jvm"]["mem"]["heap_max_in_bytes"] / 2**20, 1),
                "rss_mb": rss,
            }
        )
    return sorted(out, key=lambda n: n["name"])


def measure_import(engine: Any, files: list[Path], procs: int) -> dict[str, Any]:
    """``searchsvc reindex`` of ``files`` (a new index swapped in), with the CPU it took where."""
    client = getattr(engine.backend, "client", None)
    nodes0 = _nodes(client) if client is not None else []
    load0, cpu0, main0 = os.getloadavg()[0], _cpu_s(), _main_cpu_s()
    with Stopwatch() as t:
        report = engine.index_paths(files, procs=procs, into_new=True)
    client_cpu, main_cpu = _cpu_s() - cpu0, _main_cpu_s() - main0
    row: dict[str, Any] = {
        "documents": report.documents,
        "chunks": report.chunks,
        "procs": procs,
        "import_s": round(t.s, 2),
        "chunks_per_s": round(report.chunks / t.s),
        "client_cpu_s": round(client_cpu, 2),
        "client_cpu_us_per_chunk": round(client_cpu / report.chunks * 1e6, 1),
        "client_main_cpu_us_per_chunk": round(main_cpu / report.chunks * 1e6, 1),
        "loadavg_1m": [round(load0, 2), round(os.getloadavg()[0], 2)],
    }
    if client is not None:
        node_cpu = sum(n["cpu_s"] for n in _nodes(client)) - sum(n["cpu_s"] for n in nodes0)
        row["node_cpu_s"] = round(node_cpu, 2)
        row["node_cpu_us_per_chunk"] = round(node_cpu / report.chunks * 1e6, 1)
        # What this import would reach if each side had its own cores: chunks per CPU-second.
        row["client_chunks_per_cpu_s"] = round(report.chunks / client_cpu)
        row["node_chunks_per_cpu_s"] = round(report.chunks / node_cpu) if node_cpu else None
    return row


def replay_with_took(base: str, engine: Any, queries: list[dict[str, Any]]) -> dict[str, Any]:
    """Each query through HTTP, then straight to the cluster for its own ``took``: pairs measured
    moments apart, so a busy neighbour slows both sides of a ratio alike."""
    from searchsvc.engine.models import SearchRequest

    session = requests.Session()
    for q in queries[:20]:
        session.get(base + search_path(q, per_page=5), timeout=30)
    times, took, ratios, errors = [], [], [], 0
    for q in queries:
        with Stopwatch() as t:
            r = session.get(base + search_path(q), timeout=60)
        request = SearchRequest(q=q["q"], group=q.get("group"))
        own = engine.backend.searcher.search(request, engine.parse(q["q"])).took
        if r.status_code != 200:
            errors += 1
            continue
        times.append(t.ms)
        took.append(own)
        ratios.append(t.ms / max(own, 1))
    return {
        "client": percentiles(times),
        "opensearch_took_ms": percentiles(took),
        "http_over_took_per_query": percentiles(ratios),
        "errors": errors,
    }


def measure_http(
    engine: Any, env: dict[str, str], queries: list[dict[str, Any]], work: Path, duration: int
) -> dict[str, Any]:
    """Replay (p50/p95/p99) and an uncached wrk run, both through 2 gunicorn workers."""
    log = work / "server.log"
    no_cache_env, has_setting = cache_env()
    index_dir = engine.settings.index_dir
    with Server(index_dir, 2, log, env={**env, **no_cache_env}) as srv:
        if engine.backend.name == "opensearch":
            rep = replay_with_took(srv.base, engine, queries)
        else:
            rep = replay(srv.base, queries)
        warm = wrk_script([search_path(q, per_page=5) for q in queries[-40:]], work / "warm.lua")
        wrk(srv.base, warm, WARMUP_S, 4)
        paths = (
            [search_path(q) for q in queries]
            if has_setting
            else [search_path(q, per_page=n) for n in UNCACHED_PER_PAGE for q in queries]
        )
        start = srv.log_position()
        load = wrk(srv.base, wrk_script(paths, work / "uncached.lua"), duration, 4)
        load["server_log"] = srv.log_summary(since=start)
        rep["rss_mb"] = srv.rss_mb()
    return {"replay": rep, "uncached_2w": load}


def run(args: argparse.Namespace) -> None:
    from searchsvc.config import Settings, env_var
    from searchsvc.engine.service import Engine

    if not args.opensearch_url:
        raise SystemExit("bench opensearch: --opensearch-url is required (a running cluster)")
    if not args.import_only and shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    files = corpus_files(args.corpus, quick=args.quick, limit=args.limit)
    queries = [q for q in load_queries() if not q.get("filters")][: args.max_queries or 200]
    work = Path(tempfile.mkdtemp(prefix="bench-os-", dir=args.workdir))
    targets: list[tuple[str, dict[str, Any]]] = []
    if not args.skip_whoosh:
        targets.append(("whoosh", {"index_dir": work / "whoosh"}))
    for urls in args.opensearch_url:
        n = len(urls.split(","))
        targets.append(
            (
                f"opensearch {n} node{'s' if n > 1 else ''}",
                {
                    "index_dir": work / f"os{n}",
                    "backend": "opensearch",
                    "opensearch_url": urls,
                    "opensearch_index": f"bench-{uuid.uuid4().hex[:8]}",
                    "opensearch_shards": 1 if n == 1 else 2,
                    "opensearch_replicas": 0 if n == 1 else 1,
                },
            )
        )
    out: dict[str, Any] = {"files": len(files), "queries": len(queries), "backends": {}}
    try:
        for name, overrides in targets:
            print(f"{name}: importing {len(files)} files", flush=True)
            engine = Engine(Settings.from_env({}, **overrides))
            try:
                row: dict[str, Any] = {"import": measure_import(engine, files, args.procs)}
                print(f"  {row['import']}", flush=True)
                if not args.import_only:
                    env = {env_var(k): str(v) for k, v in overrides.items() if k != "index_dir"}
                    row.update(measure_http(engine, env, queries, work, args.duration))
                if overrides.get("backend") == "opensearch":
                    row["nodes"] = _nodes(engine.backend.client)
            finally:
                if overrides.get("backend") == "opensearch":
                    with contextlib.suppress(Exception):  # the cluster may be gone
                        engine.backend.client.indices.delete(
                            index=f"{overrides['opensearch_index']}*", ignore_unavailable=True
                        )
            out["backends"][name] = row
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _print(out, args.import_only)
    out["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    write_results("opensearch", out, quick=args.quick)


def _print(out: dict[str, Any], import_only: bool) -> None:
    rows = []
    for name, r in out["backends"].items():
        i = r["import"]
        rows.append([name, i["chunks"], i["procs"], i["chunks_per_s"], i["client_cpu_us_per_chunk"],
                     i["client_main_cpu_us_per_chunk"], i.get("node_cpu_us_per_chunk", ""),
                     f"{i['loadavg_1m'][0]}→{i['loadavg_1m'][1]}"])  # fmt: skip
    print_table(
        f"Import, reading and chunking included ({out['files']} files)",
        ["backend", "chunks", "procs", "chunks/s", "client CPU µs/chunk",
         "of which main process", "node CPU µs/chunk", "load 1 min"],
        rows,
    )  # fmt: skip
    if import_only:
        return
    rows = []
    for name, r in out["backends"].items():
        c, w = r["replay"]["client"], r["uncached_2w"]
        took = r["replay"].get("opensearch_took_ms", {})
        nodes = r.get("nodes", [])
        rows.append([name, c["p50"], c["p95"], c["p99"], took.get("p95", ""),
                     ratio(c["p95"], took["p95"]) if took else "", w["qps"],
                     ", ".join(str(x) for x in r["replay"]["rss_mb"]["workers"]),
                     ", ".join(f"{n['heap_used_mb']}/{n['rss_mb']}" for n in nodes)])  # fmt: skip
    print_table(
        f"HTTP /search, facets + highlights, 2 workers ({out['queries']} queries)",
        ["backend", "p50 ms", "p95 ms", "p99 ms", "took p95 ms", "p95 / took p95",
         "uncached QPS", "worker RSS MB", "node heap/RSS MB"],
        rows,
    )  # fmt: skip
