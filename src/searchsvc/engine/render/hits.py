"""Stored chunks + scores + match marks → the ``Hit``s of a page and the document view.

Every backend returns the same stored fields (:mod:`searchsvc.engine.stored`), so a hit, its
snippet and its citation look the same whichever backend found it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..models import Hit
from ..pacing import paced
from ..stored import StoredChunk
from .citation import cite
from .snippets import Marks, find_spans, snippet


@dataclass(frozen=True)
class Row:
    """One chunk of a result page, as a backend found it."""

    stored: StoredChunk
    score: float
    partial: bool = False


def hits(rows: Iterable[Row], marks: Marks, first_rank: int, highlight: bool) -> list[Hit]:
    return [hit(row, marks, first_rank + i, highlight) for i, row in paced(enumerate(rows))]


def hit(row: Row, marks: Marks, rank: int, highlight: bool) -> Hit:
    stored, c = row.stored, row.stored.chunk
    spans = find_spans(stored.text, marks) if highlight else []
    document = stored.document()
    return Hit(
        id=stored.id,
        score=float(row.score),
        rank=rank,
        document=document,
        paragraph=stored.paragraph,
        speaker=c.get("speaker"),
        role=c.get("role"),
        text=stored.text,
        snippet=snippet(stored.text, spans),
        highlights=spans,
        citation=cite(document, stored.paragraph, c.get("speaker"), c.get("role")),
        kind=c.get("kind", "paragraph"),
        section=c.get("section"),
        start=c.get("start", 0),
        end=c.get("end", 0),
        partial=row.partial,
    )


def document_view(chunks: Iterable[StoredChunk]) -> dict[str, Any] | None:
    """Metadata + ``speakers`` (in order of first turn) + ``paragraphs``; None without chunks."""
    ordered = sorted(chunks, key=lambda s: s.paragraph)
    if not ordered:
        return None
    meta = dict(ordered[0].doc)
    speakers: list[str] = []
    paragraphs = []
    for s in ordered:
        c = s.chunk
        if c.get("speaker") and c["speaker"] not in speakers:
            speakers.append(c["speaker"])
        paragraphs.append(
            {
                "number": c.get("paragraph"),
                "speaker": c.get("speaker"),
                "role": c.get("role"),
                "kind": c.get("kind", "paragraph"),
                "section": c.get("section"),
                "text": s.text,
                "start": c.get("start"),
                "end": c.get("end"),
            }
        )
    meta["speakers"] = speakers
    meta["paragraphs"] = paragraphs
    return meta
