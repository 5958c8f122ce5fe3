"""Relevance on CISI (1,460 library-science abstracts, 112 queries, 76 with judgments): nDCG@10, MAP
and MRR for searchsvc's ranking and for tantivy's BM25 on the same collection, computed with ranx.

Why CISI: a small classic test collection with human relevance judgments, so ranking changes in the
engine (stemming, stopwords, field boosts, the AND-then-top-up policy) show up as numbers rather than
impressions. The queries are long natural-language requests; both systems get the same bag of words
(lower-cased, stopwords dropped, deduplicated, at most 64 terms = the engine's max_query_terms):

* tantivy: BM25 over title + abstract, ``en_stem`` tokenizer, OR of the terms, top 100.
* searchsvc, two modes: ``default`` sends the words as typed (ANDed, topped up with partial matches
  when fewer than a page match every word) and ``or`` joins the same words with ``OR`` (the
  engine's term limit counts words, not operators). searchsvc ranks chunks
  (paragraphs); a long abstract may be several chunks, so we ask for ``group=document`` (the best
  chunk per document, i.e. max-score aggregation) with per_page 100.

Only queries with judgments are scored (the standard practice); the run still executes all 112.
``--quick`` (20 judged queries) scores with the same formulas in plain Python instead of ranx,
whose first call spends ~20 s compiling with numba.

    python -m bench cisi [--quick] [--cisi DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy

from .common import Stopwatch, percentiles, print_table, write_results
from .corpus import CISI_DIR
from .make_queries import STOPWORDS

METRICS = ["ndcg@10", "map@100", "mrr@100", "recall@100"]
TOP_K = 100
MAX_TERMS = 64


@dataclass
class CisiDoc:
    id: str
    title: str
    authors: str
    body: str


def _records(path: Path) -> list[tuple[str, dict[str, str]]]:
    """SMART format: ``.I n`` starts a record, ``.T .A .W .X .B`` start fields."""
    records: list[tuple[str, dict[str, str]]] = []
    field = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"^\.([A-Z])(?:\s+(\d+))?\s*$", line)
        if m:
            if m.group(1) == "I":
                records.append((m.group(2), {}))
                field = None
            else:
                field = m.group(1)
                records[-1][1].setdefault(field, "")
            continue
        if records and field:
            records[-1][1][field] += line + "\n"
    return records


def load_docs(root: Path = CISI_DIR) -> list[CisiDoc]:
    return [
        CisiDoc(
            i, " ".join(f.get("T", "").split()), f.get("A", "").strip(), _paragraph(f.get("W", ""))
        )
        for i, f in _records(root / "CISI.ALL")
    ]


def _paragraph(text: str) -> str:
    return " ".join(text.split())  # hard-wrapped lines → one paragraph


def load_queries(root: Path = CISI_DIR) -> dict[str, str]:
    return {i: " ".join(f.get("W", "").split()) for i, f in _records(root / "CISI.QRY")}


def load_qrels(root: Path = CISI_DIR) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for line in (root / "CISI.REL").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            qrels.setdefault(parts[0], {})[parts[1]] = 1
    return qrels


def query_terms(text: str) -> list[str]:
    """The bag of words both systems receive: lower-case, no stopwords, unique, ≤ 64."""
    out: list[str] = []
    for w in re.findall(r"[a-z0-9]+", text.lower()):
        if w not in STOPWORDS and len(w) > 1 and w not in out:
            out.append(w)
    return out[:MAX_TERMS]


# --- tantivy -----------------------------------------------------------------------------------


def tantivy_run(docs: list[CisiDoc], queries: dict[str, str], workdir: str) -> dict[str, Any]:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", tokenizer_name="en_stem")
    sb.add_text_field("body", tokenizer_name="en_stem")
    tmp = tempfile.mkdtemp(prefix="bench-cisi-tantivy-", dir=workdir)
    try:
        index = tantivy.Index(sb.build(), path=tmp)
        writer = index.writer(heap_size=64_000_000, num_threads=1)
        for d in docs:
            writer.add_document(tantivy.Document(id=d.id, title=d.title, body=d.body))
        writer.commit()
        index.reload()
        searcher = index.searcher()
        run: dict[str, dict[str, float]] = {}
        times = []
        for qid, text in queries.items():
            with Stopwatch() as t:
                q, _ = index.parse_query_lenient(" ".join(query_terms(text)), ["title", "body"])
                res = searcher.search(q, limit=TOP_K)
                run[qid] = {searcher.doc(a)["id"][0]: float(s) for s, a in res.hits}
            times.append(t.ms)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"run": run, "latency_ms": percentiles(times)}


# --- searchsvc ---------------------------------------------------------------------------------


def searchsvc_runs(
    docs: list[CisiDoc], queries: dict[str, str], workdir: str
) -> dict[str, dict[str, Any]]:
    """Index the abstracts as one JSON file through the engine; run both query modes."""
    from searchsvc.config import Settings
    from searchsvc.engine.models import SearchRequest
    from searchsvc.engine.service import Engine

    from .latency import _search

    tmp = Path(tempfile.mkdtemp(prefix="bench-cisi-searchsvc-", dir=workdir))
    try:
        src = tmp / "cisi.json"
        src.write_text(
            json.dumps([{"id": d.id, "title": d.title, "body": d.body} for d in docs]),
            encoding="utf-8",
        )
        engine = Engine(Settings.from_env(index_dir=tmp / "index"))
        report = engine.index_paths([src])
        out: dict[str, dict[str, Any]] = {}
        # Both modes get the same ≤ 64 words: the engine's max_query_terms counts words, not the
        # OR operators between them (it did before 86f0d10; OR queries were then cut to 32 words).
        for mode, join, cap in (("default", " ", MAX_TERMS), ("or", " OR ", MAX_TERMS)):
            run: dict[str, dict[str, float]] = {}
            times, partial, errors = [], 0, {}
            for qid, text in queries.items():
                req = SearchRequest(
                    q=join.join(query_terms(text)[:cap]), per_page=TOP_K, group="document",
                    facets=False, highlight=False,
                )  # fmt: skip
                with Stopwatch() as t:
                    res = _search(engine, req, errors)
                times.append(t.ms)
                run[qid] = {}
                if res is None:
                    continue
                partial += any(h.partial for h in res.hits)
                for h in res.hits:  # group=document: one (the best) chunk per document
                    run[qid].setdefault(h.document["id"], float(h.score))
            out[mode] = {
                "run": run,
                "latency_ms": percentiles(times),
                "queries_with_partial_hits": partial,
                "errors": errors,
            }
        out["_index"] = {"documents": report.documents, "chunks": report.chunks}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


# --- scoring -----------------------------------------------------------------------------------


def score(
    qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], use_ranx: bool = True
) -> dict[str, float]:
    """Mean metrics over the judged queries: ranx, or (``use_ranx=False``, for smoke runs — ranx's
    first call JIT-compiles for ~20 s) the same binary-relevance formulas in plain Python."""
    if not use_ranx:
        return _score_plain(qrels, run)
    import warnings

    from ranx import Qrels, Run, evaluate

    warnings.filterwarnings("ignore", message=".*unsafe cast.*")  # numba, inside ranx

    judged = {q: r for q, r in qrels.items() if q in run}
    full_run = {q: (run.get(q) or {"__none__": 0.0}) for q in judged}
    res = evaluate(Qrels(judged), Run(full_run), METRICS, make_comparable=True)
    return {m: round(float(v), 4) for m, v in res.items()}


def _ranx_version() -> str:
    from importlib.metadata import version

    return version("ranx")


def _score_plain(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]) -> dict:
    sums = dict.fromkeys(METRICS, 0.0)
    judged = [q for q in qrels if q in run]
    for q in judged:
        rel = {d for d, r in qrels[q].items() if r > 0}
        ranked = [d for d, _ in sorted(run[q].items(), key=lambda kv: -kv[1])][:TOP_K]
        gains = [1.0 if d in rel else 0.0 for d in ranked]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:10]))
        idcg = sum(1 / math.log2(i + 2) for i in range(min(len(rel), 10)))
        hits, ap = 0, 0.0
        for i, g in enumerate(gains):
            if g:
                hits += 1
                ap += hits / (i + 1)
        sums["ndcg@10"] += dcg / idcg if idcg else 0.0
        sums["map@100"] += ap / len(rel) if rel else 0.0
        sums["mrr@100"] += next((1 / (i + 1) for i, g in enumerate(gains) if g), 0.0)
        sums["recall@100"] += hits / len(rel) if rel else 0.0
    return {m: round(v / len(judged), 4) if judged else 0.0 for m, v in sums.items()}


def run(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(args.cisi)
    docs = load_docs(root)
    if args.limit:  # smoke runs only: metrics over a subset are not comparable to published ones
        docs = docs[: args.limit]
    queries = load_queries(root)
    qrels = load_qrels(root)
    if args.quick:
        queries = {q: t for q, t in queries.items() if q in qrels}
        queries = dict(list(queries.items())[: args.max_queries or 20])
    elif args.max_queries:
        queries = dict(list(queries.items())[: args.max_queries])
    systems: dict[str, dict[str, Any]] = {"tantivy BM25": tantivy_run(docs, queries, args.workdir)}
    index_info: dict[str, Any] = {}
    if not args.tantivy_only:
        sv = searchsvc_runs(docs, queries, args.workdir)
        index_info = sv.pop("_index")
        for mode, r in sv.items():
            systems[f"searchsvc {mode}"] = r
    rows, payload_systems = [], {}
    for name, r in systems.items():
        scores = score(qrels, r["run"], use_ranx=not args.quick)
        payload_systems[name] = {
            "metrics": scores,
            "latency_ms": r["latency_ms"],
            **{k: v for k, v in r.items() if k not in ("run", "latency_ms")},
        }
        rows.append([name, *(scores[m] for m in METRICS), r["latency_ms"]["p50"]])
    judged = sum(1 for q in queries if q in qrels)
    print_table(
        f"CISI: {len(docs)} docs, {len(queries)} queries run, {judged} judged",
        ["system", *METRICS, "p50 ms"],
        rows,
    )
    payload = {
        "collection": {
            "docs": len(docs),
            "queries": len(queries),
            "judged": judged,
            "subset": bool(args.limit),
        },
        "searchsvc_index": index_info,
        "scorer": "plain Python (quick)" if args.quick else f"ranx {_ranx_version()}",
        "aggregation": "group=document (best chunk per document = max score)",
        "query_terms": "lower-case words, stopwords dropped, unique, at most 64",
        "systems": payload_systems,
    }
    write_results("cisi", payload, quick=bool(args.quick or args.limit))
    return payload


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--cisi", default=str(CISI_DIR), help="directory of CISI.ALL/QRY/REL")
    ap.add_argument("--tantivy-only", action="store_true", help="skip searchsvc")
