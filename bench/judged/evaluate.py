"""Ranking on the judged newsroom set: nDCG@10 (graded), MAP@100, MRR and the unjudged share.

The engine indexes the slice (``collection.SLICE`` and the seeds), runs each query as a reporter
types it (the default search: words ANDed, topped up with partial matches) and is scored against
``qrels.tsv``, each hit matched to its judgement by document and passage text
(``collection.passage_key``), so a re-chunked index is still scored by what the judge read. Grades 0–3 are the gains of nDCG; MAP and MRR count grade ≥ 2 as relevant. The share
of unjudged chunks in each top 10 says how far the numbers can be trusted: a ranking that surfaces
chunks no pooled ranking found is scored as if they were not relevant, which may be wrong.

    python -m bench judged [--baseline] [--quick]

``--baseline`` ranks with the previous release's plain BM25 (``collection.plain_bm25``).
``--quick`` runs the first ten queries over the seeds alone, a smoke run in seconds whose numbers
are not comparable with the full run's.
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..common import print_table, write_results
from . import collection as c

DEPTH = 100
RELEVANT = 2


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--baseline", action="store_true", help="previous release's plain BM25 (no ranking rules)"
    )


def ndcg(ranked: list[str], judged: dict[str, int], k: int = 10) -> float:
    """Graded gains (the grade itself), log2 discount, ideal order from every judged chunk."""
    dcg = sum(judged.get(cid, 0) / math.log2(i + 2) for i, cid in enumerate(ranked[:k]))
    ideal = sorted(judged.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def average_precision(ranked: list[str], judged: dict[str, int], k: int = DEPTH) -> float:
    relevant = sum(1 for g in judged.values() if g >= RELEVANT)
    if not relevant:
        return 0.0
    found, total = 0, 0.0
    for i, cid in enumerate(ranked[:k]):
        if judged.get(cid, 0) >= RELEVANT:
            found += 1
            total += found / (i + 1)
    return total / relevant


def reciprocal_rank(ranked: list[str], judged: dict[str, int], k: int = DEPTH) -> float:
    for i, cid in enumerate(ranked[:k]):
        if judged.get(cid, 0) >= RELEVANT:
            return 1 / (i + 1)
    return 0.0


def unjudged_at(ranked: list[str], judged: dict[str, int], k: int = 10) -> float:
    top = ranked[:k]
    return sum(1 for cid in top if cid not in judged) / len(top) if top else 0.0


def score(
    runs: dict[str, list[str]], qrels: dict[str, dict[str, int]], queries: list[dict[str, str]]
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Mean metrics over the queries with at least one relevant chunk, and per query."""
    per_query: dict[str, dict[str, float]] = {}
    for q in queries:
        judged = qrels.get(q["id"], {})
        ranked = runs.get(q["id"], [])
        per_query[q["id"]] = {
            "ndcg@10": ndcg(ranked, judged),
            "map@100": average_precision(ranked, judged),
            "mrr": reciprocal_rank(ranked, judged),
            "unjudged@10": unjudged_at(ranked, judged),
            "type": q["type"],
        }
    scored = [qid for qid in per_query if any(g >= RELEVANT for g in qrels.get(qid, {}).values())]
    means = {
        m: round(sum(per_query[qid][m] for qid in scored) / len(scored), 4) if scored else 0.0
        for m in ("ndcg@10", "map@100", "mrr", "unjudged@10")
    }
    means["queries_scored"] = len(scored)
    return means, per_query


def run(args: argparse.Namespace) -> dict[str, Any]:
    quick = bool(args.quick)
    files = c.slice_files(args.corpus, quick=quick)
    queries = c.load_queries(quick=quick)
    qrels = c.load_qrels()
    tmp = Path(tempfile.mkdtemp(prefix="bench-judged-", dir=args.workdir))
    try:
        index = c.build_index(tmp / "index", files)
        hits = c.in_fresh_process(
            c.engine_run, str(tmp / "index"), queries, DEPTH, baseline=args.baseline
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    runs = c.passage_runs(hits)
    means, per_query = score(runs, qrels, queries)
    by_type: dict[str, dict[str, float]] = {}
    for kind in sorted({q["type"] for q in queries}):
        sub = [q for q in queries if q["type"] == kind]
        by_type[kind], _ = score(runs, qrels, sub)
    ranking = "plain-bm25" if args.baseline else "current"
    rows = [
        [ranking, name, m["queries_scored"], m["ndcg@10"], m["map@100"], m["mrr"],
         m["unjudged@10"]]
        for name, m in [("all", means), *by_type.items()]
    ]  # fmt: skip
    print_table(
        f"judged newsroom set ({'seeds only, first 10 queries' if quick else 'full slice'})",
        ["ranking", "queries", "n", "nDCG@10", "MAP@100", "MRR", "unjudged@10"],
        rows,
    )
    payload = {
        "ranking": ranking,
        "slice": "seeds" if quick else [c.SLICE, "seeds/*.txt"],
        "index": index,
        "metrics": means,
        "by_type": by_type,
        "per_query": per_query,
    }
    write_results(f"judged{'-baseline' if args.baseline else ''}", payload, quick=quick)
    return payload
