"""A story as one OpenSearch document: its metadata, its version, and its chunks nested.

The chunk objects carry the pre-analysed text fields (``tokens.py``), the facet values of the
chunk and of its document (so every filter and facet count happens at chunk level, inside the
nested documents) and ``stored``: what the renderer needs to build a hit, and what a rebuild needs
to turn a pushed story back into the ``Document`` and ``Chunk``s it was indexed from.
"""

from __future__ import annotations

import time
from typing import Any

from ..models import EXTRA_FACETS, Chunk, Document
from ..stored import chunk_fields, document_fields
from . import tokens

LIST_KEYS = EXTRA_FACETS  # multi-valued metadata, the author among them


def story_source(doc: Document, chunks: list[Chunk], origin: str) -> dict[str, Any]:
    """The ``_source`` of a story document."""
    meta = document_fields(doc, origin)
    title_stems = tokens.stemmed(doc.title or "")
    source_terms = tokens.surface(doc.source or "")
    doc_facets = {
        "source": _clean(doc.source),
        "kind": _clean(doc.kind),
        "event": _clean(doc.event),
        "year": (doc.date or "")[:4] or None,
        **{k: [v for v in (_clean(x) for x in getattr(doc, k)) if v] for k in LIST_KEYS},
    }
    nested = []
    for chunk in chunks:
        stemmed, surface, vocabulary = tokens.chunk_streams(chunk.text)
        nested.append(
            {
                "id": chunk.id,
                "doc_id": doc.id,
                "paragraph": chunk.paragraph,
                "text": stemmed,
                "exact": surface,
                "title": title_stems,
                "speaker_t": tokens.surface(chunk.speaker or ""),
                "source_t": source_terms,
                "kind": doc.kind or "",
                "role": chunk.role or "",
                "terms": vocabulary,  # what /suggest completes from
                "date": doc.date,
                "chunk_kind": chunk.kind,
                "facet": {
                    "speaker": _clean(chunk.speaker),
                    "role": _clean(chunk.role),
                    **doc_facets,
                },
                "stored": {"text": chunk.text, "chunk": chunk_fields(chunk)},
            }
        )
    return {
        "doc_id": doc.id,
        "version": doc.version,
        "origin": origin,
        "stamp": time.time_ns() // 1000,
        "date": doc.date,
        "n_chunks": len(chunks),
        "doc": meta,
        "chunks": nested,
    }


def from_source(source: dict[str, Any]) -> tuple[Document, list[Chunk]]:
    """The Document (metadata only) and Chunks a stored story was indexed from."""
    meta = source.get("doc", {})
    doc = Document(
        id=source["doc_id"],
        text="",
        title=meta.get("title") or "",
        **{k: meta.get(k) for k in ("source", "date", "kind", "event", "url", "speaker")},
        byline=meta.get("byline"),
        version=meta.get("version"),
        **{k: list(meta.get(k) or []) for k in LIST_KEYS},
    )
    chunks = []
    for nested in source.get("chunks", []):
        stored = nested.get("stored", {})
        c = stored.get("chunk", {})
        chunks.append(
            Chunk(
                doc_id=doc.id,
                paragraph=c.get("paragraph", 0),
                start=c.get("start", 0),
                end=c.get("end", 0),
                text=stored.get("text", ""),
                speaker=c.get("speaker"),
                role=c.get("role"),
                section=c.get("section"),
                kind=c.get("kind", "paragraph"),
            )
        )
    return doc, chunks


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
