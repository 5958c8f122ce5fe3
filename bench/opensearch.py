"""Whoosh vs OpenSearch backends, side by side on the same documents: bulk import chunks/s (reading
and chunking included), search latency with facets and highlights (and OpenSearch's own ``took``
for the same searches), and each node's JVM heap.

    python -m bench opensearch --opensearch-url http://127.0.0.1:9200[,…] [--quick|--limit N]

Needs a running cluster (``deploy/opensearch-dev/cluster start N DIR`` prints the URLs). The
OpenSearch index is built with ``reindex``'s path (bulk, refresh and replicas off during the
build) under a fresh alias, and removed afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from .common import Stopwatch, load_queries, percentiles, print_table, write_results
from .corpus import chunk, corpus_files, load_documents


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--opensearch-url", required=False, help="comma-separated node URLs")
    ap.add_argument("--procs", type=int, default=2, help="processes analysing for the import")


def _pairs(files: list[Path]):
    for doc in load_documents(files):
        yield doc, chunk(doc)


def run(args: argparse.Namespace) -> None:
    from searchsvc.config import Settings
    from searchsvc.engine.models import SearchRequest
    from searchsvc.engine.service import Engine

    if not args.opensearch_url:
        raise SystemExit("bench opensearch: --opensearch-url is required (a running cluster)")
    files = corpus_files(args.corpus, quick=args.quick, limit=args.limit)
    queries = [q for q in load_queries() if not q.get("filters")][: args.max_queries or 200]
    work = Path(tempfile.mkdtemp(prefix="bench-os-", dir=args.workdir))
    alias = f"bench-{uuid.uuid4().hex[:8]}"
    engines = {
        "whoosh": Engine(Settings.from_env({}, index_dir=work / "whoosh")),
        "opensearch": Engine(
            Settings.from_env(
                {},
                backend="opensearch",
                opensearch_url=args.opensearch_url,
                opensearch_index=alias,
                opensearch_replicas=0 if len(args.opensearch_url.split(",")) == 1 else 1,
            )
        ),
    }
    out: dict[str, Any] = {"files": len(files), "queries": len(queries), "backends": {}}
    try:
        for name, engine in engines.items():
            with Stopwatch() as t:
                docs, chunks = engine.backend.rebuild(_pairs(files), procs=args.procs)
            row: dict[str, Any] = {
                "documents": docs,
                "chunks": chunks,
                "import_s": round(t.s, 2),
                "chunks_per_s": round(chunks / t.s),
            }
            for q in queries[:20]:  # warm caches the way a serving process is warm
                engine.search(SearchRequest(q=q["q"], group=q.get("group")))
            times, took = [], []
            for q in queries:
                request = SearchRequest(q=q["q"], group=q.get("group"))
                with Stopwatch() as s:
                    engine.search(request)
                times.append(s.ms)
                if name == "opensearch":
                    parsed = engine.parse(q["q"])
                    took.append(engine.backend.searcher.search(request, parsed).took)
            row["search_ms"] = percentiles(times)
            if took:
                row["opensearch_took_ms"] = percentiles(took)
                row["nodes"] = _heap(engine.backend.client)
            out["backends"][name] = row
    finally:
        os_engine = engines["opensearch"].backend
        with contextlib.suppress(Exception):  # the cluster may be gone; the result stands
            os_engine.client.indices.delete(index=f"{alias}*", ignore_unavailable=True)
        shutil.rmtree(work, ignore_errors=True)
    rows = []
    for name, r in out["backends"].items():
        s = r["search_ms"]
        rows.append([name, r["chunks"], r["chunks_per_s"], s["p50"], s["p95"], s["p99"],
                     r.get("opensearch_took_ms", {}).get("p95", "")])  # fmt: skip
    print_table(
        f"Whoosh vs OpenSearch ({len(files)} files, {len(queries)} queries)",
        ["backend", "chunks", "chunks/s", "p50 ms", "p95 ms", "p99 ms", "took p95 ms"],
        rows,
    )
    out["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    write_results("opensearch", out, quick=args.quick)


def _heap(client: Any) -> dict[str, float]:
    stats = client.nodes.stats(metric="jvm")["nodes"].values()
    return {n["name"]: round(n["jvm"]["mem"]["heap_used_in_bytes"] / 2**20, 1) for n in stats}
