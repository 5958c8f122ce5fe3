"""Did-you-mean: the most frequent term within two edits of a word the index has never seen.

The answer is Whoosh's (``ReaderCorrector.suggest``: every term sharing the word's first letter
within ``maxdist`` Damerau-Levenshtein edits, the most frequent first). Over several segments
Whoosh finds them by walking the merged term list of that letter in Python and computing the
distance to each term: 200-600 ms for one unknown word on the briefings corpus, the slowest step
of any search that has one. Here each segment's terms of a letter are read once per process
(segments never change) with their lengths and letter counts, and the distance is computed only
for terms that can be within reach: an edit changes the length by at most one and the letter
counts by at most one on each side, so a term further than ``maxdist`` by either measure is
further by edits too. The survivors get Whoosh's own distance and frequency, so the answer is the
same term.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from whoosh.support.levenshtein import distance

_BUCKETS = 27  # a-z, then every other character together (merging buckets keeps a lower bound)


@dataclass
class _Terms:
    """One segment's terms of one field starting with one prefix."""

    words: list[str]
    lengths: np.ndarray  # int32
    letters: np.ndarray  # uint8 [terms, _BUCKETS]: how often each letter occurs


_MAX_COUNTED = 255  # letters are counted in bytes: for terms up to this long


def _letters(words: list[str]) -> np.ndarray:
    """uint8 [len(words), _BUCKETS]: each word's letter counts (zero for words too long)."""
    lengths = np.array([len(w) for w in words], dtype=np.int64)
    chars = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    bucket = chars - 97
    bucket[(bucket < 0) | (bucket >= 26)] = 26
    owner = np.repeat(np.arange(len(words)), lengths)
    counts = np.bincount(owner * _BUCKETS + bucket, minlength=len(words) * _BUCKETS)
    counts = counts.reshape(len(words), _BUCKETS)
    counts[lengths > _MAX_COUNTED] = 0
    return counts.astype(np.uint8)


class Speller:
    """Suggestions for one process, remembering each segment's terms by first letters."""

    def __init__(self) -> None:
        self._terms: dict[tuple[str, str, str], _Terms] = {}
        self._lock = threading.Lock()

    def suggest(self, reader, fieldname: str, text: str, maxdist: int = 2, prefix: int = 1):
        """What ``reader.corrector(fieldname).suggest(text, limit=1, maxdist, prefix)`` answers:
        [the suggestion] or []."""
        if reader.is_atomic() or not text:  # one segment: Whoosh's own walk is an automaton
            return reader.corrector(fieldname).suggest(
                text, limit=1, maxdist=maxdist, prefix=prefix
            )
        spelling = reader.schema[fieldname].spelling_fieldname(fieldname)
        fieldobj = reader.schema[spelling]
        wanted = _letters([text])[0].astype(np.int16)
        # Terms within reach are at most ``maxdist`` longer than the text, so short enough for
        # their letters to have been counted.
        by_letters = len(text) + maxdist <= _MAX_COUNTED
        candidates: set[str] = set()
        for leaf, _ in reader.leaf_readers():
            terms = self._terms_of(leaf, spelling, fieldobj, text[:prefix])
            if not terms.words:
                continue
            near = np.abs(terms.lengths - len(text)) <= maxdist
            if by_letters:
                diff = terms.letters.astype(np.int16) - wanted
                near &= np.maximum(diff.clip(min=0).sum(1), (-diff).clip(min=0).sum(1)) <= maxdist
            candidates.update(terms.words[i] for i in np.flatnonzero(near).tolist())
        best = None
        for word in candidates:
            if distance(word, text, limit=maxdist) <= maxdist:
                frequency = reader.frequency(fieldname, word) or 1
                item = (0 - (maxdist + (1.0 / frequency * 0.5)), word)  # Whoosh's score
                if best is None or item > best:
                    best = item
        return [] if best is None else [best[1]]

    def _terms_of(self, leaf, fieldname: str, fieldobj, start: str) -> _Terms:
        key = (leaf.segment().segment_id(), fieldname, start)
        with self._lock:
            found = self._terms.get(key)
        if found is not None:
            return found
        words = [fieldobj.from_bytes(b) for b in leaf.expand_prefix(fieldname, start)]
        lengths = np.array([len(w) for w in words], dtype=np.int32)
        found = _Terms(words, lengths, _letters(words))
        with self._lock:
            self._terms[key] = found
        return found

    def forget_except(self, live_segments: set[str]) -> None:
        with self._lock:
            for key in [k for k in self._terms if k[0] not in live_segments]:
                del self._terms[key]
