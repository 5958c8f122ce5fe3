""" "More like this": the distinctive words of a passage, as a query any backend can run.

A passage's distinctive words are the ones it uses often and the collection uses rarely: each
term's count in the passage times its inverse document frequency over the chunks. Stopwords
never qualify (the analysis drops them) and neither does a term no other chunk has, which can
find nothing elsewhere. The top terms, ORed, rank other passages by how much of that
vocabulary they share; the backend supplies only the document frequencies.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

from ..text.analysis import iter_terms
from .tree import Or, Word

#: How many terms a passage contributes; enough to find paraphrases, few enough to stay fast.
MAX_TERMS = 12
MIN_LENGTH = 3  # "us", "el": short terms carry little topic


def distinctive_terms(
    text: str, doc_frequency: Callable[[str], int], chunks: int, limit: int = MAX_TERMS
) -> list[str]:
    """The ``limit`` terms of ``text`` with the highest tf × idf, best first (ties: the word
    that comes first in the passage). ``doc_frequency`` is asked about ``candidate_terms``
    only, so a backend may look them all up at once beforehand."""
    counts = candidate_terms(text)
    scored = []
    for order, (term, tf) in enumerate(counts.items()):
        df = doc_frequency(term)
        if df < 2:  # only this chunk has it
            continue
        scored.append((-(tf * math.log((chunks + 1) / df)), order, term))
    scored.sort()
    return [term for _, _, term in scored[:limit]]


def candidate_terms(text: str) -> Counter[str]:
    """The terms of ``text`` that may be distinctive, with their counts, in passage order."""
    return Counter(
        t.text
        for t in iter_terms(text, query=True)
        if len(t.text) >= MIN_LENGTH or not t.text.isascii()
    )


def more_like_this(terms: list[str]) -> Or:
    """The query of a passage's distinctive terms: any of them, scored by all it shares."""
    return Or(tuple(Word(t) for t in terms))
