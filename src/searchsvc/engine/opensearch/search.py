"""A validated ``SearchRequest`` → OpenSearch requests → the rows, counts and facets of a page.

Stories are OpenSearch documents and chunks their nested documents (``mapping.py``), so one search
is two requests sent together (``_msearch``):

* **hits**: stories whose chunks match the query and every filter, ranked by their best chunk
  (``score_mode: max``) or by date, each with its matching chunks as ``inner_hits``. The best
  ``page × per_page`` chunks overall are among the best ``page × per_page`` stories, so merging
  the inner hits of those stories gives the page exactly; with ``group=document`` a story is a row
  and its best chunk the hit (the total is the number of stories).
* **counts**: ``size: 0``, aggregations inside the nested chunks. The chunk total, and each facet
  counted over the chunks that match the query and every filter *but that facet's own*
  (disjunctive facets: a ticked value stays listed and its siblings show what OR would add). With
  ``group=document`` values count stories (``reverse_nested``). The 100 most frequent values are
  listed, plus the selected ones. The did-you-mean check rides along: whether each plain word is
  in the index at all, and the term suggester's closest known term.

A query of plain words that matches fewer chunks than the page needs is topped up, as on Whoosh,
with chunks matching only some of the words, marked ``partial``. A long question's relevance
feedback terms (``ParsedQuery.bonus``) are should-clauses with their weights: they reorder what
the question matches, never widen it, so counts are made without them. A date histogram is one
more aggregation over the same chunks as the total (stories, when grouped), bucketed by the shared
rules of :mod:`searchsvc.engine.histogram`.

Related passages are a search too: the paragraph's distinctive terms
(:mod:`searchsvc.engine.query.similar`, their document frequencies asked in one request) ORed, the
paragraph's own story left out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import histogram
from ..models import EXTRA_FACETS, FACETS, SearchRequest
from ..query.corrections import edits_allowed
from ..query.parse import ParsedQuery, is_wildcard
from ..query.similar import candidate_terms, distinctive_terms, more_like_this
from ..ranking import KIND_PRIOR, coverage_terms
from ..render.hits import Row
from ..render.snippets import Marks
from ..stored import StoredChunk
from ..text.analysis import STOPWORDS, iter_terms
from .mapping import MAX_INNER_HITS
from .translate import MATCH_ALL, PATH, Translation, Translator, chunk_field

FACET_LIMIT = 100
FACET_SHARD_SIZE = 500
ALL_FACETS = (*FACETS, *EXTRA_FACETS)
EXPORT_STORIES = 100  # stories per request while an export streams
PIT_KEEP_ALIVE = "2m"  # how long an export's point in time outlives its last request
INNER_SOURCE = [f"{PATH}.stored", f"{PATH}.id", f"{PATH}.doc_id"]


@dataclass
class Answer:
    rows: list[Row]
    marks: list[Marks]  # one per row
    total: int
    facets: dict[str, list[dict[str, Any]]]
    suggestion: str | None
    took: int = 0  # OpenSearch's own milliseconds, summed over the requests
    extras: dict[str, Any] = field(default_factory=dict)
    histogram: list[dict[str, Any]] | None = None


@dataclass
class Similar:
    """A paragraph's distinctive terms and the chunks of other stories they found."""

    terms: list[str]
    total: int
    rows: list[Row]
    marks: list[Marks]


class Searcher:
    def __init__(self, client: Any, alias: str, max_expansion: int = 128):
        self.client = client
        self.alias = alias
        self.translator = Translator(max_expansion)

    def search(self, req: SearchRequest, parsed: ParsedQuery) -> Answer:
        strict = self.translator.translate(parsed.tree)
        by_doc = req.group == "document"
        ranking = strict.query is not None and req.sort == "relevance"
        want = req.page * req.per_page
        start = (req.page - 1) * req.per_page
        base = _base_filters(req)
        field_filters = _field_filters(req)
        candidates = _candidate_terms(parsed.words)

        chunk_q = _chunk_query(self.with_bonus(strict.query, parsed), base, field_filters.values())
        hits_body = self._hits_body(chunk_q, by_doc, ranking, want if not by_doc else req.per_page,
                                    0 if not by_doc else start, req.sort)  # fmt: skip
        counts_body = self._counts_body(strict.query, base, field_filters, req, by_doc, candidates)
        hits_resp, counts_resp = self._msearch([hits_body, counts_body])
        took = hits_resp.get("took", 0) + counts_resp.get("took", 0)
        total = _total(hits_resp) if by_doc else _agg(counts_resp, "all")["doc_count"]
        rows, marks = self._rows(hits_resp, strict, by_doc, ranking, start, want, partial=False)

        loose = parsed.loose
        if loose is not None and ranking and total < want:
            top_up = self._top_up(req, parsed, strict, loose, base, field_filters, by_doc, start,
                                  want, len(rows), total)  # fmt: skip
            if top_up is not None:
                extra_rows, extra_marks, total, counts_resp, more_took = top_up
                rows, marks = rows + extra_rows, marks + extra_marks
                took += more_took

        facets = _facets(counts_resp, req, by_doc) if req.facets else {f: [] for f in FACETS}
        return Answer(
            rows=rows[: req.per_page] if not by_doc else rows,
            marks=marks[: req.per_page] if not by_doc else marks,
            total=total,
            facets=facets,
            suggestion=_did_you_mean(counts_resp, parsed.words, candidates),
            took=took,
            histogram=_histogram(counts_resp, req, by_doc),
        )

    def with_bonus(self, query: dict[str, Any] | None, parsed: ParsedQuery) -> dict | None:
        """``query`` with the parsed query's score-only terms as weighted should-clauses, and
        for a short query of plain words the coverage multiplier (``ranking.coverage_terms``)."""
        if query is None:
            return query
        if parsed.loose is not None:
            query = _with_coverage(query, coverage_terms(list(parsed.words)))
        if parsed.bonus is None:
            return query
        bonus = self.translator.translate(parsed.bonus).query
        return query if bonus is None else {"bool": {"must": [query], "should": [bonus]}}

    def related(self, text: str, doc_id: str, limit: int) -> Similar:
        """The chunks of other stories most like the paragraph ``text`` of ``doc_id``."""
        candidates = list(candidate_terms(text))
        frequencies, chunks = self.doc_frequencies(candidates)
        terms = distinctive_terms(text, lambda term: frequencies.get(term, 0), chunks)
        tr = self.translator.translate(more_like_this(terms))
        if not terms or tr.query is None:
            return Similar([], 0, [], [])
        elsewhere = {"bool": {"must": [tr.query], "must_not": [_doc_is(doc_id)]}}
        hits_body = self._hits_body(elsewhere, False, True, limit, 0, "relevance")
        counts_body = {
            "size": 0,
            "track_total_hits": False,
            "query": {"nested": {"path": PATH, "query": elsewhere, "score_mode": "none"}},
            "aggs": {"chunks": {"nested": {"path": PATH}, "aggs": {"all": {"filter": elsewhere}}}},
        }
        hits_resp, counts_resp = self._msearch([hits_body, counts_body])
        rows, marks = self._rows(hits_resp, tr, False, True, 0, limit, partial=False)
        return Similar(terms, _agg(counts_resp, "all")["doc_count"], rows, marks)

    def doc_frequencies(self, terms: list[str], field: str = "exact") -> tuple[dict[str, int], int]:
        """({term: chunks having it in ``field``}, all chunks), in one request."""
        from .connection import call

        aggs: dict[str, Any] = {}
        if terms:
            aggs["df"] = {
                "filters": {
                    "filters": {
                        str(i): {"term": {chunk_field(field): term}} for i, term in enumerate(terms)
                    }
                }
            }
        resp = call(
            self.client.search,
            index=self.alias,
            body={"size": 0, "aggs": {"chunks": {"nested": {"path": PATH}, "aggs": aggs}}},
        )
        chunks = resp["aggregations"]["chunks"]
        buckets = chunks.get("df", {}).get("buckets", {})
        found = {term: buckets[str(i)]["doc_count"] for i, term in enumerate(terms)}
        return found, chunks["doc_count"]

    # --- requests ---------------------------------------------------------------------------
    def _msearch(self, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from .connection import call

        lines: list[dict[str, Any]] = []
        for body in bodies:
            lines.append({"index": self.alias})
            lines.append(body)
        resp = call(self.client.msearch, body=lines)
        out = []
        for item in resp["responses"]:
            if "error" in item:
                _raise(item)
            out.append(item)
        return out

    def _hits_body(
        self, chunk_q: dict, by_doc: bool, ranking: bool, size: int, offset: int, sort: str,
        inner_size: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        inner: dict[str, Any] = {
            "size": 1 if by_doc else inner_size or size,
            "_source": INNER_SOURCE,
        }
        body: dict[str, Any] = {
            "size": size,
            "from": offset,
            "track_total_hits": True,
            "_source": ["doc"],
            "query": {
                "nested": {
                    "path": PATH,
                    "query": chunk_q,
                    "score_mode": "max",
                    "inner_hits": inner,
                }
            },
        }
        if not ranking:
            order = "asc" if sort == "date" else "desc"
            body["sort"] = [
                {"date": {"order": order, "missing": "_last"}},
                {"doc_id": "asc"},
            ]
            inner["sort"] = [{chunk_field("paragraph"): "asc"}]
        else:
            # Equal scores by document id, then paragraph, as on Whoosh: a page continues where
            # the previous one ended even when scores tie (Lucene's own order of equal scores
            # is per shard and segment, and changes with merges and replicas).
            body["sort"] = ["_score", {"doc_id": "asc"}]
            inner["sort"] = ["_score", {chunk_field("paragraph"): "asc"}]
        return body

    def _counts_body(
        self, query, base, field_filters, req: SearchRequest, by_doc: bool, candidates: list[str]
    ) -> dict[str, Any]:
        match = [query] if query is not None else []
        nested_aggs: dict[str, Any] = {
            "all": {"filter": _filter(match + base + list(field_filters.values()))}
        }
        if req.facets:
            unfiltered = [f for f in ALL_FACETS if f not in field_filters]
            nested_aggs["all"]["aggs"] = {f: terms_agg(f, by_doc) for f in unfiltered}
            for f in field_filters:
                others = [q for g, q in field_filters.items() if g != f]
                aggs: dict[str, Any] = {"values": terms_agg(f, by_doc)}
                for i, value in enumerate(req.filters[f]):
                    aggs[f"keep{i}"] = {
                        "filter": {"term": {chunk_field(f"facet.{f}.folded"): fold(value)}},
                        "aggs": {"values": terms_agg(f, by_doc, size=10)},
                    }
                nested_aggs[f"by_{f}"] = {"filter": _filter(match + base + others), "aggs": aggs}
        if req.histogram:
            nested_aggs["all"].setdefault("aggs", {})["histogram"] = _histogram_agg(
                req.histogram, by_doc
            )
        aggs: dict[str, Any] = {"chunks": {"nested": {"path": PATH}, "aggs": nested_aggs}}
        # Over the whole index, whatever the query: which extra facets exist at all, and which
        # words did-you-mean may correct because no chunk has them.
        everywhere: dict[str, Any] = {
            f"known{i}": {"filter": {"term": {chunk_field("exact"): term}}}
            for i, term in enumerate(candidates)
        }
        if req.facets:
            everywhere.update(
                {
                    f"has_{f}": {"filter": {"exists": {"field": chunk_field(f"facet.{f}")}}}
                    for f in EXTRA_FACETS
                }
            )
        if everywhere:
            aggs["index"] = {
                "global": {},
                "aggs": {"chunks": {"nested": {"path": PATH}, "aggs": everywhere}},
            }
        body: dict[str, Any] = {
            "size": 0,
            "track_total_hits": False,
            "query": {
                "nested": {"path": PATH, "query": _filter(match + base), "score_mode": "none"}
            },
            "aggs": aggs,
        }
        if candidates:
            body["suggest"] = {
                f"dym{i}": {
                    "text": term,
                    "term": {
                        "field": chunk_field("exact"),
                        "suggest_mode": "always",
                        "max_edits": edits_allowed(term),
                        "prefix_length": 1,
                        "min_word_length": 1,
                        "size": 1,
                        "sort": "score",
                    },
                }
                for i, term in enumerate(candidates)
            }
        return body

    def _top_up(self, req, parsed, strict, loose_node, base, field_filters, by_doc, start, want,
                have, strict_total):  # fmt: skip
        """The chunks matching only some of the words, ranked after every complete match."""
        loose = self.translator.translate(loose_node)
        if loose.query is None:
            return None
        scored = self.with_bonus(loose.query, parsed)
        only_loose = {"bool": {"must": [scored], "must_not": [strict.query]}}
        extra_q = _chunk_query(only_loose, base, field_filters.values())
        hits_body = self._hits_body(extra_q, by_doc, True, want, 0, req.sort)
        if by_doc:  # a story with a complete match does not come back as partial
            strict_q = _chunk_query(strict.query, base, field_filters.values())
            hits_body["query"] = {
                "bool": {
                    "must": [hits_body["query"]],
                    "must_not": [{"nested": {"path": PATH, "query": strict_q}}],
                }
            }
        either = {"bool": {"should": [strict.query, loose.query], "minimum_should_match": 1}}
        counts_body = self._counts_body(either, base, field_filters, req, by_doc, [])
        hits_resp, counts_resp = self._msearch([hits_body, counts_body])
        extra_total = _total(hits_resp)
        if extra_total == 0:
            return None
        rows, marks = self._rows(hits_resp, loose, by_doc, True, 0, want, partial=True)
        # Ranked after every complete match: the page continues where those ended.
        skip, need = max(0, start - strict_total), req.per_page - have
        rows, marks = rows[skip : skip + need], marks[skip : skip + need]
        total = strict_total + extra_total if by_doc else _agg(counts_resp, "all")["doc_count"]
        took = hits_resp.get("took", 0) + counts_resp.get("took", 0)
        return rows, marks, total, counts_resp, took

    # --- responses --------------------------------------------------------------------------
    def _rows(self, resp, tr: Translation, by_doc, ranking, start, want, partial):
        found = _found(resp)
        if by_doc:
            chosen = found
        else:
            if ranking:
                # By score, then document id and paragraph: the page is exact, because every
                # story ranked before a chunk's own (higher best score, or the same and a
                # smaller id) holds a chunk ranked before it.
                found.sort(key=lambda f: (-f[0], f[1], f[3]))
            chosen = found[start:want]
        rows = [Row(s, score if ranking else 0.0, partial) for score, _, _, _, s in chosen]
        return rows, [tr.marks_for_text(r.stored.text) for r in rows]

    # --- exports ----------------------------------------------------------------------------
    def export(
        self, req: SearchRequest, parsed: ParsedQuery, limit: int
    ) -> tuple[int, Iterator[tuple[Row, Marks]]]:
        """(total, the first ``limit`` rows in ``search``'s order, page after page): the stories
        walked with ``search_after`` in one point in time, so the rows come from one view of
        the index however long the reader takes. Ranked chunks of several stories interleave:
        a chunk is let out once no story still to come can hold a better one (stories arrive
        by their best chunk's score). Topped up with partial matches as a search would be."""
        from .connection import call

        strict = self.translator.translate(parsed.tree)
        by_doc = req.group == "document"
        ranking = strict.query is not None and req.sort == "relevance"
        base, filters = _base_filters(req), list(_field_filters(req).values())
        pit = call(self.client.create_pit, index=self.alias, keep_alive=PIT_KEEP_ALIVE)["pit_id"]
        try:
            strict_q = _chunk_query(self.with_bonus(strict.query, parsed), base, filters)
            passes = [(_stories(strict_q), strict, False)]
            total = self._export_count(pit, strict.query, base, filters, by_doc)
            loose = self.translator.translate(parsed.loose) if parsed.loose is not None else None
            if ranking and total < limit and loose is not None and loose.query is not None:
                scored = self.with_bonus(loose.query, parsed)
                only_loose = {"bool": {"must": [scored], "must_not": [strict.query]}}
                query = _stories(_chunk_query(only_loose, base, filters))
                if by_doc:  # a story with a complete match does not come back as partial
                    query = {"bool": {"must": [query], "must_not": [_stories(strict_q)]}}
                    extra = self._export_count(pit, None, [], [], True, stories=query)
                    topped_up = total + extra
                else:
                    either = {"bool": {"should": [strict.query, loose.query],
                                       "minimum_should_match": 1}}  # fmt: skip
                    topped_up = self._export_count(pit, either, base, filters, False)
                if topped_up > total:
                    passes.append((query, loose, True))
                    total = topped_up
        except BaseException:
            self._close(pit)
            raise

        def rows() -> Iterator[tuple[Row, Marks]]:
            sent = 0
            try:
                for query, tr, partial in passes:
                    for row in self._walk(pit, query, req, by_doc, ranking, partial, limit):
                        yield row, tr.marks_for_text(row.stored.text)
                        sent += 1
                        if sent >= limit:
                            return
            finally:
                self._close(pit)

        return total, rows()

    def _export_count(self, pit, query, base, filters, by_doc, stories=None) -> int:
        from .connection import call

        body: dict[str, Any] = {
            "size": 0,
            "track_total_hits": by_doc,
            "pit": {"id": pit, "keep_alive": PIT_KEEP_ALIVE},
            "query": stories or _stories(_chunk_query(query, base, filters)),
        }
        if not by_doc:
            match = [query] if query is not None else []
            body["aggs"] = {
                "chunks": {
                    "nested": {"path": PATH},
                    "aggs": {"all": {"filter": _filter(match + base + filters)}},
                }
            }
        resp = call(self.client.search, body=body)
        return _total(resp) if by_doc else _agg(resp, "all")["doc_count"]

    def _walk(self, pit, query, req, by_doc, ranking, partial, limit) -> Iterator[Row]:
        """The rows of the stories matching ``query``, in order, a page of stories at a time."""
        from .connection import call

        body = self._hits_body({}, by_doc, ranking, EXPORT_STORIES, 0, req.sort,
                               inner_size=min(limit, MAX_INNER_HITS))  # fmt: skip
        inner = body["query"]["nested"]["inner_hits"]
        body.update(query=_with_inner_hits(query, inner), track_total_hits=False)
        del body["from"]
        waiting: list[tuple[float, str, int, int, StoredChunk]] = []  # a heap
        seen = 0
        while True:
            body["pit"] = {"id": pit, "keep_alive": PIT_KEEP_ALIVE}
            resp = call(self.client.search, body=body)
            stories = resp["hits"]["hits"]
            found = _found(resp, first_rank=seen)
            seen += len(stories)
            if not ranking or by_doc:
                for score, _, _, _, stored in found:
                    yield Row(stored, score if ranking else 0.0, partial)
            else:
                # In search's order: score, then document id and paragraph (stories come by
                # best score, then id, so no story still to come ties before these).
                for n, (score, doc_id, _, paragraph, stored) in enumerate(found):
                    heapq.heappush(waiting, (-score, doc_id, paragraph, n, stored))
                # No story still to come has a chunk scoring above this page's last story.
                floor = stories[-1]["_score"] if len(stories) == EXPORT_STORIES else None
                while waiting and (floor is None or -waiting[0][0] >= floor):
                    score, _, _, _, stored = heapq.heappop(waiting)
                    yield Row(stored, -score, partial)
            if len(stories) < EXPORT_STORIES:
                return
            body["search_after"] = stories[-1]["sort"]

    def _close(self, pit: str) -> None:
        from opensearchpy import exceptions as ox

        # One that cannot be closed now expires by itself after PIT_KEEP_ALIVE.
        with contextlib.suppress(ox.TransportError, ox.ConnectionError):
            self.client.delete_pit(body={"pit_id": [pit]})


def _stories(chunk_q: dict[str, Any]) -> dict[str, Any]:
    """The stories having a chunk that matches ``chunk_q``, scored by their best such chunk."""
    return {"nested": {"path": PATH, "query": chunk_q, "score_mode": "max"}}


def _with_inner_hits(query: dict[str, Any], inner: dict[str, Any]) -> dict[str, Any]:
    """``query`` (stories, or stories but not others) returning its first nested clause's
    matching chunks."""
    if "nested" in query:
        return {"nested": {**query["nested"], "inner_hits": inner}}
    must = query["bool"]["must"]
    return {"bool": {**query["bool"], "must": [_with_inner_hits(must[0], inner), *must[1:]]}}


def _found(
    resp: dict[str, Any], first_rank: int = 0
) -> list[tuple[float, str, int, int, StoredChunk]]:
    """(score, document id, story rank, paragraph, chunk) of every inner hit, stories in their
    order."""
    found: list[tuple[float, str, int, int, StoredChunk]] = []
    for rank, hit in enumerate(resp["hits"]["hits"], first_rank):
        doc = hit.get("_source", {}).get("doc", {})
        inner = hit.get("inner_hits", {}).get(PATH, {}).get("hits", {}).get("hits", [])
        for chunk_hit in inner:
            src = chunk_hit.get("_source", {})
            stored = src.get("stored", {})
            fields = {
                "id": src.get("id"),
                "doc_id": src.get("doc_id") or doc.get("id"),
                "text": stored.get("text", ""),
                "chunk": stored.get("chunk", {}),
                "doc": doc,
            }
            # Sorted inner hits carry their score as the first sort value, not as _score.
            score = chunk_hit.get("_score") or (chunk_hit.get("sort") or [0.0])[0] or 0.0
            paragraph = fields["chunk"].get("paragraph", 0)
            found.append((score, fields["doc_id"] or "", rank, paragraph, StoredChunk.of(fields)))
    return found


def _chunk_query(query, base, field_filters) -> dict[str, Any]:
    body: dict[str, Any] = {"filter": [*base, *field_filters]}
    body["must"] = [_with_kind_prior(query) if query is not None else MATCH_ALL]
    return {"bool": body}


def _with_kind_prior(query: dict[str, Any]) -> dict[str, Any]:
    """Captions and headings below the paragraphs that match as well, by the same prior the
    embedded backend multiplies in (``ranking.KIND_PRIOR``); it orders, never filters."""
    functions = [
        {"filter": {"term": {chunk_field("chunk_kind"): kind}}, "weight": weight}
        for kind, weight in KIND_PRIOR.items()
    ]
    return {
        "function_score": {
            "query": query, "functions": functions, "score_mode": "first",
            "boost_mode": "multiply",
        }
    }  # fmt: skip


def _with_coverage(query: dict[str, Any], terms: list[str]) -> dict[str, Any]:
    """The score times ``1 + share of terms in the chunk's text``, as the embedded backend
    multiplies it in: a weight of 1 for every chunk plus ``1 / len(terms)`` per term it has."""
    if not terms:
        return query
    functions: list[dict[str, Any]] = [{"weight": 1.0}]
    functions += [
        {"filter": {"term": {chunk_field("text"): term}}, "weight": 1.0 / len(terms)}
        for term in terms
    ]
    return {
        "function_score": {
            "query": query, "functions": functions, "score_mode": "sum", "boost_mode": "multiply",
        }
    }  # fmt: skip


def _filter(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return {"bool": {"filter": clauses}} if clauses else MATCH_ALL


def _base_filters(req: SearchRequest) -> list[dict[str, Any]]:
    if not (req.date_from or req.date_to):
        return []
    rng: dict[str, str] = {}
    if req.date_from:
        rng["gte"] = req.date_from
    if req.date_to:
        rng["lte"] = req.date_to
    return [{"range": {chunk_field("date"): rng}}]


def _field_filters(req: SearchRequest) -> dict[str, dict[str, Any]]:
    return {
        f: {"terms": {chunk_field(f"facet.{f}.folded"): sorted({fold(v) for v in values})}}
        for f, values in req.filters.items()
        if values
    }


def fold(value: str) -> str:
    """A facet value as the ``.folded`` sub-fields hold it."""
    return value.strip().lower()


def terms_agg(f: str, by_doc: bool, size: int = FACET_LIMIT) -> dict[str, Any]:
    terms: dict[str, Any] = {
        "field": chunk_field(f"facet.{f}"),
        "size": size,
        "shard_size": max(size, FACET_SHARD_SIZE),
        "order": [{"_count": "desc"}, {"_key": "asc"}],
    }
    out: dict[str, Any] = {"terms": terms}
    if by_doc:
        terms["order"] = [{"docs": "desc"}, {"_key": "asc"}]
        out["aggs"] = {"docs": {"reverse_nested": {}}}
    return out


def _doc_is(doc_id: str) -> dict[str, Any]:
    return {"term": {chunk_field("doc_id"): doc_id}}


def _histogram_agg(interval: str, by_doc: bool) -> dict[str, Any]:
    """Counts per bucket start, or per day for ``auto`` (the shared rules then pick the interval
    from the dates found and bucket them), over the chunks or, grouped, their stories."""
    field_name = "date" if by_doc else chunk_field("date")
    days = {
        "date_histogram": {
            "field": field_name,
            "calendar_interval": "day" if interval == "auto" else interval,
            "min_doc_count": 1,
            "format": "yyyy-MM-dd",
        }
    }
    return {"reverse_nested": {}, "aggs": {"days": days}} if by_doc else days


def _histogram(resp: dict[str, Any], req: SearchRequest, by_doc: bool) -> list[dict] | None:
    if not req.histogram:
        return None
    agg = _agg(resp, "all")["histogram"]
    buckets = (agg["days"] if by_doc else agg)["buckets"]
    return histogram.date_histogram(
        ((dt.date.fromisoformat(b["key_as_string"]), b["doc_count"]) for b in buckets),
        req.histogram,
    )


def _agg(resp: dict[str, Any], name: str) -> dict[str, Any]:
    return resp["aggregations"]["chunks"][name]


def _total(resp: dict[str, Any]) -> int:
    total = resp["hits"]["total"]
    return total["value"] if isinstance(total, dict) else int(total)


def _buckets(agg: dict[str, Any], by_doc: bool) -> list[dict[str, Any]]:
    return [
        {"value": b["key"], "count": b["docs"]["doc_count"] if by_doc else b["doc_count"]}
        for b in agg["buckets"]
    ]


def _facets(resp: dict[str, Any], req: SearchRequest, by_doc: bool) -> dict[str, list[dict]]:
    chunks = resp["aggregations"]["chunks"]
    present = resp["aggregations"]["index"]["chunks"]
    out: dict[str, list[dict[str, Any]]] = {}
    for f in ALL_FACETS:
        if f in EXTRA_FACETS and not present[f"has_{f}"]["doc_count"] and f not in req.filters:
            continue
        if f not in req.filters or not req.filters[f]:
            out[f] = _buckets(chunks["all"][f], by_doc)
            continue
        agg = chunks[f"by_{f}"]
        values = _buckets(agg["values"], by_doc)
        listed = {v["value"] for v in values}
        kept: list[dict[str, Any]] = []
        for i, wanted in enumerate(req.filters[f]):
            found = [
                v for v in _buckets(agg[f"keep{i}"]["values"], by_doc) if v["value"] not in listed
            ]
            if not found and not any(fold(v["value"]) == fold(wanted) for v in values):
                found = [{"value": wanted, "count": 0}]
            for v in found:
                if v["value"] not in listed:
                    listed.add(v["value"])
                    kept.append(v)
        zero = [v for v in kept if v["count"] == 0]
        ranked = sorted(values + [v for v in kept if v["count"]], key=lambda v: -v["count"])
        out[f] = ranked + zero
    return out


def _candidate_terms(words: tuple[str, ...]) -> list[str]:
    """The one-term words did-you-mean may correct (the Whoosh backend's rule)."""
    out = []
    for word in words:
        if is_wildcard(word):
            continue
        terms = [t.text for t in iter_terms(word, query=True)]
        if (
            len(terms) == 1
            and edits_allowed(terms[0])
            and terms[0] not in STOPWORDS
            and terms[0].isalpha()
        ):
            out.append(terms[0])
    return out


def _did_you_mean(resp, words: tuple[str, ...], candidates: list[str]) -> str | None:
    if not candidates:
        return None
    index = resp.get("aggregations", {}).get("index", {}).get("chunks", {})
    fixes: dict[str, str] = {}
    for i, term in enumerate(candidates):
        if index.get(f"known{i}", {}).get("doc_count", 1):
            continue
        entries = resp.get("suggest", {}).get(f"dym{i}", [])
        options = entries[0]["options"] if entries else []
        if options:
            fixes[term] = options[0]["text"]
    if not fixes:
        return None
    out = []
    changed = False
    for word in words:
        terms = [] if is_wildcard(word) else [t.text for t in iter_terms(word, query=True)]
        if len(terms) == 1 and terms[0] in fixes:
            out.append(fixes[terms[0]])
            changed = True
        else:
            out.append(word)
    return " ".join(out) if changed else None


def _raise(item: dict[str, Any]) -> None:
    from opensearchpy import exceptions as ox

    from .connection import call

    status = item.get("status", 500)

    def fail() -> None:
        raise ox.TransportError(status, item["error"].get("type", "error"), item)

    call(fail)
