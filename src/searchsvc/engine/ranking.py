"""Ranking rules every backend applies on top of BM25, with the reason for each.

Measured on CISI (``python -m bench cisi``) and on the judged newsroom set (``bench/judged/``);
each rule has a reason beyond the numbers, because searchsvc is also ranked on collections we do
not see.

* **Probabilistic idf**, ``ln(1 + (N - df + 0.5) / (df + 0.5))`` (Robertson–Spärck Jones, as Lucene
  and OpenSearch use). Whoosh's ``ln(N / (df + 1)) + 1`` gives every word a floor of 1, so in a long
  question the common words ("study", "information", "said") add up to outweigh the one rare word
  the question is about; here a word in most chunks contributes almost nothing.
* **A floor on relative length** (``MIN_RELATIVE_LENGTH`` of the field's average). BM25's length
  normalisation discounts verbose paragraphs; without a floor it also hands a photo caption or a
  one-line "Thank you." a bonus for being short, so captions outranked every paragraph in which
  someone talks about the query.
* **A prior by chunk kind** (``KIND_PRIOR``): captions and headings describe or announce; the
  paragraph that says something is what a reporter wants first. A multiplier, not a filter, so a
  caption that matches much better than any paragraph still comes first.
"""

from __future__ import annotations

from collections import Counter
from math import exp, log

from .text.analysis import iter_terms, stem

MIN_RELATIVE_LENGTH = 0.5
KIND_PRIOR = {"caption": 0.35, "heading": 0.5}


def bm25_idf(n_docs: int, df: int) -> float:
    return log(1 + (n_docs - df + 0.5) / (df + 0.5))


# --- pseudo-relevance feedback -------------------------------------------------------------------
# A long question in plain words names its topic with a few words among many; the best chunks it
# finds first use the topic's other words too. RM3 (Lavrenko & Croft's relevance model, mixed back
# into the query) adds those words as score-only terms: they reorder what the question matches,
# never widen it, so totals and facets stay the question's own.
FEEDBACK_MIN_WORDS = 5  # content words (stopwords aside) before a query counts as a question
# The relevance model is estimated from the best chunk of each of the first pass's best
# FEEDBACK_CHUNKS documents, not from its best chunks: in a transcript the best ten chunks are
# often neighbouring paragraphs of one speaker's remarks, and the words they share are that
# speaker's subject (jobs, for any question answered during a jobs briefing), not the question's.
FEEDBACK_CHUNKS = 10
# Expansion terms kept: as many as the question has content words (at most FEEDBACK_MAX_TERMS).
# Their weights add up to a fixed share of the question's own (λ below), so a fixed count spreads
# a five-word question's share over twenty mostly incidental words, and squeezes a forty-word
# question's relevance model into twenty: a model the size of the question keeps each expansion
# term worth about a quarter of a question word, whatever the question's length.
FEEDBACK_MAX_TERMS = 64
FEEDBACK_ORIGINAL_WEIGHT = 0.8  # λ: the question's own words keep most of the weight


def wants_feedback(words: list[str]) -> bool:
    """A query of plain words long enough to be a natural-language question."""
    return len(_content_stems(words)) >= FEEDBACK_MIN_WORDS


def feedback_terms(hits: list[tuple[str, float]], words: list[str]) -> list[tuple[str, float]]:
    """Expansion terms and their weights from the first pass's best chunks ``(text, score)``.

    Each chunk votes for its terms in proportion to their share of its length and to the
    chunk's own weight ``exp(score - best)``; the question's words are left out (they are already
    asked for). Weights are scaled to the question's own words, whose weight is 1 each, so a
    backend adds ``weight × score(term)`` to the chunks the question matched.
    """
    if not hits:
        return []
    asked = _content_stems(words)
    best = max(score for _, score in hits)
    model: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for text, score in hits[:FEEDBACK_CHUNKS]:
        terms = [t.text for t in iter_terms(text) if not t.part and t.text.isalpha()]
        terms = [t for t in terms if len(t) > 2]
        if not terms:
            continue
        weight = exp(score - best) / len(terms)
        for term in terms:
            key = stem(term)
            surface.setdefault(key, term)
            model[key] += weight
    total = sum(model.values())
    n_terms = min(len(asked), FEEDBACK_MAX_TERMS)
    chosen = [(k, v) for k, v in model.most_common(n_terms + len(asked)) if k not in asked]
    chosen = chosen[:n_terms]
    mass = sum(v for _, v in chosen)
    if not total or not mass:
        return []
    scale = (1 - FEEDBACK_ORIGINAL_WEIGHT) / FEEDBACK_ORIGINAL_WEIGHT * len(asked)
    return [(surface[k], scale * v / mass) for k, v in chosen]


def _content_stems(words: list[str]) -> set[str]:
    return {stem(t.text) for w in words for t in iter_terms(w, query=True) if not t.part}
