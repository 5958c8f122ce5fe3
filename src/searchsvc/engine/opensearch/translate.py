"""A query tree (:mod:`searchsvc.engine.query.tree`) → OpenSearch query DSL over the nested chunks.

The same translation as the Whoosh backend's, node for node: a bare word searches the stemmed
``text``, the surface ``exact`` field, the title and the speaker name with the same field boosts,
each field's terms made by :mod:`tokens` (the analysis of :mod:`searchsvc.engine.text.analysis`),
so the DSL only ever holds ``term``, ``match_phrase`` on pre-analysed tokens, ``prefix``,
``wildcard`` and ``bool`` — never the user's text for OpenSearch to parse. Prefixes and wildcards
rewrite to their top terms within one expansion budget for the whole query.

The translation also says what a hit's snippet should mark (``Marks``), as the Whoosh backend does;
prefix and wildcard expansions are only known to OpenSearch, so their marks are found in the
returned chunk texts (``marks_for_text``).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from ..query import tree as t
from ..render.snippets import Marks
from ..text.analysis import iter_terms, stem
from .tokens import query_terms

SEARCH_FIELDS = ("text", "exact", "title", "speaker_t")
# The Whoosh backend's boosts (``whoosh/query.py``; a test keeps them equal).
FIELD_BOOSTS = {"text": 1.0, "exact": 0.25, "title": 0.5, "speaker_t": 0.5}
INDEX_FIELDS = {
    "speaker": "speaker_t", "source": "source_t", "kind": "kind", "role": "role", "title": "title",
}  # fmt: skip
STEMMED = frozenset({"text", "title"})
WHOLE_VALUE = frozenset({"kind", "role"})  # keyword fields: the whole value, case-folded
PATH = "chunks"
MATCH_NONE: dict[str, Any] = {"match_none": {}}
MATCH_ALL: dict[str, Any] = {"match_all": {}}


@dataclass
class Translation:
    query: dict[str, Any] | None  # None: every chunk
    marks: Marks
    patterns: list[re.Pattern[str]] = field(default_factory=list)  # prefix/wildcard marks

    def marks_for_text(self, text: str) -> Marks:
        """The marks for one hit: the query's, plus the words of ``text`` its prefixes and
        wildcards expanded to."""
        if not self.patterns:
            return self.marks
        extra = {
            term.text
            for term in iter_terms(text)
            if any(p.fullmatch(term.text) for p in self.patterns)
        }
        if not extra:
            return self.marks
        return Marks(
            self.marks.stems | {stem(x) for x in extra},
            self.marks.exact | extra,
            self.marks.phrases,
        )


def chunk_field(name: str) -> str:
    return f"{PATH}.{name}"


class Translator:
    def __init__(self, max_expansion: int = 128):
        self.max_expansion = max_expansion

    def translate(self, node: t.Node) -> Translation:
        leaves = _expanding_fields(node)
        budget = self.max_expansion * len(SEARCH_FIELDS)
        self._per_leaf = max(1, min(self.max_expansion, budget // leaves)) if leaves else 0
        self._stems: set[str] = set()
        self._exact: set[str] = set()
        self._phrases: set[tuple[str, ...]] = set()
        self._patterns: list[re.Pattern[str]] = []
        query = None if isinstance(node, t.MatchAll) else self._query(node, positive=True)
        return Translation(
            query,
            Marks(frozenset(self._stems), frozenset(self._exact), frozenset(self._phrases)),
            self._patterns,
        )

    # --- nodes ----------------------------------------------------------------------------
    def _query(self, node: t.Node, positive: bool) -> dict[str, Any]:
        if isinstance(node, t.MatchAll):
            return MATCH_ALL
        if isinstance(node, t.MatchNone):
            return MATCH_NONE
        if isinstance(node, t.And):
            return _bool(must=[self._query(c, positive) for c in node.children], boost=node.boost)
        if isinstance(node, t.Or):
            return _bool(
                should=[self._query(c, positive) for c in node.children],
                minimum_should_match=1,
                boost=node.boost,
            )
        if isinstance(node, t.AndMaybe):
            return _bool(
                must=[self._query(node.required, positive)],
                should=[self._query(node.optional, positive)],
            )
        if isinstance(node, t.AndNot):
            return _bool(
                must=[self._query(node.positive, positive)],
                must_not=[self._query(node.negative, False)],
            )
        if isinstance(node, t.Not):
            return _bool(filter=[MATCH_ALL], must_not=[self._query(node.child, False)])
        fields = (
            [(f, FIELD_BOOSTS[f]) for f in SEARCH_FIELDS]
            if node.field is None
            else [(INDEX_FIELDS[node.field], 1.0)]
        )
        alternatives = [
            q for f, boost in fields if (q := self._leaf(node, f, boost, positive)) is not None
        ]
        if not alternatives:
            return MATCH_NONE
        if len(alternatives) == 1 and node.boost == 1.0:
            return alternatives[0]
        return _bool(should=alternatives, minimum_should_match=1, boost=node.boost)

    def _leaf(self, node: t.Node, name: str, boost: float, positive: bool) -> dict | None:
        target = chunk_field(name)
        if isinstance(node, t.Word):
            terms = self._analyse(name, node.text)
            if positive:
                self._mark_terms(name, terms)
            clauses = [_term(target, x, boost) for x in terms]
            if len(clauses) > 1:
                return (
                    _bool(must=clauses)
                    if node.match == "all"
                    else _bool(should=clauses, minimum_should_match=1)
                )
            return clauses[0] if clauses else None
        if isinstance(node, t.Phrase):
            words = self._analyse(name, " ".join(node.words))
            if len(words) <= 1:
                if positive:
                    self._mark_terms(name, words)
                return _term(target, words[0], boost) if words else None
            if name != "text":  # no positions: the words ANDed, not marked one by one
                return _bool(must=[_term(target, w, 1.0) for w in words], boost=boost)
            if positive:
                self._phrases.add(tuple(stem(w) for w in words))
            return {
                "match_phrase": {
                    target: {
                        "query": " ".join(words),
                        "slop": max(0, node.slop - 1),
                        "boost": boost,
                    }
                }
            }
        assert isinstance(node, t.Prefix | t.Wildcard)
        return self._expansion(node, name, target, boost, positive)

    def _expansion(
        self, node: t.Prefix | t.Wildcard, name: str, target: str, boost: float, positive: bool
    ) -> dict:
        if name in WHOLE_VALUE or self._per_leaf <= 0:
            return MATCH_NONE
        rewrite = f"top_terms_{self._per_leaf}"
        if isinstance(node, t.Prefix):
            text = node.text.lower()
            if not text:
                return MATCH_NONE
            if positive and name in ("text", "exact", "title"):
                self._patterns.append(re.compile(re.escape(text) + ".*", re.S))
            return {"prefix": {target: {"value": text, "rewrite": rewrite, "boost": boost}}}
        pattern = node.pattern.lower()
        if len(pattern.strip("*?")) < 2:
            return MATCH_NONE
        if positive and name in ("text", "exact", "title"):
            self._patterns.append(re.compile(fnmatch.translate(pattern), re.S))
        return {"wildcard": {target: {"value": pattern, "rewrite": rewrite, "boost": boost}}}

    def _analyse(self, name: str, text: str) -> list[str]:
        if name in WHOLE_VALUE:
            value = text.strip().lower()
            return [value] if value else []
        return query_terms(text, stemming=name in STEMMED)

    def _mark_terms(self, name: str, terms: list[str]) -> None:
        if name in STEMMED:
            self._stems.update(terms)
        elif name == "exact":
            self._exact.update(terms)
            self._stems.update(stem(x) for x in terms)


def _term(target: str, value: str, boost: float) -> dict[str, Any]:
    return {"term": {target: {"value": value, "boost": boost}}}


def _bool(boost: float = 1.0, **clauses: Any) -> dict[str, Any]:
    body = {k: v for k, v in clauses.items() if v not in (None, [])}
    if boost != 1.0:
        body["boost"] = boost
    return {"bool": body}


def _expanding_fields(node: t.Node) -> int:
    """How many (prefix or wildcard, field) pairs the query has: they share the budget."""
    if isinstance(node, t.Prefix | t.Wildcard):
        return len(SEARCH_FIELDS) if node.field is None else 1
    if isinstance(node, t.And | t.Or):
        return sum(_expanding_fields(c) for c in node.children)
    if isinstance(node, t.AndMaybe):
        return _expanding_fields(node.required) + _expanding_fields(node.optional)
    if isinstance(node, t.AndNot):
        return _expanding_fields(node.positive) + _expanding_fields(node.negative)
    if isinstance(node, t.Not):
        return _expanding_fields(node.child)
    return 0
