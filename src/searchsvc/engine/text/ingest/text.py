"""Ingest reader for plain text (``.txt``): scraped pages such as the five seeds.

The body goes through the shared paragraph builder (whitespace, boilerplate, hard wraps), then the
plain-text metadata heuristics (:mod:`.metadata`) find title, source, date (also from a date in
the file name), kind, event, author, captions and the metadata lines. The title line stays in the text (it becomes a ``heading`` chunk); the metadata
lines stay in the text too but are listed in ``Document.metadata_paragraphs`` so they are not chunked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ...models import Document
from .metadata import analyse
from .paragraphs import join_paragraphs, split_paragraphs


def read_source(path: Path) -> str:
    """File contents as text: UTF-8 (a BOM is dropped), undecodable bytes replaced."""
    return path.read_bytes().decode("utf-8-sig", errors="replace")


def parse_text(raw: str, doc_id: str, path: str | None = None) -> Document:
    """Plain text → ``Document`` with heuristic metadata."""
    return from_paragraphs(split_paragraphs(raw), doc_id, path)


def from_paragraphs(paras: list, doc_id: str, path: str | None = None) -> Document:
    """A document whose metadata must be guessed from its paragraphs (text, bare Markdown)."""
    meta = analyse(paras, address=Path(path).name if path else None)
    return Document(
        id=doc_id,
        text=join_paragraphs([p.text for p in paras]),
        title=meta.title,
        source=meta.source,
        date=meta.date,
        kind=meta.kind,
        event=meta.event,
        byline=meta.byline,
        author=meta.author,
        captions=meta.captions,
        metadata_paragraphs=meta.meta,
        path=path,
    )


def read_text(path: Path, doc_id: str) -> Iterator[Document]:
    yield parse_text(read_source(path), doc_id, str(path))
