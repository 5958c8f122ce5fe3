"""One name per person across documents: short forms resolved by event, then by batch.

The chunker already names each person once per document ("Mr Hague" → "William Hague" when the
same record has "The Secretary of State … (Mr William Hague)"). Across documents a briefing may
only say "DR. JHA:" while the one before named "Ashish Jha"; the speaker facet would then split
one person in two. :func:`resolve_speakers` applies the same rule as within a document
(:func:`~searchsvc.engine.text.speakers.merge_short_forms`: a short form becomes the one full name
with that surname) first among the documents of one *event* (``Document.event``, else the
document alone), then over the whole batch together with the full names of earlier batches, so
that indexing in windows still sees names from before. A surname two people share ("Joe Biden",
"Jill Biden") stays as written; heads of state keep their office ("President Biden").

Pure: it reads and rewrites the chunks' ``speaker`` and returns the full names it knows, for the
next batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from ..models import Chunk, Document
from .speakers import full_names, merge_short_forms


def resolve_speakers(
    batch: Sequence[tuple[Document, list[Chunk]]], known: Iterable[str] = ()
) -> set[str]:
    """Rewrite short speaker names in ``batch`` to full ones; returns ``known`` plus the batch's
    full names."""
    by_event: dict[str, list[list[Chunk]]] = defaultdict(list)
    for doc, chunks in batch:
        by_event[doc.event or f"\0{doc.id}"].append(chunks)
    for groups in by_event.values():
        if len(groups) > 1:
            _apply(groups, merge_short_forms(_speakers(groups)))
    everyone = [chunks for _doc, chunks in batch]
    names = _speakers(everyone)
    pool = set(known)
    _apply(everyone, merge_short_forms([*names, *pool]))
    return pool | full_names(_speakers(everyone))


def _speakers(groups: Iterable[list[Chunk]]) -> set[str]:
    return {c.speaker for chunks in groups for c in chunks if c.speaker}


def _apply(groups: Iterable[list[Chunk]], mapping: dict[str, str]) -> None:
    if not mapping:
        return
    for chunks in groups:
        for c in chunks:
            if c.speaker in mapping:
                c.speaker = mapping[c.speaker]
