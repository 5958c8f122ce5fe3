"""Pool the judged set: the top 20 chunks of four rankings per query, united, written as ids.

Pooling is how test collections are judged without reading the whole collection: a chunk no
ranking puts in its top 20 is taken as not relevant. The four rankings differ in the ways our
ranking changes are likely to differ, so each one's best candidates get a judgement:

* ``current``: the engine as it is (default query: words ANDed, topped up with partial matches);
* ``plain-bm25``: the same engine with the previous release's rules (no kind prior, no length
  floor, Whoosh's classic idf), patched in a separate process;
* ``tantivy``: tantivy's BM25 over the very same chunk texts, any word matching;
* ``or-words``: the engine with the query's content words joined by OR.

Writes ``pool.json`` (query id → passage keys, ``collection.passage_key``: document id and a hash
of the passage's words, with the engine commit) and the texts of the pooled chunks to the
git-ignored ``.pool-texts.json``, which is what the judge reads (keyed the same way, with today's
chunk id). Reports pooled passages that ``qrels.tsv`` has not judged yet and judged passages no
chunk of today's index has any more (a chunker change that splits, merges or cleans a passage).

    python -m bench judged-pool [--corpus DIR] [--depth 20]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..common import _git, print_table
from . import collection as c
from .evaluate import score

DEPTH = 20


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--depth", type=int, default=DEPTH, help="top N of each ranking (default 20)")


def tantivy_run(
    files: list[Path], queries: list[dict[str, str]], depth: int, workdir: Path
) -> tuple[dict[str, list[tuple[str, float, str]]], set[str]]:
    """tantivy BM25 (OR of the words) over the engine's own chunks; also every passage key."""
    from .. import corpus
    from ..tantivy_ref import TantivyIndex, chunk_stream

    pairs = list(chunk_stream(corpus.read_documents(files)))
    ix = TantivyIndex(workdir / "tantivy")
    ix.add(pairs)
    texts = {ch.id: ch.text for _, chs in pairs for ch in chs}
    searcher = ix.index.searcher()
    out: dict[str, list[tuple[str, float, str]]] = {}
    for q in queries:
        query = ix.parse(q["query"], conjunction=False)
        hits = searcher.search(query, limit=depth).hits
        ids = [(searcher.doc(addr)["id"][0], float(score)) for score, addr in hits]
        out[q["id"]] = [(cid, score, texts[cid]) for cid, score in ids]
    return out, {c.passage_key(c.doc_of(cid), text) for cid, text in texts.items()}


def run(args: argparse.Namespace) -> dict[str, Any]:
    files = c.slice_files(args.corpus)
    queries = c.load_queries()
    depth = args.depth
    tmp = Path(tempfile.mkdtemp(prefix="bench-judged-pool-", dir=args.workdir))
    try:
        print(f"indexing {len(files)} files (seeds + {c.SLICE}) …")
        index = c.build_index(tmp / "index", files)
        print(f"  {index['documents']} documents, {index['chunks']} chunks")
        rankings: dict[str, dict[str, list[tuple[str, float, str]]]] = {
            "current": c.in_fresh_process(c.engine_run, str(tmp / "index"), queries, depth),
            "plain-bm25": c.in_fresh_process(
                c.engine_run, str(tmp / "index"), queries, depth, baseline=True
            ),
            "or-words": c.in_fresh_process(
                c.engine_run, str(tmp / "index"), queries, depth, or_words=True
            ),
        }
        rankings["tantivy"], existing = tantivy_run(files, queries, depth, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    pool: dict[str, list[str]] = {}
    texts: dict[str, dict[str, str]] = {}
    for q in queries:
        keys: list[str] = []
        for name in ("current", "plain-bm25", "tantivy", "or-words"):
            for cid, _score, text in rankings[name][q["id"]]:
                key = c.passage_key(c.doc_of(cid), text)
                texts[key] = {"chunk": cid, "text": text}
                if key not in keys:
                    keys.append(key)
        pool[q["id"]] = keys
    c.POOL_FILE.write_text(
        json.dumps(
            {
                "engine_commit": _git("rev-parse", "HEAD"),
                "slice": [c.SLICE, "seeds/*.txt"],
                "depth": depth,
                "rankings": ["current", "plain-bm25", "tantivy", "or-words"],
                "pool": pool,
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    c.TEXTS_FILE.write_text(
        json.dumps(
            {
                "queries": {q["id"]: q for q in queries},
                "texts": texts,
                "runs": {name: c.passage_runs(run) for name, run in rankings.items()},
            },
            indent=1,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    qrels = c.load_qrels()
    unjudged = {qid: [k for k in keys if k not in qrels.get(qid, {})] for qid, keys in pool.items()}
    missing = sorted(
        f"{qid}\t{key}" for qid, judged in qrels.items() for key in judged if key not in existing
    )
    sizes = [len(v) for v in pool.values()]
    print(
        f"\npool: {len(pool)} queries, {sum(sizes)} chunks "
        f"(min {min(sizes)}, max {max(sizes)} per query) → {c.POOL_FILE}"
    )
    print(f"texts for the judge → {c.TEXTS_FILE} (git-ignored)")
    print(f"pooled but not judged yet: {sum(len(v) for v in unjudged.values())}")
    for qid, keys in unjudged.items():
        if keys:
            print(f"  {qid}: {len(keys)}")
    if qrels:
        rows = []
        for name, hits in rankings.items():
            means, _ = score(c.passage_runs(hits), qrels, queries)
            rows.append([name, means["ndcg@10"], means["mrr"], means["unjudged@10"]])
        print_table(
            f"the pooled rankings (top {depth})", ["ranking", "nDCG@10", "MRR", "unjudged@10"], rows
        )
    if missing:
        print(f"judged passages no chunk has any more ({len(missing)}; re-judge their queries):")
        for line in missing[:50]:
            print(f"  {line}")
    return {"pool": pool, "unjudged": unjudged, "missing": missing}
