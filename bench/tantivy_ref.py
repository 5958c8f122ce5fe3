"""tantivy (Rust, BM25, in-process) as the reference engine, fed the very same chunks and queries.

Why: a latency number means little alone; "within 5× of tantivy on the same text and queries" is a
target one can reason about. Chunks come from the engine's chunker (``bench.corpus.chunk``) so both
systems index identical paragraphs; each query does what searchsvc's /search does by default —
ranked top 10, an exact total, facet counts over the whole result set (terms aggregations on fast
fields: speaker, role, source, kind, event, year) and an HTML snippet per hit (``SnippetGenerator``).

    python -m bench tantivy [--quick] [--scale N] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import tantivy

from searchsvc.engine.models import Chunk, Document

from . import corpus
from .common import Stopwatch, dir_size_mb, load_queries, peak_rss_mb, percentiles, print_table
from .common import write_results as _write

FACET_FIELDS = ("speaker", "role", "source", "kind", "event", "year")
TEXT_FIELDS = ["title", "text"]


def schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("doc_id", stored=True, tokenizer_name="raw", fast=True)
    sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("text", stored=True, tokenizer_name="en_stem")
    for name in FACET_FIELDS:
        sb.add_text_field(name, stored=True, tokenizer_name="raw", fast=True)
    return sb.build()


def facet_values(doc: Document, ch: Chunk) -> dict[str, str | None]:
    return {
        "speaker": ch.speaker,
        "role": ch.role,
        "source": doc.source,
        "kind": doc.kind,
        "event": doc.event,
        "year": doc.date[:4] if doc.date else None,
    }


def chunk_stream(docs: Iterable[Document]) -> Iterator[tuple[Document, list[Chunk]]]:
    for doc in docs:
        yield doc, corpus.chunk(doc)


class TantivyIndex:
    """A tantivy index of chunks plus the search that mirrors searchsvc's default /search."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(schema(), path=str(self.path))
        self.schema = self.index.schema

    # --- indexing -------------------------------------------------------------------------
    def add(
        self, pairs: Iterable[tuple[Document, list[Chunk]]], threads: int = 1
    ) -> dict[str, Any]:
        """Index (document, chunks) pairs; time only tantivy's share (document build + add + commit)."""
        writer = self.index.writer(heap_size=256_000_000, num_threads=threads)
        docs = chunks = 0
        spent = 0.0
        for doc, chs in pairs:
            t0 = time.perf_counter()
            for ch in chs:
                fields: dict[str, Any] = {
                    "id": ch.id, "doc_id": doc.id, "title": doc.title or "", "text": ch.text,
                }  # fmt: skip
                fields.update({k: v for k, v in facet_values(doc, ch).items() if v})
                writer.add_document(tantivy.Document(**fields))
            spent += time.perf_counter() - t0
            docs += 1
            chunks += len(chs)
        t0 = time.perf_counter()
        writer.commit()
        writer.wait_merging_threads()
        spent += time.perf_counter() - t0
        self.index.reload()
        return {
            "documents": docs,
            "chunks": chunks,
            "seconds": round(spent, 3),
            "docs_per_s": round(docs / spent, 1) if spent else None,
            "chunks_per_s": round(chunks / spent, 1) if spent else None,
            "size_mb": dir_size_mb(self.path),
        }

    # --- searching ------------------------------------------------------------------------
    def parse(self, q: str, conjunction: bool = True) -> tantivy.Query:
        query, _errors = self.index.parse_query_lenient(
            to_tantivy_syntax(q),
            TEXT_FIELDS,
            conjunction_by_default=conjunction,
            allow_regexes=True,
        )
        return query

    def filtered(self, query: tantivy.Query, filters: dict[str, list[str]]) -> tantivy.Query:
        clauses = [(tantivy.Occur.Must, query)]
        for field, values in (filters or {}).items():
            terms = [
                (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, field, str(v)))
                for v in values
            ]
            clauses.append((tantivy.Occur.Must, tantivy.Query.boolean_query(terms)))
        return tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else query

    def search(
        self,
        request: dict[str, Any],
        per_page: int = 10,
        facets: bool = True,
        highlight: bool = True,
        conjunction: bool = True,
        searcher: tantivy.Searcher | None = None,
    ) -> dict[str, Any]:
        """Top hits (best chunk per document when group=document), total, facets, snippets."""
        searcher = searcher or self.index.searcher()
        base = self.parse(request.get("q", ""), conjunction)
        query = self.filtered(base, request.get("filters") or {})
        grouped = request.get("group") == "document"
        res = searcher.search(query, limit=per_page * 10 if grouped else per_page, count=True)
        hits: list[tuple[float, dict[str, Any]]] = []
        seen: set[str] = set()
        for score, addr in res.hits:
            doc = searcher.doc(addr)
            if grouped:
                d = doc["doc_id"][0]
                if d in seen:
                    continue
                seen.add(d)
            hits.append((score, doc, addr))
            if len(hits) == per_page:
                break
        out: dict[str, Any] = {"total": res.count, "hits": []}
        gen = (
            tantivy.SnippetGenerator.create(searcher, base, self.schema, "text")
            if highlight
            else None
        )
        if gen is not None:
            gen.set_max_num_chars(200)
        for score, doc, _addr in hits:
            hit = {"id": doc["id"][0], "doc_id": doc["doc_id"][0], "score": score}
            if gen is not None:
                hit["snippet"] = gen.snippet_from_doc(doc).to_html()
            out["hits"].append(hit)
        if facets:
            aggs = {f: {"terms": {"field": f, "size": 10}} for f in FACET_FIELDS}
            agg = searcher.aggregate(query, aggs)
            out["facets"] = {
                f: [{"value": b["key"], "count": b["doc_count"]} for b in agg[f]["buckets"]]
                for f in FACET_FIELDS
            }
        return out


_PREFIX = re.compile(r'(?<![\w"])(-?)(\w+)\*')
_SPECIAL = re.compile(r"[^\w\s\"*\-']")


def _prefix_regex(m: re.Match) -> str:
    word = m.group(2).lower()
    return f"{m.group(1)}({' OR '.join(f'{f}:/{word}.*/' for f in TEXT_FIELDS)})"


def to_tantivy_syntax(q: str) -> str:
    """searchsvc query syntax → tantivy's: words ANDed (by the parser), "phrases", OR, -term,
    prefix* (a regex over the indexed terms of title and text). Other punctuation becomes a space."""
    q = q.replace("’", "'").replace("“", '"').replace("”", '"')
    q = _SPECIAL.sub(" ", q)
    q = re.sub(r"(?<=\w)'(?=\w)", "", q)  # don't → dont, like a plain word
    q = q.replace("'", " ")
    if q.count('"') % 2:
        q = q.replace('"', " ")
    q = re.sub(r"(?<![\w\"])-(?![\w\"])", " ", q)  # stray dashes (em-dash stand-ins)
    q = _PREFIX.sub(_prefix_regex, q)
    return " ".join(q.split())


def latency_run(
    ix: TantivyIndex, queries: list[dict[str, Any]], warmup: int = 20, repeat: int = 1
) -> dict[str, Any]:
    """Per-query wall time of search + facets + snippets, one searcher reused (as a server would)."""
    searcher = ix.index.searcher()
    for q in queries[:warmup]:
        ix.search(q, searcher=searcher)
    times: list[float] = []
    by_cat: dict[str, list[float]] = {}
    zero = 0
    for _ in range(repeat):
        for q in queries:
            with Stopwatch() as t:
                r = ix.search(q, searcher=searcher)
            times.append(t.ms)
            by_cat.setdefault(q.get("category", "?"), []).append(t.ms)
            zero += r["total"] == 0
    return {
        "all": percentiles(times),
        "by_category": {c: percentiles(v) for c, v in by_cat.items()},
        "zero_hit_queries": zero // repeat,
    }


def build(files: list[Path], scale: int, path: Path, threads: int = 1) -> tuple[TantivyIndex, dict]:
    ix = TantivyIndex(path)
    stats = ix.add(chunk_stream(corpus.load_documents(files, scale)), threads=threads)
    return ix, stats


def run(args: argparse.Namespace) -> dict[str, Any]:
    files = corpus.corpus_files(args.corpus, quick=args.quick, limit=args.limit)
    queries = load_queries()
    if args.max_queries:
        queries = queries[: args.max_queries]
    tmp = Path(tempfile.mkdtemp(prefix="bench-tantivy-", dir=args.workdir))
    try:
        ix, idx = build(files, args.scale, tmp, threads=args.threads)
        lat = latency_run(ix, queries)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    payload = {
        "corpus": {"files": len(files), "scale": args.scale, "chunker": corpus.chunker_name()},
        "indexing": idx,
        "latency_ms": lat,
        "queries": len(queries),
        "peak_rss_mb": peak_rss_mb(),
    }
    print_table(
        f"tantivy {tantivy.__name__} — {idx['documents']:,} docs, {idx['chunks']:,} chunks",
        ["measure", "value"],
        [
            ["indexing chunks/s", idx["chunks_per_s"]],
            ["index size MB", idx["size_mb"]],
            ["search+facets+snippets p50 ms", lat["all"]["p50"]],
            ["p95 ms", lat["all"]["p95"]],
            ["p99 ms", lat["all"]["p99"]],
            ["zero-hit queries", lat["zero_hit_queries"]],
        ],
    )
    _write("tantivy", payload, quick=bool(args.quick or args.limit))
    return payload


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--threads", type=int, default=1, help="tantivy writer threads (default 1)")


def main(argv: list[str] | None = None) -> None:
    from .__main__ import common_parser

    ap = common_parser(__doc__)
    add_args(ap)
    run(ap.parse_args(argv))


if __name__ == "__main__":
    main()
