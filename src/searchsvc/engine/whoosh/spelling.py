"""The closest index term to a word the index has never seen: the "did you mean" of a search.

On an index of several segments Whoosh's corrector computes an edit distance in pure Python for
every term sharing the word's first letter (thousands on a large index: 0.3 s for one word)
without ever letting the serving loop run, so one misspelt word stalled a gevent worker for that
long. Here those same candidates are walked at a safe point each (``engine.pacing``) and compared
with rapidfuzz's optimal-string-alignment distance (what Whoosh's ``damerau_levenshtein``
computes, in C): the same answer, about 3 × cheaper, and the loop keeps running. A single
segment's reader already skips through its term list with a Levenshtein automaton (plain
Levenshtein: no transpositions), so it keeps Whoosh's corrector and its answers.
"""

from __future__ import annotations

from typing import Any

from rapidfuzz.distance import OSA

from ..pacing import paced

MAX_EDITS = 2  # farther than two edits, a suggestion is rarely what was meant
SHARED_PREFIX = 1  # misspellings rarely change the first letter, and it bounds the candidates


def closest_term(reader: Any, field: str, word: str) -> str | None:
    """The most frequent term of ``field`` within ``MAX_EDITS`` edits of ``word`` (sharing its
    first ``SHARED_PREFIX`` letters; of equally frequent ones the greatest): exactly what
    ``reader.corrector(field).suggest(word, limit=1, maxdist=2, prefix=1)`` returns first. None
    when there is none."""
    if reader.is_atomic():
        found = reader.corrector(field).suggest(
            word, limit=1, maxdist=MAX_EDITS, prefix=SHARED_PREFIX
        )
        return found[0] if found else None
    fieldobj = reader.schema[field]
    spelled = fieldobj.spelling_fieldname(field)
    best: tuple[float, str] | None = None
    for btext in paced(reader.expand_prefix(spelled, word[:SHARED_PREFIX])):
        term = fieldobj.from_bytes(btext)
        if OSA.distance(term, word, score_cutoff=MAX_EDITS) > MAX_EDITS:
            continue
        # Whoosh's score, to the last bit: the distance bound (not the distance) and the frequency.
        score = 0 - (MAX_EDITS + (1.0 / (reader.frequency(field, term) or 1) * 0.5))
        if best is None or (score, term) > best:
            best = (score, term)
    return None if best is None else best[1]
