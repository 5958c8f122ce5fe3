"""searchsvc's analysis, run in Python, as token streams OpenSearch indexes without re-analysing.

OpenSearch's analyzers cannot express every rule of :mod:`searchsvc.engine.text.analysis` (capitals
keep a stopword, ``76,000`` = ``76000``, compounds whole *and* by parts, CJK unigrams plus bigrams,
the Snowball stem of a folded word), so each text field is sent as the terms ``iter_terms`` and
``stem`` produce: one whitespace-separated token per position. Terms that share a position (a
compound and its parts, a CJK character and its bigram) are joined by ``|`` in one token, which the
index analyzer's ``pattern_capture`` filter splits back into terms at that same position; phrase
queries therefore line up exactly as they do in the Whoosh index. ``iter_terms`` never yields a
term containing whitespace or ``|`` (its tokens are letters, digits and ``-&'’.``).

An import analyses millions of words but only tens of thousands of distinct ones, and the terms a
word yields depend on that word alone (``surface_tokens``), so each distinct word's pieces of the
streams are computed once per process and a text's streams are its words' pieces joined.
"""

from __future__ import annotations

from functools import lru_cache

from ..text.analysis import Term, iter_terms, stem, surface_tokens

SAME_POSITION = "|"
DISTINCT_WORDS = 100_000  # words whose pieces are kept per process: ~30 MB at most


def streams(text: str) -> tuple[str, str]:
    """(stemmed, surface) token streams of a document field's text."""
    stemmed, surface, _ = chunk_streams(text)
    return stemmed, surface


def chunk_streams(text: str) -> tuple[str, str, list[str]]:
    """(stemmed, surface, vocabulary) of a chunk's text."""
    pieces = [p for p in map(_pieces, surface_tokens(text)) if p is not None]
    return (
        " ".join(p[0] for p in pieces),
        " ".join(p[1] for p in pieces),
        sorted({term for p in pieces for term in p[2]}),
    )


def stemmed(text: str) -> str:
    return " ".join(p[0] for p in map(_pieces, surface_tokens(text)) if p is not None)


def surface(text: str) -> str:
    return " ".join(p[1] for p in map(_pieces, surface_tokens(text)) if p is not None)


@lru_cache(maxsize=DISTINCT_WORDS)
def _pieces(word: str) -> tuple[str, str, tuple[str, ...]] | None:
    """One word's part of the stemmed and surface streams, and its terms (None: a stopword)."""
    terms = list(iter_terms(word))
    if not terms:
        return None
    return _join(terms, True), _join(terms, False), tuple({t.text: None for t in terms})


def query_terms(text: str, *, stemming: bool) -> list[str]:
    """The index terms one typed word or phrase searches for, in order."""
    return [stem(t.text) if stemming else t.text for t in iter_terms(text, query=True)]


def _join(terms: list[Term], stemming: bool) -> str:
    out: list[str] = []
    last_pos = None
    seen: list[str] = []
    for term in terms:
        text = stem(term.text) if stemming else term.text
        if term.pos == last_pos:
            if text not in seen:
                seen.append(text)
                out[-1] += SAME_POSITION + text
            continue
        last_pos = term.pos
        seen = [text]
        out.append(text)
    return " ".join(out)
