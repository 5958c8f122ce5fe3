"""Search over the live index generation: a validated, parsed ``SearchRequest`` in, the page's
stored chunks, scores and match marks out (``Answer``); :mod:`searchsvc.engine.render` turns those
into hits.

One request runs in these steps, each done by the cheapest machinery for it:

1. **Translate** the request's query tree into a Whoosh query (``query.py``), expanding prefixes
   and wildcards against this generation's terms.
2. **Scope.** Filters are boolean arrays from the facet columns (``columns.py``).
3. **Match and score.** ``scoring.py`` evaluates the query over all segments at once into a match
   mask and BM25F scores (no scores when sorting by date). When fewer than a page of chunks match
   every word of a plain-word query, the page is topped up from the OR of the words and those hits
   say ``partial``.
4. **Count and facet** with numpy over the masks, so total and facet counts cover the whole result
   set, not just a page. Facets are *disjunctive*: a field's counts apply every filter but its
   own, so a selected value stays listed and ticking another value of the same field shows what
   OR would add.
5. **Rank** the top ``page × per_page`` by score (or date); ``group=document`` keeps the best chunk
   per document. Only that page's stored fields are read.
6. **Did-you-mean** for words the index has never seen.

A ``Reader`` keeps one Whoosh searcher and its columns per index generation and checks for a
newer generation on every request (a readlink and a directory listing, ~20 µs), so a write
acknowledged by any process is visible to the very next request in every process; only the
first request after a commit pays for opening the new generation.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.index import EmptyIndexError

from ...errors import DocumentNotFound, SpeakerNotFound
from ..allocator import release_free_memory
from ..models import EXTRA_FACETS, FACETS, SearchRequest
from ..pacing import give_way, paced
from ..query.corrections import edits_allowed
from ..query.parse import ParsedQuery, is_wildcard
from ..query.similar import distinctive_terms, more_like_this
from ..ranking import coverage_terms
from ..render.hits import Row
from ..render.snippets import Marks
from ..request import parse_day
from ..stored import StoredChunk
from ..text.analysis import STOPWORDS, iter_terms
from .columns import ColumnCache, Columns
from .histogram import date_histogram, document_days
from .postings import term_hashes
from .query import Translator
from .scoring import Evaluations, LengthCache, PostingCache, Scored, Scorer, TermScores
from .speakers import record_of, speaker_page
from .spelling import Speller
from .store import IndexStore

FACET_LIMIT = 100  # values listed per facet (most frequent first), plus any selected ones
EXPORT_BATCH = 200  # stored chunks read at a time while an export streams
TRANSLATIONS_KEPT = 1024  # query trees translated per generation and process
FREQUENCIES_KEPT = 50_000  # document frequencies remembered per generation and process
SWAP_RETRIES = 3  # a reindex can swap ``live`` and remove the old generation mid-open
ALL_FACETS = (*FACETS, *EXTRA_FACETS)


@dataclass
class View:
    """A consistent snapshot: one generation's searcher and columns, and the term scores
    remembered for it."""

    live: str
    generation: int
    searcher: Any
    columns: Columns
    term_scores: TermScores = field(default_factory=TermScores)
    evaluations: Evaluations = field(default_factory=Evaluations)
    translations: OrderedDict = field(default_factory=OrderedDict)
    frequencies: dict = field(default_factory=dict)  # document frequency by (field, term)
    counts: dict = field(default_factory=dict)  # documents and chunks, once per snapshot


@dataclass
class Answer:
    """What a search found, before rendering: counts, facets and the page's rows."""

    total: int
    facets: dict[str, list[dict[str, Any]]]
    rows: list[Row]
    marks: Marks
    suggestion: str | None
    generation: int
    histogram: list[dict[str, Any]] | None = None


@dataclass
class Similar:
    """A paragraph's distinctive terms and the chunks of other documents they found."""

    terms: list[str]
    total: int
    rows: list[Row]
    marks: Marks


@dataclass
class _Scope:
    """The chunks a request may return, before matching: live ones in the date range (``base``),
    each field filter's mask, and all of them together (``filters``)."""

    base: np.ndarray
    field_masks: dict[str, np.ndarray]
    filters: np.ndarray

    @classmethod
    def of(cls, cols: Columns, req: SearchRequest) -> _Scope:
        field_masks = {
            f: cols.value_mask(f, vals)
            for f, vals in req.filters.items()
            if vals and f in cols.vocab
        }
        # Masks are only copied when a filter narrows them; matches already exclude deleted
        # chunks (``_evaluate``).
        base = cols.live
        if req.date_from or req.date_to:
            base = base & cols.date_mask(
                parse_day(req.date_from, "date_from"), parse_day(req.date_to, "date_to")
            )
        filters = base
        if field_masks:
            filters = base.copy()
            for mask in field_masks.values():
                filters &= mask
        return cls(base, field_masks, filters)


@dataclass
class _Matches:
    """Matching chunks (``match``), their scores, which of them only the partial top-up found,
    and the ones within the scope (``filtered``, and as ascending ids ``rows``)."""

    match: np.ndarray
    score: np.ndarray
    partial: np.ndarray | None
    filtered: np.ndarray
    rows: np.ndarray


class Reader:
    def __init__(self, store: IndexStore, max_expansion: int = 128, time_budget: float = 2.0):
        self.store = store
        self.time_budget = time_budget
        self.cache = ColumnCache()
        self.lengths = LengthCache()
        self.postings = PostingCache()
        self.speller = Speller()
        self.max_expansion = max_expansion
        self._translator: Translator | None = None
        self._view: View | None = None
        self._lock = threading.Lock()
        self._memo_lock = threading.Lock()
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
                    try:
                        _hold_stored_fields(searcher)
                        columns = self.cache.for_reader(searcher.reader())
                    except BaseException:
                        searcher.close()
                        raise
                except (EmptyIndexError, OSError):
                    # A reindex swapped ``live`` and removed this generation between resolving
                    # the link and reading it, or a commit merged a segment away between
                    # reading the table of contents and opening its files: resolve again.
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
                self.speller.forget_except(self.cache.segment_ids())
                self._corrections.clear()
                release_free_memory()
                return view
            raise AssertionError("unreachable")

    @property
    def translator(self) -> Translator:
        if self._translator is None:
            self._translator = Translator(self.store.open().schema, self.max_expansion)
        return self._translator

    # --- search ----------------------------------------------------------------------------
    def search(self, view: View, req: SearchRequest, parsed: ParsedQuery) -> Answer:
        cols = view.columns
        by_doc = req.group == "document"
        scope, found, marks, ranking = self._find(view, req, parsed, req.page * req.per_page)
        facets = (
            self._facets(cols, scope, found, req, by_doc) if req.facets else {f: [] for f in FACETS}
        )
        histogram = None
        if req.histogram:
            days = (
                document_days(cols.date, cols.single["doc_id"], found.rows)
                if by_doc
                else cols.date[found.rows]
            )
            histogram = date_histogram(days, req.histogram)
        start = (req.page - 1) * req.per_page
        ranked = self._ranked(cols, found, req, ranking, req.page * req.per_page)
        give_way()  # ranking and counting are each a pass over every match (≈ 30 ms for a question)
        total = _count(cols, found.rows, by_doc)
        return Answer(
            total=total,
            facets=facets,
            rows=self._rows(view, found, ranked[start:], ranking),
            marks=marks,
            suggestion=self._did_you_mean(view.searcher, parsed.words),
            generation=view.generation,
            histogram=histogram,
        )

    def _find(
        self, view: View, req: SearchRequest, parsed: ParsedQuery, want: int
    ) -> tuple[_Scope, _Matches, Marks, bool]:
        """The request's scope, its matches (topped up with partial ones when fewer than
        ``want``), what to mark, and whether the order is by score."""
        cols = view.columns
        query, marks = self._translate(view, parsed.tree)
        query = self._with_bonus(query, parsed, view)
        scope = _Scope.of(cols, req)
        ranking = query is not None and req.sort == "relevance"
        scorer = self._scorer(view)
        by_doc = req.group == "document"
        found = self._match(scorer, query, cols, scope, ranking)
        if parsed.loose is not None and ranking and _count(cols, found.rows, by_doc) < want:
            found = self._top_up(view, scorer, parsed, scope, found, by_doc)
        if parsed.loose is not None and ranking:
            _weigh_coverage(scorer, found, coverage_terms(list(parsed.words)))
        return scope, found, marks, ranking

    def _translate(self, view: View, node) -> tuple[Any, Marks]:
        """The Whoosh query and marks of a tree, translated once per generation: a long question
        translates its words, the OR of its words and its feedback terms twice each (prefixes
        are expanded against this generation's terms, so a new one translates afresh). Nothing
        downstream changes a query, so one object serves every search that asks."""
        with self._memo_lock:
            found = view.translations.get(node)
            if found is not None:
                view.translations.move_to_end(node)
                return found
        found = self.translator.translate(node, view.searcher.reader())
        with self._memo_lock:
            view.translations[node] = found
            if len(view.translations) > TRANSLATIONS_KEPT:
                view.translations.popitem(last=False)
        return found

    def _scorer(self, view: View) -> Scorer:
        return Scorer(
            view.searcher,
            view.columns.size,
            self.lengths,
            self.postings,
            deadline=time.monotonic() + self.time_budget,
            remembered=view.term_scores,
            evaluations=view.evaluations,
        )

    # --- exports, speakers, related passages ---------------------------------------------------
    def export(
        self, view: View, req: SearchRequest, parsed: ParsedQuery, limit: int
    ) -> tuple[int, Marks, Iterator[Row]]:
        """(total, marks, the first ``limit`` rows in the request's order): ranked once, their
        stored fields read in batches as the caller consumes them, so an export streams."""
        cols = view.columns
        _scope, found, marks, ranking = self._find(view, req, parsed, limit)
        ranked = self._ranked(cols, found, req, ranking, limit)

        def rows() -> Iterator[Row]:
            for first in range(0, len(ranked), EXPORT_BATCH):
                yield from self._rows(view, found, ranked[first : first + EXPORT_BATCH], ranking)

        return _count(cols, found.rows, req.group == "document"), marks, rows()

    def speakers(
        self, q: str = "", role: str | None = None, page: int = 1, per_page: int = 20
    ) -> tuple[int, list[dict[str, Any]]]:
        """(how many speakers match, the page's records), most quoted first."""
        return speaker_page(self.view().columns, q, role, page, per_page)

    def speaker(self, name: str) -> dict[str, Any]:
        record = record_of(self.view().columns, name)
        if record is None:
            raise SpeakerNotFound(f"no speaker named {name[:100]!r}")
        return record

    def related(self, doc_id: str, paragraph: int, limit: int = 10) -> Similar:
        """The chunks of other documents most like paragraph ``paragraph`` of ``doc_id``: its
        distinctive terms ORed (the query tree of ``more_like_this``) and scored like any
        search, the document itself left out."""
        view = self.view()
        searcher, cols = view.searcher, view.columns
        fields = _chunk_of(searcher, doc_id, paragraph)
        reader = searcher.reader()
        text = StoredChunk.of(fields).text
        terms = distinctive_terms(
            text, lambda t: reader.doc_frequency("exact", t), int(cols.live.sum())
        )
        query, marks = self.translator.translate(more_like_this(terms), reader)
        if not terms or query is None:
            return Similar([], 0, [], marks)
        found = _evaluate(self._scorer(view), query, cols, True)
        mask = found.mask
        own = cols.vocab["doc_id"].codes.get(doc_id)
        if own is not None:
            mask = mask & (cols.single["doc_id"] != own)
        rows = np.flatnonzero(mask)
        top = _top(rows, found.score, limit, None, cols.document_order())
        return Similar(
            terms,
            len(rows),
            [
                Row(StoredChunk.of(searcher.stored_fields(int(d))), float(found.score[d]))
                for d in top
            ],
            marks,
        )

    def _with_bonus(self, query, parsed: ParsedQuery, view: View):
        """``query`` with the parsed query's score-only terms added (Whoosh's AndMaybe)."""
        if parsed.bonus is None or query is None:
            return query
        bonus, _ = self._translate(view, parsed.bonus)
        return query if bonus is None else wq.AndMaybe(query, bonus)

    def _match(self, scorer: Scorer, q, cols: Columns, scope: _Scope, scored: bool) -> _Matches:
        strict = _evaluate(scorer, q, cols, scored)
        filtered = scope.filters & strict.mask
        # Every result chunk, found once: counted, faceted and ranked from this.
        rows = np.flatnonzero(filtered)
        return _Matches(strict.mask, strict.score, None, filtered, rows)  # type: ignore[arg-type]

    def _top_up(
        self, view: View, scorer: Scorer, parsed: ParsedQuery, scope: _Scope, found: _Matches,
        by_doc: bool,
    ) -> _Matches:  # fmt: skip
        """Add the chunks matching only some of the words, marked ``partial``, when any are in
        scope; a document with a complete match does not come back as partial."""
        cols = view.columns
        loose_query, _ = self._translate(view, parsed.loose)
        loose_query = self._with_bonus(loose_query, parsed, view)
        loose = _evaluate(scorer, loose_query, cols, True)
        extra = loose.mask & ~found.match
        if by_doc:
            extra &= ~np.isin(cols.single["doc_id"], cols.single["doc_id"][found.filtered])
        if not (extra & scope.filters).any():
            return found
        match = found.match | extra
        filtered = scope.filters & match
        score = np.where(extra, loose.score, found.score)
        return _Matches(match, score, extra, filtered, np.flatnonzero(filtered))

    def _facets(
        self, cols: Columns, scope: _Scope, found: _Matches, req: SearchRequest, by_doc: bool
    ) -> dict[str, list[dict[str, Any]]]:
        """Disjunctive counts: each field sees every filter but its own. Fields without a filter
        of their own see exactly the result chunks (``found.rows``)."""
        out = {}
        base_match = None
        for f in paced(ALL_FACETS):
            if f in EXTRA_FACETS and not len(cols.vocab[f].values) and f not in req.filters:
                continue
            counted = found.rows
            if f in scope.field_masks:
                if base_match is None:
                    base_match = scope.base & found.match
                mask = base_match.copy()
                for other, m in scope.field_masks.items():
                    if other != f:
                        mask &= m
                counted = np.flatnonzero(mask)
            out[f] = cols.counts(
                f, counted, by_document=by_doc, limit=FACET_LIMIT, keep=req.filters.get(f, ())
            )
        return out

    @staticmethod
    def _ranked(
        cols: Columns, found: _Matches, req: SearchRequest, ranking: bool, want: int
    ) -> np.ndarray:
        """The first ``want`` result chunks in order: complete matches by score first, then
        partial ones; or by date."""
        by_doc = req.group == "document"
        if ranking:
            keys = cols.single["doc_id"] if by_doc else None
            order = cols.document_order()
            if found.partial is None:
                ranked = _top(found.rows, found.score, want, keys, order)
            else:
                complete = np.flatnonzero(found.filtered & ~found.partial)
                ranked = _top(complete, found.score, want, keys, order)
                if len(ranked) < want:
                    partial = np.flatnonzero(found.filtered & found.partial)
                    more = _top(partial, found.score, want - len(ranked), keys, order)
                    ranked = np.concatenate([ranked, more])
        else:
            ranked = _by_date(cols, found.rows, req.sort, by_doc)[:want]
        return ranked

    @staticmethod
    def _rows(view: View, found: _Matches, chunks: np.ndarray, ranking: bool) -> list[Row]:
        """The chunks with their stored fields, scores and partial flags."""
        return [
            Row(
                StoredChunk.of(view.searcher.stored_fields(int(d))),
                float(found.score[d]) if ranking else 0.0,
                bool(found.partial[d]) if found.partial is not None else False,
            )
            for d in paced(chunks)
        ]

    def _did_you_mean(self, searcher, words: tuple[str, ...]) -> str | None:
        """Replace each word the index has never seen by its closest known term."""
        reader = searcher.reader()
        changed = False
        out = []
        for word in words:
            if is_wildcard(word):
                out.append(word)
                continue
            terms = [t.text for t in iter_terms(word, query=True)]
            unknown = [
                t
                for t in terms
                if t not in STOPWORDS and t.isalpha() and reader.doc_frequency("exact", t) == 0
            ]
            if len(terms) == 1 and unknown and edits_allowed(terms[0]):
                key = terms[0]
                if key not in self._corrections:
                    self._corrections[key] = self.speller.suggest(
                        reader, "exact", key, maxdist=edits_allowed(key), prefix=1
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

    # --- documents, suggestions, stats -------------------------------------------------------
    def chunks_of(self, doc_id: str) -> list[StoredChunk]:
        """Every stored chunk of one document; ``DocumentNotFound`` when there is none."""
        chunks = [StoredChunk.of(f) for f in self.view().searcher.documents(doc_id=doc_id)]
        if not chunks:
            raise DocumentNotFound(f"no document with id {doc_id!r}")
        return chunks

    def suggest(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        """Speakers and index terms completing ``prefix``, most frequent first."""
        view = self.view()
        prefix = prefix.strip()
        if not prefix:
            return []
        out = _speakers_starting(view.columns, prefix.casefold())
        out += _terms_completing(view.searcher.reader(), prefix, limit)
        out.sort(key=lambda e: (-e["count"], e["value"]))
        return out[:limit]

    def document_frequencies(self, fieldname: str, terms: list[str]) -> tuple[dict[str, int], int]:
        """({term: chunks holding it, deleted ones included, as Whoosh counts}, all chunks),
        remembered per generation: the feedback of every long question asks for the words of
        its best chunks, and those are mostly the same common words."""
        view = self.view()
        known = view.frequencies
        missing = [t for t in dict.fromkeys(terms) if (fieldname, t) not in known]
        if missing:
            found = self._count_postings(view.searcher.reader(), fieldname, missing)
            if len(known) + len(found) > FREQUENCIES_KEPT:
                known.clear()
            known.update(((fieldname, t), df) for t, df in found.items())
        return {t: known[(fieldname, t)] for t in terms}, view.searcher.doc_count_all()

    def _count_postings(self, reader, fieldname: str, terms: list[str]) -> dict[str, int]:
        """Each term's postings over all segments, as Whoosh's ``doc_frequency`` counts them:
        from the flat term table where a segment has one, all the terms of a segment looked up
        at once (a question's feedback asks for about a hundred), else from Whoosh's."""
        terms = list(dict.fromkeys(terms))
        counts = dict.fromkeys(terms, 0)
        hashes = None
        for leaf, _ in reader.leaf_readers():
            files = self.postings.files.of(leaf) if leaf.segment() is not None else None
            if files is None:
                for term in terms:
                    counts[term] += leaf.doc_frequency(fieldname, term)
                continue
            if hashes is None:
                hashes = term_hashes(leaf, fieldname, terms)
            first = files.first_posting
            rows = files.find_many(leaf, fieldname, terms, hashes)
            for term, row in zip(terms, rows, strict=True):
                if row is not None:
                    counts[term] += int(first[row + 1] - first[row])
        return counts

    def stats(self) -> dict[str, Any]:
        """Counted once per snapshot: load balancers poll ``/health`` every few seconds, and
        counting the documents of every live chunk cost ≈ 3 ms a poll on the full corpus."""
        view = self.view()
        if not view.counts:
            cols = view.columns
            view.counts.update(documents=cols.documents(cols.live), chunks=int(cols.live.sum()))
        return {
            **view.counts,
            "generation": view.generation,
            "index": view.live.rsplit("/", 1)[-1],
        }


def _chunk_of(searcher: Any, doc_id: str, paragraph: int) -> dict[str, Any]:
    """The stored fields of paragraph ``paragraph`` of ``doc_id``, found through the document's
    id: a chunk's own id is stored, not indexed (schema.py). An index whose schema still indexes
    it finds the same chunk, the first live one of that id."""
    wanted = f"{doc_id}:{paragraph}"
    found = False
    for docnum in searcher.document_numbers(doc_id=doc_id):
        found = True
        fields = searcher.stored_fields(docnum)
        if fields.get("id") == wanted:
            return fields
    if not found:
        raise DocumentNotFound(f"no document with id {doc_id!r}")
    raise DocumentNotFound(f"document {doc_id!r} has no paragraph {paragraph}")


def _speakers_starting(cols: Columns, folded: str) -> list[dict[str, Any]]:
    """Speakers whose name, or a word of it, starts with the case-folded prefix."""
    out = []
    for entry in cols.counts("speaker", np.flatnonzero(cols.live)):
        name = entry["value"].casefold()
        if name.startswith(folded) or any(part.startswith(folded) for part in name.split()):
            out.append({"value": entry["value"], "type": "speaker", "count": entry["count"]})
    return out


def _terms_completing(reader, prefix: str, limit: int) -> list[dict[str, Any]]:
    """The most frequent surface terms completing the prefix's last word, after its other
    words as typed."""
    terms = [t.text for t in iter_terms(prefix, query=True, keep_stops=True)]
    if not terms:
        return []
    words = prefix.split()
    head = prefix[: len(prefix) - len(words[-1])] if len(words) > 1 else ""
    candidates = [
        (info.doc_frequency(), term.decode("utf-8") if isinstance(term, bytes) else term)
        for term, info in islice(reader.iter_prefix("exact", terms[-1]), 5000)
    ]
    candidates.sort(key=lambda p: (-p[0], p[1]))
    return [
        {"value": head + term, "type": "term", "count": freq} for freq, term in candidates[:limit]
    ]


def _evaluate(scorer: Scorer, q, cols: Columns, scored: bool) -> Scored:
    """The query's live matches and their BM25F scores (``None`` query: every chunk)."""
    if q is None:
        return Scored(cols.live.copy(), np.zeros(cols.size, dtype=np.float32))
    result = scorer.evaluate(q, scored)
    # The scorer's arrays are this search's own (``Scorer.evaluate``): narrowed and weighed in
    # place, without two more index-sized arrays per evaluation.
    mask = result.mask
    mask &= cols.live
    if result.score is None:
        return Scored(mask, np.zeros(cols.size, np.float32))
    score = result.score
    score *= cols.kind_prior()
    return Scored(mask, score)


def _hold_stored_fields(searcher: Any) -> None:
    """Open every segment's stored-fields file now, with the rest of the view.

    Whoosh opens it at a segment's first ``stored_fields`` call. By then another worker's commit
    may have merged that segment away and deleted its files: a file already open outlives its
    unlinking, one not yet opened is gone, and the search would fail half-way (Whoosh then reads
    through a missing column). Raises ``OSError`` when a file is already gone, so the view is
    opened again from the new table of contents."""
    for leaf, _ in searcher.reader().leaf_readers():
        if leaf.doc_count_all() == 0:
            continue
        try:
            leaf.stored_fields(0)
        except TypeError as exc:  # Whoosh found no stored-fields column for the segment
            raise OSError("a segment's stored fields were removed as the view opened") from exc


def _weigh_coverage(scorer: Scorer, found: _Matches, terms: list[str]) -> None:
    """Each matching chunk's score times ``1 + the share of terms in its own text``
    (``ranking.coverage_terms`` says why)."""
    if not terms:
        return
    share = np.zeros(len(found.score), dtype=np.float32)
    for term in terms:
        share += scorer.evaluate(wq.Term("text", term), False).mask
    found.score[found.rows] *= 1 + share[found.rows] / len(terms)


def _top(
    ids: np.ndarray, score: np.ndarray, want: int, keys: np.ndarray | None, order: np.ndarray
) -> np.ndarray:
    """The best ``want`` of the chunks ``ids`` (ascending) by score, equal scores by ``order``
    (the document's place by id, ``Columns.document_order``) then paragraph; with ``keys``, only
    the best chunk of each document.

    Every chunk tied with the ``want``-th is kept before the final sort, so page 2 continues
    exactly where page 1 ended even when scores tie across the boundary (a partition alone
    picks an arbitrary subset of the tied chunks, different for each page size)."""
    if not len(ids) or want <= 0:
        return ids[:0]
    s = score[ids]
    if keys is not None:
        ids, s = _best_documents_among(ids, s, want, keys)
        k = keys[ids]
        first_of = np.lexsort((ids, -s, k))
        ids, k = ids[first_of], k[first_of]
        first = np.ones(len(ids), dtype=bool)
        first[1:] = k[1:] != k[:-1]
        ids = np.sort(ids[first])
        s = score[ids]
    if len(ids) > want:
        cut = np.partition(-s, want - 1)[want - 1]
        keep = -s <= cut
        ids, s = ids[keep], s[keep]
    return ids[np.lexsort((ids, order[ids], -s))][:want]


def _best_documents_among(
    ids: np.ndarray, s: np.ndarray, want: int, keys: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The chunks among ``ids`` (scores ``s``) that can hold the best chunk of one of the best
    ``want`` documents: every chunk scoring at least the ``m``-th best, for the smallest ``m``
    (growing fourfold) whose chunks span ``want`` documents.

    Exact: a document with a chunk in that set has its best chunk (and every chunk tied with
    it) in the set, and a document without one scores below all of those ``want`` documents.
    It spares grouping every match of a common word by document to find ten of them."""
    m = 4 * want
    while m < len(ids):
        cut = np.partition(-s, m - 1)[m - 1]
        top = -s <= cut
        if len(np.unique(keys[ids[top]])) >= want:
            return ids[top], s[top]
        m *= 4
    return ids, s


def _count(cols: Columns, rows: np.ndarray, by_doc: bool) -> int:
    return cols.documents(rows) if by_doc else len(rows)


def _by_date(cols: Columns, ids: np.ndarray, sort: str, by_doc: bool) -> np.ndarray:
    """The chunks ``ids`` ordered by date (newest first unless sort is ``date``), the same
    date by document id, then paragraph."""
    dates = cols.date[ids]
    by_id = cols.document_order()[ids]
    if sort == "date":
        order = np.lexsort((ids, by_id, np.where(dates < 0, np.iinfo(np.int32).max, dates)))
    else:
        order = np.lexsort((ids, by_id, -dates))
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


def cache_key(req: SearchRequest, view: View) -> tuple:
    filters = tuple(sorted((k, tuple(sorted(v))) for k, v in req.filters.items() if v))
    return (
        view.live,
        view.generation,
        req.q,
        req.parsed,
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
