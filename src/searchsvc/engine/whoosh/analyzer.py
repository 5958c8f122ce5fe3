"""The Whoosh face of the analysis rules in :mod:`searchsvc.engine.text.analysis`.

Whoosh pickles analyzers into the index schema by module path, so ``NewsAnalyzer`` is a module-level
class; indexes written before it lived here name ``searchsvc.engine.analysis``, which re-exports it.
A few-entry cache avoids tokenizing the same chunk twice while it is indexed into both fields.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import Analyzer, Token

from ..text.analysis import Term, index_terms, iter_terms, stem

# A few-entry memo: Whoosh indexes a chunk's fields in name order, so the same chunk text is
# analyzed for ``exact`` and again for ``text`` with the speaker and source fields in between.
_recent: dict[tuple[str, bool], tuple[Term, ...]] = {}


def _terms(value: str, query: bool) -> tuple[Term, ...]:
    key = (value, query)
    terms = _recent.get(key)
    if terms is None:
        terms = tuple(iter_terms(value, query=query))
        if len(_recent) >= 8:
            _recent.clear()
        _recent[key] = terms
    return terms


class NewsAnalyzer(Analyzer):
    """Whoosh analyzer over ``iter_terms``; ``stemming`` selects the ``text`` or ``exact`` flavour."""

    def __init__(self, stemming: bool = True):
        self.stemming = stemming

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NewsAnalyzer) and other.stemming == self.stemming

    def __hash__(self) -> int:
        return hash(("NewsAnalyzer", self.stemming))

    def index_terms(self, value: str) -> list[tuple[str, int]]:
        """(term, position) of every term a document's ``value`` indexes: what ``__call__`` yields
        in index mode, without a ``Token`` per term (the index formats in postings.py use it)."""
        terms = index_terms(value)
        if self.stemming:
            return [(stem(term), pos) for term, pos in terms]
        return terms

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            # Prefix and wildcard text arrives untokenized: fold it, never stem a partial word.
            t.original = t.text = value.lower()
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        query = mode == "query"
        terms = _terms(value, query) if removestops else iter_terms(value, keep_stops=True)
        for term in terms:
            t.text = stem(term.text) if self.stemming else term.text
            if keeporiginal:
                t.original = term.text
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + term.pos
            if chars:
                t.startchar = start_char + term.start
                t.endchar = start_char + term.end
            yield t
