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
* **Coverage** for short queries of plain words (``coverage_terms``): a score times
  ``1 + share of the query's words in the chunk's own text``. A word also matches a chunk through
  its document's title or its speaker's name, which every chunk of that document or speaker
  shares, so "all words matched" often means one said in the paragraph and the other in the
  headline; the paragraph that says them all is the answer. Long questions get relevance
  feedback instead (below): in forty words, which ones a chunk lacks says little.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
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


def coverage_terms(words: list[str]) -> list[str]:
    """The ``text`` terms whose share in a chunk multiplies its score (``1 + share``): the
    words' stems for a query shorter than a question, none for a question."""
    if wants_feedback(words):
        return []
    return _question_stems(words)


def wants_feedback(words: list[str]) -> bool:
    """A query of plain words long enough to be a natural-language question."""
    return len(_question_stems(words)) >= FEEDBACK_MIN_WORDS


def feedback_terms(
    hits: list[tuple[str, float]],
    words: list[str],
    doc_frequencies: Callable[[list[str]], tuple[dict[str, int], int]],
) -> list[tuple[str, float]]:
    """Score-only terms and their weights from the first pass's best chunks ``(text, score)``.

    Each chunk votes for its terms in proportion to their share of its length and to the
    chunk's own weight ``exp(score - best)``: the relevance model, ``p(w|R)``.
    ``doc_frequencies(stems)`` gives each stem's chunk count in the index (``text`` field) and
    the number of chunks: terms are chosen and weighted by ``p(w|R) × idf``, not by ``p(w|R)``
    alone, because the words the best chunks use most are mostly the words every chunk uses
    ("used", "made", "information" in a library's abstracts, "said" in transcripts), and in a
    model dominated by its best chunk they tie and are picked by where they stand in the text.

    The question's own words are in the model too, as RM3 has them: a long question's words
    are not equally its subject, and the ones its best answers use get the model's weight on top
    of their own, the ones they do not use keep just their own; each term is added as the best
    chunks write it (the typed form already has its exact-match weight). The new words are the
    best ``min(question's words, FEEDBACK_MAX_TERMS)`` others. Weights are scaled to the
    question's own words, whose weight is 1 each, so a backend adds ``weight × score(term)`` to
    the chunks the question matched.
    """
    if not hits:
        return []
    asked = _question_stems(words)
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
    if not model:
        return []
    frequencies, chunks = doc_frequencies(sorted(model))
    evidence = {k: v * bm25_idf(max(chunks, 1), frequencies.get(k, 0)) for k, v in model.items()}
    n_terms = min(len(asked), FEEDBACK_MAX_TERMS)
    new = sorted((k for k in evidence if k not in asked), key=lambda k: (-evidence[k], k))
    chosen = new[:n_terms] + [k for k in asked if k in evidence]
    mass = sum(evidence[k] for k in chosen)
    if not mass:
        return []
    scale = (1 - FEEDBACK_ORIGINAL_WEIGHT) / FEEDBACK_ORIGINAL_WEIGHT * len(asked)
    return [(surface[k], scale * evidence[k] / mass) for k in chosen if evidence[k] > 0]


def _question_stems(words: list[str]) -> list[str]:
    """The stems of the question's content words, in order, once each."""
    out: dict[str, None] = {}
    for w in words:
        for t in iter_terms(w, query=True):
            if not t.part:
                out.setdefault(stem(t.text))
    return list(out)
