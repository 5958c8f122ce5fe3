"""The nouns of the engine, shared by every stage of the pipeline.

A ``Document`` is what a reader makes of a file or a pushed story: metadata plus *cleaned text*
(boilerplate gone, hard-wrapped lines joined, paragraphs separated by blank lines). Chunk offsets
point into that cleaned text, so ``doc.text[chunk.start:chunk.end] == chunk.text`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .query.parse import ParsedQuery

ROLES = ("official", "questioner", "moderator", "quoted")
FACETS = ("speaker", "role", "source", "kind", "event", "year")
# Multi-valued facets that ninjs and JSON documents may carry; filterable and counted like FACETS.
EXTRA_FACETS = ("person", "organisation", "subject", "place")
SORTS = ("relevance", "date", "-date")


@dataclass
class Document:
    id: str
    text: str
    title: str = ""
    source: str | None = None
    date: str | None = None  # ISO 8601 date, YYYY-MM-DD
    kind: str | None = None  # transcript, article, newsletter, briefing, remarks, …
    event: str | None = None
    url: str | None = None
    speaker: str | None = None  # default speaker of every paragraph (JSON `speaker`, ninjs byline)
    byline: str | None = None
    version: str | None = None  # ninjs versioncreated / JSON version: later wins, older → conflict
    person: list[str] = field(default_factory=list)
    organisation: list[str] = field(default_factory=list)
    subject: list[str] = field(default_factory=list)
    place: list[str] = field(default_factory=list)
    # Paragraph indexes (into text.split-by-blank-lines order) that are photo captions.
    captions: set[int] = field(default_factory=set)
    # Paragraph indexes (same numbering) that hold metadata — the source/date line, a byline —
    # kept in the text but not chunked.
    metadata_paragraphs: set[int] = field(default_factory=set)
    path: str | None = None  # where it was read from, for messages

    def metadata(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "date": self.date,
            "kind": self.kind,
            "event": self.event,
            "url": self.url,
        }


@dataclass
class Chunk:
    """One paragraph (or one sentence-split piece of a long one), the unit of retrieval."""

    doc_id: str
    paragraph: int  # 1-based, document order
    start: int  # offsets into Document.text
    end: int
    text: str
    speaker: str | None = None
    role: str | None = None
    section: str | None = None
    kind: str = "paragraph"  # paragraph | caption | heading

    @property
    def id(self) -> str:
        return f"{self.doc_id}:{self.paragraph}"


@dataclass(frozen=True)
class Citation:
    text: str
    url: str

    def as_dict(self) -> dict[str, str]:
        return {"text": self.text, "url": self.url}


@dataclass
class SearchRequest:
    """A search as the engine understands it; GET and POST /search and the CLI all build one."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet field → OR'd values
    date_from: str | None = None
    date_to: str | None = None
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    group: str | None = None  # None or "document"
    facets: bool = True
    highlight: bool = True
    parsed: ParsedQuery | None = None  # ``q`` as a tree: set once by ``Engine.search``


@dataclass
class Hit:
    id: str
    score: float
    rank: int
    document: dict[str, Any]
    paragraph: int
    speaker: str | None
    role: str | None
    text: str
    snippet: str
    highlights: list[list[int]]
    citation: Citation
    kind: str = "paragraph"
    section: str | None = None
    start: int = 0
    end: int = 0
    partial: bool = False

    def as_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "score": round(self.score, 4),
            "rank": self.rank,
            "document": self.document,
            "paragraph": self.paragraph,
            "speaker": self.speaker,
            "role": self.role,
            "text": self.text,
            "snippet": self.snippet,
            "highlights": self.highlights,
            "citation": self.citation.as_dict(),
            "kind": self.kind,
            "section": self.section,
            "start": self.start,
            "end": self.end,
        }
        if self.partial:
            out["partial"] = True
        return out


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[dict[str, Any]]]
    suggestion: str | None = None
    generation: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": round(self.took_ms, 2),
            "hits": [h.as_dict() for h in self.hits],
            "facets": self.facets,
            "suggestion": self.suggestion,
        }
