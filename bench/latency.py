"""In-process search latency, searchsvc vs tantivy on the same chunks and the same 320 queries.

Why in-process as well as over HTTP: it separates the engine's cost from gunicorn/Falcon/JSON, and it
is what the "query cost within 5× of tantivy" target compares. Each searchsvc query is a default
/search: top 10, exact total, facet counts, highlighted snippets (``SearchRequest`` defaults), with
the engine's result cache disabled so every query is computed: a *cold* pass (each query's first
visit: its terms looked up in each segment's term keys, or decoded from Whoosh's blocks for segments
without flat postings) and a *warm* pass (the same queries again: terms remembered, postings hot in
the page cache, as in a long-running worker); a third, cached pass is reported apart. ``--profile`` runs a cold pass on a
fresh Engine and a warm pass under cProfile and prints/records the hot spots.

    python -m bench latency [--quick] [--index-dir D --tantivy-dir T] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tantivy

from . import corpus
from .common import Stopwatch, load_queries, peak_rss_mb, percentiles, print_table, ratio
from .common import write_results as _write
from .tantivy_ref import TantivyIndex, latency_run

WARMUP = 20


def request_for(q: dict[str, Any], **overrides: Any):
    """A query-set entry → the engine's SearchRequest (defaults: facets + highlights, 10 hits)."""
    from searchsvc.engine.models import SearchRequest

    return SearchRequest(
        q=q.get("q", ""), filters=dict(q.get("filters") or {}), group=q.get("group"), **overrides
    )


@contextmanager
def result_cache(engine: Any, enabled: bool):
    """Switch the backend's per-process result cache off (emptied, size 0) for the block."""
    from searchsvc.engine.whoosh import backend as whoosh_backend

    saved = whoosh_backend.RESULT_CACHE_SIZE
    if not enabled:
        whoosh_backend.RESULT_CACHE_SIZE = 0
        engine.backend._results.clear()
    try:
        yield
    finally:
        whoosh_backend.RESULT_CACHE_SIZE = saved


def prepare_indexes(args: argparse.Namespace, work: Path) -> tuple[Path, Path, dict[str, Any]]:
    """Reuse ``--index-dir``/``--tantivy-dir`` when they hold an index, else build them."""
    from .indexing import build_searchsvc, build_tantivy

    files = corpus.corpus_files(args.corpus, quick=args.quick, limit=args.limit)
    sdir = Path(args.index_dir) if args.index_dir else work / "searchsvc"
    tdir = Path(args.tantivy_dir) if args.tantivy_dir else work / "tantivy"
    built: dict[str, Any] = {}
    if not (sdir.exists() and any(sdir.iterdir())):
        print(f"building searchsvc index of {len(files)} files → {sdir}", flush=True)
        built["searchsvc"] = build_searchsvc(files, args.scale, sdir)
    if not (tdir.exists() and (tdir / "meta.json").exists()):
        print(f"building tantivy index → {tdir}", flush=True)
        tdir.mkdir(parents=True, exist_ok=True)
        built["tantivy"] = build_tantivy(files, args.scale, tdir)
    return sdir, tdir, built


def open_tantivy(path: Path) -> TantivyIndex:
    ix = TantivyIndex.__new__(TantivyIndex)
    ix.path = Path(path)
    ix.index = tantivy.Index.open(str(path))
    ix.schema = ix.index.schema
    return ix


def searchsvc_run(
    engine: Any, queries: list[dict[str, Any]], profile: bool = False, fresh_engine: Any = None
) -> dict:
    """Timed passes: *cold* (result cache off, each query's first visit after the warm-up
    queries), *warm* (result cache off, the same queries again: their terms remembered — what a
    long-running worker sees for popular words) and *cached* (result cache on). ``--profile``
    profiles a cold pass on ``fresh_engine()`` (a new Engine: nothing remembered) and a warm pass
    after it, untimed."""
    for q in queries[:WARMUP]:
        engine.search(request_for(q, per_page=5))
    times: list[float] = []
    each: list[tuple[float, dict[str, Any]]] = []
    by_cat: dict[str, list[float]] = {}
    zero = partial = 0
    top: dict[int, list[str]] = {}
    errors: dict[str, int] = {}
    with result_cache(engine, False):
        for i, q in enumerate(queries):
            req = request_for(q)
            with Stopwatch() as t:
                res = _search(engine, req, errors)
            times.append(t.ms)  # an error answer (e.g. over the time budget) still took this long
            by_cat.setdefault(q.get("category", "?"), []).append(t.ms)
            each.append((t.ms, q))
            if res is None:
                continue
            zero += res.total == 0
            partial += any(h.partial for h in res.hits)
            top[i] = [h.id for h in res.hits]
    out: dict[str, Any] = {
        "all": percentiles(times),
        "by_category": {c: percentiles(v) for c, v in by_cat.items()},
        "slowest": slowest(each),
        "zero_hit_queries": zero,
        "queries_with_partial_hits": partial,
        "errors": errors,
        "_top": top,
    }
    warm: list[float] = []
    warm_cat: dict[str, list[float]] = {}
    with result_cache(engine, False):
        for q in queries:
            with Stopwatch() as t:
                _search(engine, request_for(q), {})
            warm.append(t.ms)
            warm_cat.setdefault(q.get("category", "?"), []).append(t.ms)
    out["warm"] = {
        "all": percentiles(warm),
        "by_category": {c: percentiles(v) for c, v in warm_cat.items()},
    }
    cached = []
    for q in queries:  # third pass: the result cache on, every query seen once already
        _search(engine, request_for(q), {})
    for q in queries:
        with Stopwatch() as t:
            _search(engine, request_for(q), {})
        cached.append(t.ms)
    out["cached"] = percentiles(cached)
    if profile:  # separate, untimed passes: cProfile's overhead must not leak into the numbers
        target = fresh_engine() if fresh_engine is not None else engine
        for key in ("profile", "profile_warm"):  # cold (fresh engine) then warm
            prof = cProfile.Profile()
            with result_cache(target, False):
                prof.enable()
                for q in queries:
                    _search(target, request_for(q), {})
                prof.disable()
            out[key] = profile_summary(prof)
            out[key]["total_s"] = round(pstats.Stats(prof).total_tt, 3)
    return out


def slowest(each: list[tuple[float, dict[str, Any]]], share: float = 0.05) -> list[dict]:
    """The slowest ``share`` of the queries (at least one), slowest first: the tail the
    percentiles summarise, by name, so each can be profiled on its own."""
    n = max(1, round(len(each) * share))
    ranked = sorted(each, key=lambda pair: -pair[0])[:n]
    return [{"ms": round(ms, 3), **{k: q[k] for k in ("q", "category", "filters", "group") if q.get(k)}}
            for ms, q in ranked]  # fmt: skip


def _search(engine: Any, req: Any, errors: dict[str, int]) -> Any:
    """engine.search, with the engine's own refusals (e.g. time budget) counted by error code."""
    from searchsvc.errors import SearchsvcError

    try:
        return engine.search(req)
    except SearchsvcError as exc:
        code = getattr(exc, "code", type(exc).__name__)
        errors[code] = errors.get(code, 0) + 1
        return None


def profile_summary(prof: cProfile.Profile, n: int = 30) -> dict[str, Any]:
    """Top functions by own time and by cumulative time, as text lines."""
    res: dict[str, Any] = {}
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(n)
        lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
        start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
        res[key] = lines[start : start + n + 1]
    return res


def run(args: argparse.Namespace) -> dict[str, Any]:
    from searchsvc.config import Settings
    from searchsvc.engine.service import Engine

    quick = bool(args.quick or args.limit)
    queries = load_queries()[: args.max_queries] if args.max_queries else load_queries()
    work = Path(tempfile.mkdtemp(prefix="bench-latency-", dir=args.workdir))
    try:
        sdir, tdir, built = prepare_indexes(args, work)
        engine = Engine(Settings.from_env(index_dir=sdir))
        stats = engine.stats()
        sv = searchsvc_run(
            engine,
            queries,
            profile=args.profile,
            fresh_engine=lambda: Engine(Settings.from_env(index_dir=sdir)),
        )
        tix = open_tantivy(tdir)
        tv = latency_run(tix, queries, warmup=WARMUP)
        overlap = _overlap(sv.pop("_top"), tix, queries)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = [["all", sv["all"]["p50"], sv["all"]["p95"], sv["all"]["p99"], tv["all"]["p50"],
             tv["all"]["p95"], ratio(sv["all"]["p50"], tv["all"]["p50"]),
             ratio(sv["all"]["p95"], tv["all"]["p95"])]]  # fmt: skip
    for cat, s in sv["by_category"].items():
        t = tv["by_category"][cat]
        rows.append([cat, s["p50"], s["p95"], s["p99"], t["p50"], t["p95"],
                     ratio(s["p50"], t["p50"]), ratio(s["p95"], t["p95"])])  # fmt: skip
    print_table(
        f"In-process latency ms — {stats.get('chunks', '?'):,} chunks, {len(queries)} queries, "
        "facets + highlights, result cache off",
        ["queries", "searchsvc p50", "p95", "p99", "tantivy p50", "p95", "×p50", "×p95"],
        rows,
    )
    print(f"\nThe slowest {len(sv['slowest'])} searchsvc queries (cold pass):")
    for entry in sv["slowest"]:
        print(f"  {entry['ms']:8.1f} ms  {entry['category']:<15} {entry['q']!r}")
    if sv["errors"]:
        print(f"\nsearchsvc refused some queries: {sv['errors']}")
    w = sv["warm"]["all"]
    print(f"\nsearchsvc warm (result cache off, second visit): p50 {w['p50']} ms, "
          f"p95 {w['p95']} ms, p99 {w['p99']} ms (×tantivy {ratio(w['p50'], tv['all']['p50'])} / "
          f"{ratio(w['p95'], tv['all']['p95'])})")  # fmt: skip
    print(f"\nsearchsvc with a warm result cache: p50 {sv['cached']['p50']} ms, "
          f"p95 {sv['cached']['p95']} ms; mean top-10 overlap with tantivy {overlap}")  # fmt: skip
    if "profile" in sv:
        for which in ("profile", "profile_warm"):
            for key in ("cumulative", "tottime"):
                print(f"\ncProfile of the searchsvc {which} pass "
                      f"({sv[which]['total_s']} s), top functions by {key} time:")  # fmt: skip
                print("\n".join(sv[which][key]))
    payload = {
        "index": stats,
        "built": built,
        "queries": len(queries),
        "searchsvc": sv,
        "tantivy": tv,
        "ratio_p50": ratio(sv["all"]["p50"], tv["all"]["p50"]),
        "ratio_p95": ratio(sv["all"]["p95"], tv["all"]["p95"]),
        "ratio_warm_p50": ratio(sv["warm"]["all"]["p50"], tv["all"]["p50"]),
        "ratio_warm_p95": ratio(sv["warm"]["all"]["p95"], tv["all"]["p95"]),
        "top10_overlap_with_tantivy": overlap,
        "peak_rss_mb": peak_rss_mb(),
    }
    _write("latency", payload, quick=quick)
    return payload


def _overlap(top: dict[int, list[str]], tix: TantivyIndex, queries: list[dict]) -> float | None:
    """Mean |searchsvc top10 ∩ tantivy top10| / 10 over queries where both found something."""
    searcher = tix.index.searcher()
    vals = []
    for i, q in enumerate(queries):
        theirs = {h["id"] for h in tix.search(q, facets=False, highlight=False,
                                              searcher=searcher)["hits"]}  # fmt: skip
        if top.get(i) and theirs:
            vals.append(len(set(top[i]) & theirs) / 10)
    return round(sum(vals) / len(vals), 3) if vals else None


def add_args(ap: argparse.ArgumentParser) -> None:
    if not any(a.dest == "profile" for a in ap._actions):
        ap.add_argument("--profile", action="store_true", help="cProfile the searchsvc pass")
