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
with chunks matching only some of the words, marked ``partial``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..models import EXTRA_FACETS, FACETS, SearchRequest
from ..query.parse import ParsedQuery
from ..render.hits import Row
from ..render.snippets import Marks
from ..stored import StoredChunk
from ..text.analysis import STOPWORDS, iter_terms
from .translate import MATCH_ALL, PATH, Translation, Translator, chunk_field

FACET_LIMIT = 100
FACET_SHARD_SIZE = 500
ALL_FACETS = (*FACETS, *EXTRA_FACETS)
# No word is longer; edit distances on a 1,000-letter "word" cost the suggester a second.
MAX_CORRECTED_LENGTH = 40
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

        chunk_q = _chunk_query(strict.query, base, field_filters.values())
        hits_body = self._hits_body(chunk_q, by_doc, ranking, want if not by_doc else req.per_page,
                                    0 if not by_doc else start, req.sort)  # fmt: skip
        counts_body = self._counts_body(strict.query, base, field_filters, req, by_doc, candidates)
        hits_resp, counts_resp = self._msearch([hits_body, counts_body])
        took = hits_resp.get("took", 0) + counts_resp.get("took", 0)
        total = _total(hits_resp) if by_doc else _agg(counts_resp, "all")["doc_count"]
        rows, marks = self._rows(hits_resp, strict, by_doc, ranking, start, want, partial=False)

        loose = parsed.loose
        if loose is not None and ranking and total < want:
            top_up = self._top_up(req, strict, loose, base, field_filters, by_doc, start, want,
                                  len(rows), total)  # fmt: skip
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
        )

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
        self, chunk_q: dict, by_doc: bool, ranking: bool, size: int, offset: int, sort: str
    ) -> dict[str, Any]:
        inner: dict[str, Any] = {
            "size": 1 if by_doc else size,
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
            nested_aggs["all"]["aggs"] = {f: _terms(f, by_doc) for f in unfiltered}
            for f in field_filters:
                others = [q for g, q in field_filters.items() if g != f]
                aggs: dict[str, Any] = {"values": _terms(f, by_doc)}
                for i, value in enumerate(req.filters[f]):
                    aggs[f"keep{i}"] = {
                        "filter": {"term": {chunk_field(f"facet.{f}.folded"): _fold(value)}},
                        "aggs": {"values": _terms(f, by_doc, size=10)},
                    }
                nested_aggs[f"by_{f}"] = {"filter": _filter(match + base + others), "aggs": aggs}
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
                        "max_edits": 2,
                        "prefix_length": 1,
                        "min_word_length": 1,
                        "size": 1,
                        "sort": "score",
                    },
                }
                for i, term in enumerate(candidates)
            }
        return body

    def _top_up(self, req, strict, loose_node, base, field_filters, by_doc, start, want,
                have, strict_total):  # fmt: skip
        """The chunks matching only some of the words, ranked after every complete match."""
        loose = self.translator.translate(loose_node)
        if loose.query is None:
            return None
        only_loose = {"bool": {"must": [loose.query], "must_not": [strict.query]}}
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
        found: list[tuple[float, str, int, int, StoredChunk]] = []
        for rank, hit in enumerate(resp["hits"]["hits"]):
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
                found.append(
                    (score, fields["doc_id"] or "", rank, paragraph, StoredChunk.of(fields))
                )
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


def _chunk_query(query, base, field_filters) -> dict[str, Any]:
    body: dict[str, Any] = {"filter": [*base, *field_filters]}
    body["must"] = [query if query is not None else MATCH_ALL]
    return {"bool": body}


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
        f: {"terms": {chunk_field(f"facet.{f}.folded"): sorted({_fold(v) for v in values})}}
        for f, values in req.filters.items()
        if values
    }


def _fold(value: str) -> str:
    return value.strip().lower()


def _terms(f: str, by_doc: bool, size: int = FACET_LIMIT) -> dict[str, Any]:
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
            if not found and not any(_fold(v["value"]) == _fold(wanted) for v in values):
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
        terms = [t.text for t in iter_terms(word, query=True)]
        if (
            len(terms) == 1
            and len(terms[0]) <= MAX_CORRECTED_LENGTH
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
        terms = [t.text for t in iter_terms(word, query=True)]
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
