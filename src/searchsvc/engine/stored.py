"""What every chunk stores beside its index terms, written and read only here.

A backend keeps these fields with each chunk and hands them back untouched: the renderer builds
hits, snippets and the document view from them, and a rebuild from files carries pushed stories
over by turning them back into the ``Document`` and ``Chunk`` they were indexed from. ``doc`` is
the same dict on every chunk of a document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import Chunk, Document

HIT_DOCUMENT_KEYS = ("id", "title", "source", "date", "kind", "event", "url")
LIST_KEYS = ("person", "organisation", "subject", "place", "author")


def document_fields(doc: Document, origin: str = "file") -> dict[str, Any]:
    """What every chunk of ``doc`` stores about its document. ``origin`` says whether it came from
    files (``file``) or was pushed (``push``): a rebuild from files carries pushed documents over."""
    meta = doc.metadata()
    meta.update(
        origin=origin,
        speaker=doc.speaker,
        version=doc.version,
        byline=doc.byline,
        **{k: list(getattr(doc, k)) for k in LIST_KEYS},
    )
    return meta


def chunk_fields(chunk: Chunk) -> dict[str, Any]:
    """Where a chunk sits and who says it."""
    return {
        "paragraph": chunk.paragraph,
        "start": chunk.start,
        "end": chunk.end,
        "speaker": chunk.speaker,
        "role": chunk.role,
        "kind": chunk.kind,
        "section": chunk.section,
    }


def stored_fields(doc: Document, chunk: Chunk, origin: str = "file") -> dict[str, Any]:
    """The stored fields of one chunk."""
    return {
        "id": chunk.id,
        "doc_id": doc.id,
        "text": chunk.text,
        "chunk": chunk_fields(chunk),
        "doc": document_fields(doc, origin),
    }


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as a backend returns it."""

    id: str
    doc_id: str
    text: str
    chunk: dict[str, Any]
    doc: dict[str, Any]

    @classmethod
    def of(cls, fields: dict[str, Any]) -> StoredChunk:
        return cls(
            id=fields["id"],
            doc_id=fields.get("doc_id") or fields.get("doc", {}).get("id", ""),
            text=fields.get("text", ""),
            chunk=fields.get("chunk", {}),
            doc=fields.get("doc", {}),
        )

    @property
    def paragraph(self) -> int:
        return self.chunk.get("paragraph", 0)

    @property
    def pushed(self) -> bool:
        return self.doc.get("origin") == "push"

    def document(self) -> dict[str, Any]:
        """The document metadata a hit carries (``author`` only when the index kept authors:
        one written before has none to show)."""
        out = {k: self.doc.get(k) for k in HIT_DOCUMENT_KEYS}
        if "author" in self.doc:
            out["author"] = self.doc["author"]
        return out

    def rebuild(self) -> tuple[Document, Chunk]:
        """The Document (metadata only) and Chunk this was indexed from."""
        meta, c = self.doc, self.chunk
        doc = Document(
            id=self.doc_id,
            text="",
            title=meta.get("title") or "",
            **{k: meta.get(k) for k in ("source", "date", "kind", "event", "url", "speaker")},
            byline=meta.get("byline"),
            version=meta.get("version"),
            **{k: list(meta.get(k) or []) for k in LIST_KEYS},
        )
        chunk = Chunk(
            doc_id=doc.id,
            paragraph=self.paragraph,
            start=c.get("start", 0),
            end=c.get("end", 0),
            text=self.text,
            speaker=c.get("speaker"),
            role=c.get("role"),
            section=c.get("section"),
            kind=c.get("kind", "paragraph"),
        )
        return doc, chunk
