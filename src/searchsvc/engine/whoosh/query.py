"""A query tree (:mod:`searchsvc.engine.query.tree`) → the Whoosh query ``scoring.py`` evaluates.

Each bare word searches the stemmed ``text``, the surface-form ``exact`` field (so exact matches
outrank stem-only ones), the title and the speaker name, with BM25F field boosts; each field's own
analyzer turns the typed word into its terms. Phrases are matched by position in ``text`` and as
their words ANDed in the fields without positions (``PhraseWords``). Prefixes and wildcards become
the OR of their most frequent expansions, within one budget for the whole query. The translation
also says what the highlighter should mark (``Marks``): the positive terms, per field flavour.
"""

from __future__ import annotations

from itertools import islice

from whoosh import query as wq
from whoosh.query import Query

from ..pacing import paced
from ..query import tree as t
from ..render.snippets import Marks
from ..text.analysis import stem

SEARCH_FIELDS = ("text", "exact", "title", "speaker_t")
# Tuned on CISI (bench/cisi.py: nDCG@10 0.3198 → 0.338, tantivy BM25 0.333): a title word is
# worth half a body word, and an exact word adds a quarter on top of its stem's score, enough to
# rank exact matches first without letting surface forms outweigh meaning.
FIELD_BOOSTS = {"text": 1.0, "exact": 0.25, "title": 0.5, "speaker_t": 0.5}
# The index field behind each field a query may name.
INDEX_FIELDS = {
    "speaker": "speaker_t", "source": "source_t", "kind": "kind", "role": "role", "title": "title",
}  # fmt: skip


ANALYSIS_CACHE_SIZE = 16384


class PhraseWords(wq.And):
    """A phrase's words ANDed in a field without positions; not highlighted word by word."""


class Translator:
    """Translates trees over one schema; ``reader`` (a Whoosh reader) supplies the expansions of
    prefixes and wildcards."""

    def __init__(self, schema, max_expansion: int = 128):
        self.schema = schema
        self.max_expansion = max_expansion
        # A word's terms per field, as the schema's analyzers make them: a newsroom's queries
        # repeat their words, and analysing one is most of translating a plain-word query.
        self._terms: dict[tuple[str, str], list[str]] = {}

    def translate(self, node: t.Node, reader) -> tuple[Query | None, Marks]:
        """The Whoosh query (None: every chunk) and what a hit's snippet should mark."""
        # One expansion budget for the whole query: 26 prefixes must not mean 26 × the limit.
        budget = [self.max_expansion * len(SEARCH_FIELDS)]
        q = _normalize(self._query(node, reader, budget))
        return q, marks_of(q)

    def _query(self, node: t.Node, reader, budget: list[int]) -> Query:
        if isinstance(node, t.MatchAll):
            return wq.Every()
        if isinstance(node, t.MatchNone):
            return wq.NullQuery
        if isinstance(node, t.And | t.Or):
            kind = wq.And if isinstance(node, t.And) else wq.Or
            return kind([self._query(c, reader, budget) for c in node.children], boost=node.boost)
        if isinstance(node, t.AndMaybe):
            return wq.AndMaybe(
                self._query(node.required, reader, budget),
                self._query(node.optional, reader, budget),
            )
        if isinstance(node, t.AndNot):
            return wq.AndNot(
                self._query(node.positive, reader, budget),
                self._query(node.negative, reader, budget),
            )
        if isinstance(node, t.Not):
            return wq.Not(self._query(node.child, reader, budget))
        fields = (
            [(f, FIELD_BOOSTS[f]) for f in SEARCH_FIELDS]
            if node.field is None
            else [(INDEX_FIELDS[node.field], 1.0)]
        )
        per_field = [self._leaf(node, f, boost, reader, budget) for f, boost in paced(fields)]
        alternatives = [q for q in per_field if q is not None]
        if not alternatives:
            return wq.NullQuery
        if len(alternatives) == 1 and node.boost == 1.0:
            return alternatives[0]
        return wq.Or(alternatives, boost=node.boost)

    def _leaf(self, node: t.Node, fieldname: str, boost: float, reader, budget) -> Query | None:
        if isinstance(node, t.Word):
            texts = self._analyse(fieldname, node.text)
            terms = [wq.Term(fieldname, text, boost=boost) for text in texts]
            if len(terms) > 1:
                return wq.And(terms) if node.match == "all" else wq.Or(terms)
            return terms[0] if terms else None
        if isinstance(node, t.Phrase):
            words = self._analyse(fieldname, " ".join(node.words))
            if len(words) <= 1:
                return wq.Term(fieldname, words[0], boost=boost) if words else None
            if not self.schema[fieldname].format.supports("positions"):
                return PhraseWords([wq.Term(fieldname, w) for w in words], boost=boost)
            return wq.Phrase(fieldname, words, slop=node.slop, boost=boost)
        assert isinstance(node, t.Prefix | t.Wildcard)
        return self._expansions(node, fieldname, boost, reader, budget)

    def _analyse(self, fieldname: str, text: str) -> list[str]:
        key = (fieldname, text)
        terms = self._terms.get(key)
        if terms is None:
            terms = list(self.schema[fieldname].process_text(text, mode="query"))
            if len(self._terms) >= ANALYSIS_CACHE_SIZE:
                self._terms.clear()
            self._terms[key] = terms
        return terms

    def _expansions(
        self, node: t.Prefix | t.Wildcard, fieldname: str, boost: float, reader, budget: list[int]
    ) -> Query | None:
        """The OR of the most frequent index terms the prefix or pattern expands to."""
        limit = min(self.max_expansion, budget[0])
        if not self.schema[fieldname].scorable or limit <= 0:
            return wq.NullQuery
        # Prefix and wildcard text is folded, never stemmed: a partial word has no stem.
        if isinstance(node, t.Prefix):
            text = node.text.lower()
            if not text:
                return wq.NullQuery
            candidates = prefix_terms(reader, fieldname, text, limit * 20)
        else:
            pattern = node.pattern.lower()
            if len(pattern.strip("*?")) < 2:
                return wq.NullQuery
            texts = islice(wq.Wildcard(fieldname, pattern)._btexts(reader), limit * 20)
            candidates = ((_text(x), reader.doc_frequency(fieldname, x)) for x in paced(texts))
        best = sorted(candidates, key=lambda pair: -pair[1])[:limit]
        budget[0] -= len(best)
        if not best:
            return wq.NullQuery
        return wq.Or([wq.Term(fieldname, term, boost=boost) for term, _ in best])


def prefix_terms(reader, fieldname: str, prefix: str, n: int) -> list[tuple[str, int]]:
    """The first ``n`` terms of ``fieldname`` starting with ``prefix``, in term order, with
    their document frequencies: what ``reader.iter_prefix`` yields, read segment by segment.

    The first ``n`` terms of the merged order are among the first ``n`` of each segment, so
    reading that many from each and merging here gives the same terms and counts without
    Whoosh's merge of one term object per segment and term, which made a short prefix
    (``count*``) cost tens of milliseconds before any posting was read."""
    counts: dict = {}
    for leaf, _ in reader.leaf_readers():
        for term, info in paced(islice(leaf.iter_prefix(fieldname, prefix), n)):
            counts[term] = counts.get(term, 0) + info.doc_frequency()
    return [(_text(term), df) for term, df in sorted(counts.items())[:n]]


def _normalize(q: Query) -> Query | None:
    """Whoosh's simplification; None for a query that matches every chunk."""
    q = q.normalize()
    if q is wq.NullQuery:
        return wq.NullQuery
    if isinstance(q, wq.Every):
        return None
    return q


def marks_of(q: Query | None) -> Marks:
    """Positive terms of the query, per field flavour, for the highlighter."""
    stems: set[str] = set()
    exact: set[str] = set()
    phrases: set[tuple[str, ...]] = set()

    def collect(q: Query) -> None:
        if q is wq.NullQuery or isinstance(q, wq.Not | PhraseWords):
            return
        if isinstance(q, wq.AndNot):
            collect(q.a)
        elif isinstance(q, wq.Term):
            text = _text(q.text)
            if q.fieldname in ("text", "title"):
                stems.add(text)
            elif q.fieldname == "exact":
                exact.add(text)
                stems.add(stem(text))
        elif isinstance(q, wq.Phrase):
            if q.fieldname in ("text", "exact", "title"):
                phrases.add(tuple(stem(_text(w)) for w in q.words))
        elif not q.is_leaf():
            for sub in q.children():
                collect(sub)

    if q is not None:
        collect(q)
    return Marks(frozenset(stems), frozenset(exact), frozenset(phrases))


def _text(text) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text
