"""How far did-you-mean may reach from a word the index has never seen, shared by both backends.

Two edits from a short word reach most of the vocabulary: "ok" is two edits from "one", "b" from any
three-letter term starting with b, so the most frequent of them is offered as what the person
meant though nothing ties it to what they typed. Lucene's spell checker and Elasticsearch's
``AUTO`` fuzziness scale the edits with the word's length for that reason; so does this: no
correction for one or two letters, one edit up to five letters, two beyond.
"""

from __future__ import annotations

#: Longest word offered a correction: edit distances on a 1,000-letter "word" cost a second.
MAX_CORRECTED_LENGTH = 40


def edits_allowed(term: str) -> int:
    """Edits a correction of ``term`` may make; 0 when the term is not corrected at all."""
    if len(term) <= 2 or len(term) > MAX_CORRECTED_LENGTH:
        return 0
    return 1 if len(term) <= 5 else 2
