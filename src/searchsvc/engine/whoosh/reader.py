"""Search: a ``SearchRequest`` in, a ``SearchResult`` out, over the live index generation.

One request runs in four steps, each done by the cheapest machinery for it:

1. **Match set.** The parsed query's matching chunk numbers (Whoosh postings, unscored) become a
   boolean array; filters are boolean arrays from the facet columns (``columns.py``). Total and
   facet counts are numpy over these arrays, so they cover the whole result set, not just a page.
   Facets are *disjunctive*: a field's counts apply every filter but its own, so a selected value
   stays listed and ticking another value of the same field shows what OR would add.
2. **Ranking.** Whoosh BM25F scores the top ``page × per_page`` within the filtered set (or numpy
   sorts by date), with a time budget; ``group=document`` collapses to the best chunk per document.
   When fewer than a page of chunks match every word, the page is topped up from the OR of the
   words and those hits say ``partial``.
3. **Snippets** for the returned page only (``snippets.py``), and citations.
4. **Did-you-mean** for words the index has never seen.

A ``Reader`` keeps one Whoosh searcher and its columns per index generation and checks for a
newer generation on every request (a readlink and a directory listing, ~20 µs), so a write
acknowledged by any process is visible to the very next request in every process; only the
first request after a commit pays for opening the new generation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
from whoosh.index import EmptyIndexError

from ...errors import DocumentNotFound, InvalidParameter, SpeakerNotFound
from ..allocator import release_free_memory
from ..models import (
    EXTRA_FACETS,
    FACETS,
    HISTOGRAM_INTERVALS,
    SORTS,
    Hit,
    Related,
    SearchRequest,
    SearchResult,
)
from ..query.similar import distinctive_terms
from ..render.citation import cite
from ..render.snippets import Marks, find_spans, snippet
from ..text.analysis import STOPWORDS, iter_terms
from .columns import ColumnCache, Columns
from .histogram import date_histogram, document_days
from .query import QueryParser, QueryPlan, collect_marks
from .scoring import LengthCache, PostingCache, Scored, Scorer
from .speakers import speaker_page, speaker_record
from .store import IndexStore

FACET_LIMIT = 100  # values listed per facet (most frequent first), plus any selected ones
RESULT_CACHE_SIZE = 512
EXPORT_BATCH = 200  # hits rendered at a time while an export streams
SWAP_RETRIES = 3  # a reindex can swap ``live`` and remove the old generation mid-open
ALL_FACETS = (*FACETS, *EXTRA_FACETS)


@dataclass
class View:
    """A consistent snapshot: one generation's searcher and columns."""

    live: str
    generation: int
    searcher: Any
    columns: Columns


@dataclass
class _Selection:
    """What one pass over a result set gives: its size, counts and the wanted ranked rows."""

    total: int
    facets: dict[str, list[dict[str, Any]]]
    histogram: list[dict[str, Any]] | None
    page: list[tuple[int, float, bool]]  # (chunk number, score, partial)


class Reader:
    def __init__(self, store: IndexStore, parser_limits: dict[str, int], time_budget: float = 2.0):
        self.store = store
        self.time_budget = time_budget
        self.cache = ColumnCache()
        self.lengths = LengthCache()
        self.postings = PostingCache()
        self._limits = parser_limits
        self._parser: QueryParser | None = None
        self._view: View | None = None
        self._lock = threading.Lock()
        self._results: OrderedDict[tuple, SearchResult] = OrderedDict()
        # Spelling corrections by word for the current snapshot: the corrector walks the
        # whole vocabulary, and a newsroom repeats its typos.
        self._corrections: dict[str, list[str]] = {}

    # --- snapshots -------------------------------------------------------------------------
    def view(self) -> View:
        with self._lock:
            view = self._view
            for attempt in range(SWAP_RETRIES):
                live_dir, ix = self.store.open_live()
                live = str(live_dir)
                if view is not None and view.live == live and _up_to_date(view.searcher):
                    return view
                # Not ``searcher.refresh()``: Whoosh's reader reuse keeps segments that a merge
                # or deletion replaced, so chunks would be counted twice. No weighting model:
                # scoring.py scores, Whoosh only matches.
                try:
                    searcher = ix.searcher()
                    columns = self.cache.for_reader(searcher.reader())
                except (EmptyIndexError, OSError):
                    # A reindex swapped ``live`` and removed this generation between resolving
                    # the link and reading it: resolve the link again.
                    if attempt == SWAP_RETRIES - 1:
                        raise
                    continue
                view = View(
                    live=live,
                    generation=searcher.reader().generation() or 0,
                    searcher=searcher,
                    columns=columns,
                )
                self._view = view
                self.lengths.forget_except(self.cache.segment_ids())
                self.postings.forget_except(self.cache.segment_ids())
                self._results.clear()
                self._corrections.clear()
                release_free_memory()
                return view
            raise AssertionError("unreachable")

    @property
    def parser(self) -> QueryParser:
        if self._parser is None:
            self._parser = QueryParser(self.store.open().schema, **self._limits)
        return self._parser

    # --- search ----------------------------------------------------------------------------
    def search(self, req: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        _validate(req)
        view = self.view()
        key = _cache_key(req, view)
        cached = self._results.get(key)
        if cached is not None:
            self._results.move_to_end(key)
            result = SearchResult(**{**cached.__dict__, "took_ms": _ms(t0)})
            return result
        plan = self.parser.parse(req.q, view.searcher.reader())
        result = self._search(view, plan, req)
        result.took_ms = _ms(t0)
        self._results[key] = result
        if len(self._results) > RESULT_CACHE_SIZE:
            self._results.popitem(last=False)
        return result

    def _search(self, view: View, plan: QueryPlan, req: SearchRequest) -> SearchResult:
        start = (req.page - 1) * req.per_page
        picked = self._select(view, plan, req, start, req.page * req.per_page)
        hits = self._hits(view.searcher, plan, picked.page, start, req.highlight)
        return SearchResult(
            query=req.q,
            total=picked.total,
            page=req.page,
            per_page=req.per_page,
            took_ms=0.0,
            hits=hits,
            facets=picked.facets,
            suggestion=self._did_you_mean(view.searcher, plan),
            generation=view.generation,
            histogram=picked.histogram,
        )

    def _select(
        self, view: View, plan: QueryPlan, req: SearchRequest, start: int, want: int
    ) -> _Selection:
        """The request's result set counted, faceted and ranked; its rows ``start:want``."""
        cols = view.columns
        searcher = view.searcher
        field_masks = {
            f: cols.value_mask(f, vals)
            for f, vals in req.filters.items()
            if vals and f in cols.vocab
        }
        # Masks are only copied when a filter narrows them; ``match`` already excludes deleted
        # chunks (``_evaluate``).
        base = cols.live
        if req.date_from or req.date_to:
            base = base & cols.date_mask(_date(req.date_from), _date(req.date_to))
        filters = base
        if field_masks:
            filters = base.copy()
            for mask in field_masks.values():
                filters &= mask
        ranking = plan.query is not None and req.sort == "relevance"
        scorer = Scorer(
            searcher,
            cols.size,
            self.lengths,
            self.postings,
            deadline=time.monotonic() + self.time_budget,
        )
        by_doc = req.group == "document"

        strict = self._evaluate(scorer, plan.query, cols, ranking)
        match, score = strict.mask, strict.score
        filtered = filters & match
        rows = np.flatnonzero(filtered)  # every result chunk: counted, faceted, ranked
        partial: np.ndarray | None = None
        if plan.loose_words and ranking and _count(cols, rows, by_doc) < want:
            loose = self._evaluate(scorer, self.parser.loose(plan), cols, True)
            extra = loose.mask & ~match
            if by_doc:  # a document with a complete match does not come back as partial
                extra &= ~np.isin(cols.single["doc_id"], cols.single["doc_id"][filtered])
            if (extra & filters).any():
                partial = extra
                match = match | extra
                filtered = filters & match
                rows = np.flatnonzero(filtered)
                score = np.where(partial, loose.score, score)

        total = _count(cols, rows, by_doc)
        histogram = None
        if req.histogram:
            days = (
                document_days(cols.date, cols.single["doc_id"], rows) if by_doc else cols.date[rows]
            )
            histogram = date_histogram(days, req.histogram)
        facets = (
            self._facets(cols, base, match, rows, field_masks, req, by_doc)
            if req.facets
            else {f: [] for f in FACETS}
        )

        if ranking:
            keys = cols.single["doc_id"] if by_doc else None
            if partial is None:
                ranked = _top(rows, score, want, keys)
            else:
                ranked = _top(np.flatnonzero(filtered & ~partial), score, want, keys)
                if len(ranked) < want:
                    more = _top(np.flatnonzero(filtered & partial), score, want - len(ranked), keys)
                    ranked = np.concatenate([ranked, more])
        else:
            ranked = _by_date(cols, rows, req.sort, by_doc)[:want]
        page = [
            (
                int(d),
                float(score[d]) if ranking else 0.0,
                bool(partial[d]) if partial is not None else False,
            )
            for d in ranked[start:want]
        ]
        return _Selection(total, facets, histogram, page)

    @staticmethod
    def _evaluate(scorer: Scorer, q, cols: Columns, scored: bool) -> Scored:
        """The query's live matches and their BM25F scores (``None`` query: every chunk)."""
        if q is None:
            return Scored(cols.live.copy(), np.zeros(cols.size, dtype=np.float32))
        result = scorer.evaluate(q, scored)
        score = result.score if result.score is not None else np.zeros(cols.size, np.float32)
        return Scored(result.mask & cols.live, score)

    def _facets(
        self, cols: Columns, base: np.ndarray, match: np.ndarray, rows: np.ndarray,
        field_masks, req, by_doc,
    ) -> dict:  # fmt: skip
        """Disjunctive counts: each field sees every filter but its own. Fields without a filter
        of their own see exactly the result chunks (``rows``)."""
        out = {}
        base_match = None
        for f in ALL_FACETS:
            if f in EXTRA_FACETS and not len(cols.vocab[f].values) and f not in req.filters:
                continue
            counted = rows
            if f in field_masks:
                if base_match is None:
                    base_match = base & match
                mask = base_match.copy()
                for other, m in field_masks.items():
                    if other != f:
                        mask &= m
                counted = np.flatnonzero(mask)
            out[f] = cols.counts(
                f, counted, by_document=by_doc, limit=FACET_LIMIT, keep=req.filters.get(f, ())
            )
        return out

    def _hits(self, searcher, plan: QueryPlan, page, start: int, highlight: bool) -> list[Hit]:
        marks = Marks(frozenset(plan.stems), frozenset(plan.exact), frozenset(plan.phrases))
        hits = []
        for i, (docnum, score, partial) in enumerate(page):
            fields = searcher.stored_fields(docnum)
            chunk = fields.get("chunk", {})
            doc = fields.get("doc", {})
            text = fields.get("text", "")
            spans = find_spans(text, marks) if highlight else []
            document = {
                k: doc.get(k) for k in ("id", "title", "source", "date", "kind", "event", "url")
            }
            hits.append(
                Hit(
                    id=fields["id"],
                    score=float(score),
                    rank=start + i + 1,
                    document=document,
                    paragraph=chunk.get("paragraph", 0),
                    speaker=chunk.get("speaker"),
                    role=chunk.get("role"),
                    text=text,
                    snippet=snippet(text, spans),
                    highlights=spans,
                    citation=cite(document, chunk.get("paragraph", 0), chunk.get("speaker")),
                    kind=chunk.get("kind", "paragraph"),
                    section=chunk.get("section"),
                    start=chunk.get("start", 0),
                    end=chunk.get("end", 0),
                    partial=partial,
                )
            )
        return hits

    def _did_you_mean(self, searcher, plan: QueryPlan) -> str | None:
        """Replace each word the index has never seen by its closest known term."""
        reader = searcher.reader()
        changed = False
        out = []
        corrector = None
        for word in plan.words:
            terms = [t.text for t in iter_terms(word, query=True)]
            unknown = [
                t
                for t in terms
                if t not in STOPWORDS and t.isalpha() and reader.doc_frequency("exact", t) == 0
            ]
            if len(terms) == 1 and unknown:
                key = terms[0]
                if key not in self._corrections:
                    corrector = corrector or searcher.corrector("exact")
                    self._corrections[key] = corrector.suggest(
                        terms[0], limit=1, maxdist=2, prefix=1
                    )
                    if len(self._corrections) > 4096:
                        self._corrections.pop(next(iter(self._corrections)))
                fixes = self._corrections[key]
                if fixes:
                    out.append(fixes[0])
                    changed = True
                    continue
            out.append(word)
        return " ".join(out) if changed else None

    # --- exports, speakers, related passages --------------------------------------------------
    def export(self, req: SearchRequest, limit: int) -> tuple[int, Iterator[Hit]]:
        """(total, the first ``limit`` hits in the request's order): ranked once, rendered in
        batches as the caller consumes them, so an export streams instead of piling up."""
        _validate(dataclasses.replace(req, page=1, per_page=1))
        view = self.view()
        plan = self.parser.parse(req.q, view.searcher.reader())
        quiet = dataclasses.replace(req, facets=False, histogram=None)
        picked = self._select(view, plan, quiet, 0, limit)

        def hits() -> Iterator[Hit]:
            for first in range(0, len(picked.page), EXPORT_BATCH):
                batch = picked.page[first : first + EXPORT_BATCH]
                yield from self._hits(view.searcher, plan, batch, first, req.highlight)

        return picked.total, hits()

    def speakers(
        self, q: str = "", role: str | None = None, page: int = 1, per_page: int = 20
    ) -> tuple[int, list[dict[str, Any]]]:
        """(how many speakers match, the page's records), most quoted first."""
        return speaker_page(self.view().columns, q, role, page, per_page)

    def speaker(self, name: str) -> dict[str, Any]:
        record = speaker_record(self.view().columns, name)
        if record is None:
            raise SpeakerNotFound(f"no speaker named {name[:100]!r}")
        return record

    def related(self, doc_id: str, paragraph: int, limit: int = 10) -> Related:
        """The chunks of other documents most like paragraph ``paragraph`` of ``doc_id``: its
        distinctive terms ORed and scored like any search, the document itself left out."""
        view = self.view()
        searcher, cols = view.searcher, view.columns
        fields = searcher.document(id=f"{doc_id}:{paragraph}")
        if fields is None:
            if searcher.document(doc_id=doc_id) is None:
                raise DocumentNotFound(f"no document with id {doc_id!r}")
            raise DocumentNotFound(f"document {doc_id!r} has no paragraph {paragraph}")
        reader = searcher.reader()
        terms = distinctive_terms(
            fields.get("text", ""), lambda t: reader.doc_frequency("exact", t), int(cols.size)
        )
        if not terms:
            return Related(doc_id, paragraph, [], 0, [])
        plan = QueryPlan(text=" OR ".join(terms), query=None, loose_words=terms)
        plan.query = self.parser.loose(plan)
        collect_marks(plan.query, plan)
        scorer = Scorer(
            searcher,
            cols.size,
            self.lengths,
            self.postings,
            deadline=time.monotonic() + self.time_budget,
        )
        found = self._evaluate(scorer, plan.query, cols, True)
        mask = found.mask
        own = cols.vocab["doc_id"].codes.get(doc_id)
        if own is not None:
            mask = mask & (cols.single["doc_id"] != own)
        rows = np.flatnonzero(mask)
        top = _top(rows, found.score, limit, None)
        page = [(int(d), float(found.score[d]), False) for d in top]
        return Related(
            doc_id, paragraph, terms, len(rows), self._hits(searcher, plan, page, 0, True)
        )

    # --- documents, suggestions, stats -------------------------------------------------------
    def document(self, doc_id: str) -> dict[str, Any]:
        searcher = self.view().searcher
        chunks = sorted(
            searcher.documents(doc_id=doc_id), key=lambda f: f.get("chunk", {}).get("paragraph", 0)
        )
        if not chunks:
            raise DocumentNotFound(f"no document with id {doc_id!r}")
        meta = dict(chunks[0].get("doc", {}))
        speakers: list[str] = []
        paragraphs = []
        for f in chunks:
            c = f.get("chunk", {})
            if c.get("speaker") and c["speaker"] not in speakers:
                speakers.append(c["speaker"])
            paragraphs.append(
                {
                    "number": c.get("paragraph"),
                    "speaker": c.get("speaker"),
                    "role": c.get("role"),
                    "kind": c.get("kind", "paragraph"),
                    "section": c.get("section"),
                    "text": f.get("text", ""),
                    "start": c.get("start"),
                    "end": c.get("end"),
                }
            )
        meta["speakers"] = speakers
        meta["paragraphs"] = paragraphs
        return meta

    def suggest(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        view = self.view()
        prefix = prefix.strip()
        if not prefix:
            return []
        folded = prefix.casefold()
        out: list[dict[str, Any]] = []
        speakers = view.columns.counts("speaker", np.flatnonzero(view.columns.live))
        for entry in speakers:
            name = entry["value"]
            if any(
                part.startswith(folded) for part in name.casefold().split()
            ) or name.casefold().startswith(folded):
                out.append({"value": name, "type": "speaker", "count": entry["count"]})
        terms = [t.text for t in iter_terms(prefix, query=True, keep_stops=True)]
        if terms:
            reader = view.searcher.reader()
            last = terms[-1]
            head = (
                prefix[: len(prefix) - len(prefix.split()[-1])] if len(prefix.split()) > 1 else ""
            )
            candidates = []
            for term, info in islice(reader.iter_prefix("exact", last), 5000):
                term = term.decode("utf-8") if isinstance(term, bytes) else term
                candidates.append((info.doc_frequency(), term))
            candidates.sort(key=lambda p: (-p[0], p[1]))
            out.extend(
                {"value": head + term, "type": "term", "count": freq}
                for freq, term in candidates[:limit]
            )
        out.sort(key=lambda e: (-e["count"], e["value"]))
        return out[:limit]

    def stats(self) -> dict[str, Any]:
        view = self.view()
        cols = view.columns
        return {
            "documents": cols.documents(cols.live),
            "chunks": int(cols.live.sum()),
            "generation": view.generation,
            "index": view.live.rsplit("/", 1)[-1],
        }


def _validate(req: SearchRequest) -> None:
    if req.page < 1:
        raise InvalidParameter("page must be 1 or more")
    if not 1 <= req.per_page <= 100:
        raise InvalidParameter("per_page must be 1..100")
    if req.page * req.per_page > 10_000:
        raise InvalidParameter("page × per_page must be at most 10000; narrow the query instead")
    if req.sort not in SORTS:
        raise InvalidParameter(f"sort must be one of {', '.join(SORTS)}")
    if req.group not in (None, "", "document"):
        raise InvalidParameter("group must be 'document'")
    if req.histogram not in (None, *HISTOGRAM_INTERVALS):
        raise InvalidParameter(f"histogram must be one of {', '.join(HISTOGRAM_INTERVALS)}")
    for name in req.filters:
        if name not in ALL_FACETS:
            raise InvalidParameter(f"unknown filter {name!r}")
    a, b = _date(req.date_from, "date_from"), _date(req.date_to, "date_to")
    if a and b and a > b:
        raise InvalidParameter("date_from is after date_to")


def _date(value: str | None, name: str = "date") -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidParameter(
            f"{name} must be an ISO date (YYYY-MM-DD), got {value[:40]!r}"
        ) from exc


def _top(ids: np.ndarray, score: np.ndarray, want: int, keys: np.ndarray | None) -> np.ndarray:
    """The best ``want`` of the chunks ``ids`` (ascending) by score (ties: document order); with
    ``keys``, only the best chunk of each document."""
    if not len(ids) or want <= 0:
        return ids[:0]
    s = score[ids]
    if keys is not None:
        k = keys[ids]
        order = np.lexsort((ids, -s, k))
        ids, k = ids[order], k[order]
        first = np.ones(len(ids), dtype=bool)
        first[1:] = k[1:] != k[:-1]
        ids = ids[first]
        s = score[ids]
    if len(ids) > want:
        keep = np.argpartition(-s, want - 1)[:want]
        ids, s = ids[keep], s[keep]
    return ids[np.lexsort((ids, -s))]


def _count(cols: Columns, rows: np.ndarray, by_doc: bool) -> int:
    return cols.documents(rows) if by_doc else len(rows)


def _by_date(cols: Columns, ids: np.ndarray, sort: str, by_doc: bool) -> np.ndarray:
    """The chunks ``ids`` ordered by date (newest first unless sort is ``date``)."""
    dates = cols.date[ids]
    if sort == "date":
        order = np.lexsort((ids, np.where(dates < 0, np.iinfo(np.int32).max, dates)))
    else:
        order = np.lexsort((ids, -dates))
    ids = ids[order]
    if by_doc:
        _, first = np.unique(cols.single["doc_id"][ids], return_index=True)
        ids = ids[np.sort(first)]
    return ids


def _up_to_date(searcher) -> bool:
    """False also when the searcher's generation directory is gone (swapped out and removed)."""
    try:
        return searcher.up_to_date()
    except OSError:
        return False


def _cache_key(req: SearchRequest, view: View) -> tuple:
    filters = tuple(sorted((k, tuple(sorted(v))) for k, v in req.filters.items() if v))
    return (
        view.live,
        view.generation,
        req.q,
        filters,
        req.date_from,
        req.date_to,
        req.page,
        req.per_page,
        req.sort,
        req.group,
        req.facets,
        req.highlight,
        req.histogram,
    )


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
