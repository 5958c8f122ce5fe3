"""One command per measurement, and ``all``; each prints a table and writes JSON to bench/results/.

    python -m bench queries            # regenerate bench/queries.json (fixed seed)
    python -m bench cisi [--quick]     # relevance: nDCG@10, MAP, MRR — searchsvc vs tantivy
    python -m bench tantivy [--quick]  # tantivy reference alone: indexing + in-process latency
    python -m bench indexing [--quick] # searchsvc indexing: docs/s, chunks/s, size, peak RSS (1 and N procs)
    python -m bench latency [--quick]  # in-process search latency, searchsvc vs tantivy, same chunks
    python -m bench http [--quick]     # real gunicorn service: p50/p95/p99, wrk QPS at 1/2/4 workers, RSS
    python -m bench analytics [--quick]  # cost of recording each search (SQLite insert), in process and HTTP
    python -m bench judged-pool        # re-pool the judged newsroom set (bench/judged/)
    python -m bench judged [--quick] [--baseline]  # ranking on the judged set: nDCG@10, MAP, MRR
    python -m bench opensearch --opensearch-url URL[,URL…] [--opensearch-url …]  # Whoosh vs OpenSearch: import, HTTP, memory
    python -m bench bulk [--quick] [--batches 1,1000] [--in-process]  # CMS POST /documents/_bulk, documents/s
    python -m bench overload [--quick] # 2 × capacity for 60 s: 503 + Retry-After past the queue bound
    python -m bench soak [--minutes 10] # mixed searches, writes, deletes, bulk: errors, lost writes, RSS, fds
    python -m bench writes             # ms per acknowledged write with and without fsync
    python -m bench slowclients [--quick]  # a search beside 200 trickling connections: ≤ 1 s
    python -m bench hostile [--quick]  # slowest answer to requests built to be expensive (≤ 2 s)
    python -m bench stalls --index-dir D  # longest stretches a search computes without a safe point
    python -m bench all [--quick]

``--quick`` uses a few hundred documents (``--limit N`` for fewer) and finishes in seconds to a minute.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
from pathlib import Path

COMMANDS = {
    "queries": "make_queries",
    "cisi": "cisi",
    "tantivy": "tantivy_ref",
    "indexing": "indexing",
    "latency": "latency",
    "http": "http_latency",
    "analytics": "analytics",
    "judged-pool": "judged.pool",
    "judged": "judged.evaluate",
    "opensearch": "opensearch",
    "bulk": "bulk",
    "overload": "overload",
    "soak": "soak",
    "writes": "write_cost",
    "slowclients": "slow_clients",
    "hostile": "hostile",
    "stalls": "stalls",
}
ALL = ("cisi", "indexing", "latency", "http")


def add_common(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--corpus", help="corpus directory (env SEARCHSVC_CORPUS)")
    ap.add_argument("--quick", action="store_true", help="a few hundred documents, seconds")
    ap.add_argument("--limit", type=int, help="use N documents, evenly spread over the corpus")
    ap.add_argument("--scale", type=int, default=1, help="replicate the corpus N times (new ids)")
    ap.add_argument("--max-queries", type=int, help="only the first N queries")
    ap.add_argument("--workdir", default="/tmp", help="where temporary indexes go (default /tmp)")
    ap.add_argument(
        "--index-dir", help="searchsvc index: built here (indexing) or reused if present"
    )
    ap.add_argument(
        "--tantivy-dir", help="tantivy index: built here (indexing) or reused if present"
    )


def common_parser(doc: str | None) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    add_common(ap)
    return ap


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        mod = importlib.import_module(f"bench.{module}")
        sp = sub.add_parser(name, help=(mod.__doc__ or "").split("\n")[0])
        if name != "queries":
            add_common(sp)
        if hasattr(mod, "add_args"):
            mod.add_args(sp)
    sp = sub.add_parser("all", help="cisi, indexing, latency and http in turn")
    add_common(sp)
    for name in ALL:
        mod = importlib.import_module(f"bench.{COMMANDS[name]}")
        if hasattr(mod, "add_args"):
            mod.add_args(sp)
    args = ap.parse_args(argv)
    if args.command == "queries":
        from .make_queries import main as make_main

        make_main([])
        return 0
    names = ALL if args.command == "all" else (args.command,)
    shared = None
    if args.command == "all" and not args.index_dir:
        # indexing builds the indexes once; latency and http reuse them; removed at the end.
        shared = Path(tempfile.mkdtemp(prefix="bench-all-", dir=args.workdir))
        args.index_dir, args.tantivy_dir = str(shared / "searchsvc"), str(shared / "tantivy")
    try:
        for name in names:
            importlib.import_module(f"bench.{COMMANDS[name]}").run(args)
    finally:
        if shared is not None:
            shutil.rmtree(shared, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
