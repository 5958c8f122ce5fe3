"""Indexing throughput: documents/s, chunks/s, index size on disk and peak RSS — searchsvc in one
process and with ``procs=N`` (N reading processes and N segment builders, ``whoosh/parallel.py``),
tantivy alongside.

Why a separate process per configuration: peak RSS (``ru_maxrss``) only ever grows, so each run
happens in a fresh child (``--child``) and the parent also samples the whole process tree (a
``procs=N`` build forks readers and builders) with psutil every 100 ms.

searchsvc's time covers the whole pipeline a user waits for (read → clean → chunk → analyse → write
→ commit). tantivy's is reported twice: the same pipeline with tantivy as the writer (the engine's
reader and chunker in Python, then tantivy), and tantivy's own share.

    python -m bench indexing [--quick] [--procs 1,2] [--scale N] [--keep-index DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import psutil

from . import corpus
from .common import REPO, dir_size_mb, peak_rss_children_mb, peak_rss_mb, print_table, ratio
from .common import write_results as _write


def build_searchsvc(
    files: list[Path], scale: int, index_dir: Path, procs: int = 1
) -> dict[str, Any]:
    """Index the corpus files (× scale) into ``index_dir`` through the engine; return counts/time."""
    from searchsvc.config import Settings
    from searchsvc.engine.service import Engine

    engine = Engine(Settings.from_env(index_dir=index_dir))
    t0 = time.perf_counter()
    if scale == 1:
        report = engine.index_paths(files, procs=procs)
        docs, chunks, method = report.documents, report.chunks, "Engine.index_paths"
    else:
        pairs = ((d, corpus.chunk(d)) for d in corpus.load_documents(files, scale))
        docs, chunks = _add_documents(engine, pairs, procs)
        method = "Engine.backend.add_documents (replicated Documents)"
    seconds = time.perf_counter() - t0
    return {
        "method": method,
        "procs": procs,
        "documents": docs,
        "chunks": chunks,
        "seconds": round(seconds, 2),
        "docs_per_s": round(docs / seconds, 1),
        "chunks_per_s": round(chunks / seconds, 1),
        "size_mb": dir_size_mb(index_dir),
    }


def _add_documents(engine: Any, pairs: Iterable, procs: int) -> tuple[int, int]:
    # A public bulk API (Engine.index_documents) is preferred when the engine offers one.
    if hasattr(engine, "index_documents"):
        r = engine.index_documents(pairs, procs=procs)
        return r.documents, r.chunks
    return engine.backend.add_documents(pairs, procs=procs)


def build_tantivy(files: list[Path], scale: int, index_dir: Path) -> dict[str, Any]:
    from .tantivy_ref import TantivyIndex, chunk_stream

    t0 = time.perf_counter()
    stats = TantivyIndex(index_dir).add(chunk_stream(corpus.load_documents(files, scale)))
    total = time.perf_counter() - t0
    stats.update(
        pipeline_seconds=round(total, 2),
        pipeline_chunks_per_s=round(stats["chunks"] / total, 1),
        pipeline_docs_per_s=round(stats["documents"] / total, 1),
    )
    return stats


def _child(args: argparse.Namespace) -> None:
    files = corpus.corpus_files(args.corpus, quick=args.quick, limit=args.limit)
    index_dir = Path(args.child_index)
    if args.system == "tantivy":
        out = build_tantivy(files, args.scale, index_dir)
    else:
        out = build_searchsvc(files, args.scale, index_dir, procs=args.child_procs)
    out["peak_rss_mb_self"] = peak_rss_mb()
    out["peak_rss_mb_children"] = peak_rss_children_mb()
    print("RESULT " + json.dumps(out), flush=True)


def run_child(args: argparse.Namespace, system: str, procs: int, index_dir: Path) -> dict:
    cmd = [sys.executable, "-m", "bench.indexing", "--child", "--system", system,
           "--child-procs", str(procs), "--child-index", str(index_dir), "--scale", str(args.scale)]  # fmt: skip
    if args.corpus:
        cmd += ["--corpus", args.corpus]
    if args.quick:
        cmd.append("--quick")
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        try:
            p = psutil.Process(proc.pid)
            while not done.is_set():
                try:
                    tree = [p, *p.children(recursive=True)]
                    rss = sum(c.memory_info().rss for c in tree if c.is_running())
                    peak[0] = max(peak[0], rss / 2**20)
                except psutil.Error:
                    pass
                time.sleep(0.1)
        except psutil.Error:
            pass

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, _ = proc.communicate()
    done.set()
    t.join()
    if proc.returncode != 0:
        raise RuntimeError(f"indexing child failed ({proc.returncode}): {' '.join(cmd)}")
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["peak_rss_mb_tree"] = round(peak[0], 1)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    quick = bool(args.quick or args.limit)
    procs_list = [int(p) for p in str(args.procs).split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench-indexing-", dir=args.workdir))
    runs: dict[str, Any] = {}
    try:
        for procs in procs_list:
            keep = args.index_dir
            target = (
                Path(keep) if (keep and procs == procs_list[0]) else work / f"searchsvc-p{procs}"
            )
            if keep and procs == procs_list[0] and target.exists():
                shutil.rmtree(target)
            print(f"indexing with searchsvc, procs={procs} → {target}", flush=True)
            runs[f"searchsvc procs={procs}"] = run_child(args, "searchsvc", procs, target)
        tdir = Path(args.tantivy_dir) if args.tantivy_dir else work / "tantivy"
        if tdir.exists():
            shutil.rmtree(tdir)
        print(f"indexing with tantivy → {tdir}", flush=True)
        runs["tantivy"] = run_child(args, "tantivy", 1, tdir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t = runs["tantivy"]
    rows = []
    for name, r in runs.items():
        rows.append([
            name, r["documents"], r["chunks"], r.get("pipeline_seconds", r["seconds"]),
            r.get("pipeline_docs_per_s", r["docs_per_s"]),
            r.get("pipeline_chunks_per_s", r["chunks_per_s"]),
            r["size_mb"], r["peak_rss_mb_tree"],
        ])  # fmt: skip
    print_table(
        f"Indexing ({'quick' if quick else 'full'}, scale ×{args.scale}, "
        f"chunker: {corpus.chunker_name()})",
        ["system", "docs", "chunks", "s", "docs/s", "chunks/s", "size MB", "peak RSS MB"],
        rows,
    )
    print(f"\ntantivy's own share (add + commit): {t['chunks_per_s']:,.0f} chunks/s")
    best = max((r for n, r in runs.items() if n != "tantivy"), key=lambda r: r["chunks_per_s"])
    payload = {
        "corpus": {"scale": args.scale, "chunker": corpus.chunker_name()},
        "runs": runs,
        "target_chunks_per_s": 2000,
        "best_searchsvc_chunks_per_s": best["chunks_per_s"],
        "ratio_tantivy_pipeline_over_searchsvc": ratio(
            t["pipeline_chunks_per_s"], best["chunks_per_s"]
        ),
    }
    _write("indexing", payload, quick=quick)
    return payload


def add_args(ap: argparse.ArgumentParser) -> None:
    if not any(a.dest == "procs" for a in ap._actions):
        ap.add_argument("--procs", default="1,2", help="comma-separated writer process counts")


def main(argv: list[str] | None = None) -> None:
    from .__main__ import common_parser

    ap = common_parser(__doc__)
    add_args(ap)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--system", default="searchsvc", help=argparse.SUPPRESS)
    ap.add_argument("--child-procs", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--child-index", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args)
    else:
        run(args)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
