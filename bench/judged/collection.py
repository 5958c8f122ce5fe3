"""The judged newsroom set: which documents, which queries, which judgements, and the rankings.

One module so that the pool script and the evaluation read the very same slice, build the index
the same way and rank the same way; a number from ``python -m bench judged`` is only meaningful
over the documents the judge read.

The slice is fixed: every press briefing of May 2021 in the wh-briefings corpus (28 transcripts;
briefings, gaggles and press calls) plus the five seed documents of the repository, indexed together.
``quick`` indexes the seeds alone (the first ten queries are about them), for a smoke run in seconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..common import REPO
from ..corpus import corpus_dir
from ..make_queries import STOPWORDS

HERE = Path(__file__).resolve().parent
QUERIES_FILE = HERE / "queries.json"
POOL_FILE = HERE / "pool.json"
QRELS_FILE = HERE / "qrels.tsv"
TEXTS_FILE = HERE / ".pool-texts.json"  # git-ignored: the judge's reading copy, never committed
SEEDS_DIR = REPO / "seeds"
SLICE = "press-briefings/2021-05"
QUICK_QUERIES = 10


def slice_files(corpus: str | Path | None = None, quick: bool = False) -> list[Path]:
    """The seeds, then (unless ``quick``) the month of press briefings, in a stable order."""
    files = sorted(SEEDS_DIR.glob("*.txt"))
    if not quick:
        month = corpus_dir(corpus) / SLICE
        if not month.is_dir():
            raise FileNotFoundError(
                f"judged slice not found at {month}: pass --corpus DIR or set SEARCHSVC_CORPUS"
            )
        files += sorted(month.glob("*.md"))
    return files


def load_queries(quick: bool = False) -> list[dict[str, str]]:
    queries = json.loads(QUERIES_FILE.read_text(encoding="utf-8"))["queries"]
    return queries[:QUICK_QUERIES] if quick else queries


def passage_key(doc_id: str, text: str) -> str:
    """What a judgement is about: the document and its passage's words, not the chunk's number.

    A chunk id counts paragraphs, so a chunker change renumbers them and an id-keyed grade ends
    up on other text. The key is the document id and a hash of the passage's words (NFKC,
    casefolded, punctuation and spacing dropped), so a passage keeps its grade wherever the
    chunker puts it, and a passage whose words change (split, merged, cleaned) shows up unjudged
    instead of inheriting a grade for text the judge never read. The same words twice in one
    document share a grade: the judge graded the words."""
    words = " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))
    return f"{doc_id}#{hashlib.sha1(words.encode('utf-8')).hexdigest()[:16]}"


def doc_of(chunk_id: str) -> str:
    """The document id of an engine chunk id (``doc_id:paragraph``)."""
    return chunk_id.rsplit(":", 1)[0]


def load_qrels(path: Path = QRELS_FILE) -> dict[str, dict[str, int]]:
    """query id → passage key (``passage_key``) → grade (0–3).

    Lines are ``query_id<TAB>doc_id<TAB>text hash<TAB>grade``."""
    qrels: dict[str, dict[str, int]] = {}
    if not path.exists():
        return qrels
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        qid, doc_id, digest, grade = line.split("\t")
        qrels.setdefault(qid, {})[f"{doc_id}#{digest}"] = int(grade)
    return qrels


def write_qrels(qrels: dict[str, dict[str, int]], path: Path = QRELS_FILE) -> None:
    """``load_qrels``'s file, queries in file order of ``queries.json``, then by key."""
    order = {q["id"]: i for i, q in enumerate(load_queries())}
    lines = [
        f"{qid}\t{key.replace('#', chr(9))}\t{grade}"
        for qid in sorted(qrels, key=lambda q: (order.get(q, len(order)), q))
        for key, grade in qrels[qid].items()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def or_of_words(q: str) -> str:
    """The query's content words joined with OR: any word matches, BM25 orders."""
    words: list[str] = []
    for w in re.findall(r"[a-z0-9]+", q.lower()):
        if w not in STOPWORDS and len(w) > 1 and w not in words:
            words.append(w)
    return " OR ".join(words) if words else q


# --- the previous release's plain BM25 ------------------------------------------------------


def _plain_idf(n: int, df: int) -> float:
    return math.log(n / (df + 1)) + 1


@contextlib.contextmanager
def plain_bm25() -> Iterator[None]:
    """The engine's scoring with the ranking rules of the previous release switched off: no kind
    prior, no floor on relative length, Whoosh's classic idf. Patched where the names are looked up
    (the scorer imported them by name). Apply it before the engine opens its index: the kind prior
    is cached per index generation."""
    from searchsvc.engine import ranking
    from searchsvc.engine.whoosh import scoring

    saved_prior = dict(ranking.KIND_PRIOR)
    saved = (scoring.MIN_RELATIVE_LENGTH, scoring.bm25_idf, ranking.MIN_RELATIVE_LENGTH)
    ranking.KIND_PRIOR.clear()
    scoring.MIN_RELATIVE_LENGTH = ranking.MIN_RELATIVE_LENGTH = 0.0
    scoring.bm25_idf = _plain_idf
    try:
        yield
    finally:
        ranking.KIND_PRIOR.update(saved_prior)
        scoring.MIN_RELATIVE_LENGTH, scoring.bm25_idf, ranking.MIN_RELATIVE_LENGTH = saved


# --- running the engine ---------------------------------------------------------------------


def build_index(index_dir: Path, files: list[Path]) -> dict[str, Any]:
    """Index the slice once with the current engine; documents and chunks counted."""
    from searchsvc.config import Settings
    from searchsvc.engine.service import Engine

    engine = Engine(Settings.from_env(index_dir=index_dir))
    report = engine.index_paths(files)
    return {"documents": report.documents, "chunks": report.chunks}


def engine_run(
    index_dir: str, queries: list[dict[str, str]], depth: int, baseline: bool = False,
    or_words: bool = False,
) -> dict[str, list[tuple[str, float, str]]]:  # fmt: skip
    """query id → [(chunk id, score, text)] best first, from an Engine opened on ``index_dir``.

    Meant to run in a fresh process (see ``in_fresh_process``) so that the baseline's patch is in
    place before anything is cached and cannot leak into the other rankings."""
    from searchsvc.config import Settings
    from searchsvc.engine.models import SearchRequest
    from searchsvc.engine.service import Engine
    from searchsvc.errors import SearchsvcError

    with plain_bm25() if baseline else contextlib.nullcontext():
        engine = Engine(Settings.from_env(index_dir=Path(index_dir)))
        out: dict[str, list[tuple[str, float, str]]] = {}
        for q in queries:
            text = or_of_words(q["query"]) if or_words else q["query"]
            req = SearchRequest(q=text, per_page=depth, facets=False, highlight=False)
            try:
                res = engine.search(req)
            except SearchsvcError as exc:
                print(f"  {q['id']}: {type(exc).__name__}: {exc}")
                out[q["id"]] = []
                continue
            out[q["id"]] = [(h.id, float(h.score), h.text) for h in res.hits]
        return out


def passage_runs(hits: dict[str, list[tuple[str, float, str]]]) -> dict[str, list[str]]:
    """``engine_run``'s hits as passage keys, best first: what ``qrels.tsv`` grades."""
    return {
        qid: [passage_key(doc_of(cid), text) for cid, _, text in ranked]
        for qid, ranked in hits.items()
    }


def in_fresh_process(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a spawned interpreter: module state (patches, caches) stays there."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args, **kwargs).result()
