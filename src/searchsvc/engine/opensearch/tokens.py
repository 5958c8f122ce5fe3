"""searchsvc's analysis, run in Python, as token streams OpenSearch indexes without re-analysing.

OpenSearch's analyzers cannot express every rule of :mod:`searchsvc.engine.text.analysis` (capitals
keep a stopword, ``76,000`` = ``76000``, compounds whole *and* by parts, CJK unigrams plus bigrams,
the Snowball stem of a folded word), so each text field is sent as the terms ``iter_terms`` and
``stem`` produce: one whitespace-separated token per position. Terms that share a position (a
compound and its parts, a CJK character and its bigram) are joined by ``|`` in one token, which the
index analyzer's ``pattern_capture`` filter splits back into terms at that same position; phrase
queries therefore line up exactly as they do in the Whoosh index. ``iter_terms`` never yields a
term containing whitespace or ``|`` (its tokens are letters, digits and ``-&'’.``).
"""

from __future__ import annotations

from ..text.analysis import Term, iter_terms, stem

SAME_POSITION = "|"


def streams(text: str) -> tuple[str, str]:
    """(stemmed, surface) token streams of a document field's text."""
    terms = list(iter_terms(text))
    return _join(terms, True), _join(terms, False)


def chunk_streams(text: str) -> tuple[str, str, list[str]]:
    """(stemmed, surface, vocabulary) of a chunk's text, tokenized once."""
    terms = list(iter_terms(text))
    return _join(terms, True), _join(terms, False), sorted({t.text for t in terms})


def stemmed(text: str) -> str:
    return _join(list(iter_terms(text)), True)


def surface(text: str) -> str:
    return _join(list(iter_terms(text)), False)


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
