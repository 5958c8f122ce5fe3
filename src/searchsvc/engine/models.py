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
# Multi-valued facets of document metadata (ninjs and JSON carry the first four; ``author`` comes
# from bylines of every format); filterable and counted like FACETS.
EXTRA_FACETS = ("person", "organisation", "subject", "place", "author")
SORTS = ("relevance", "date", "-date")
#: Date histogram intervals of ``/search?histogram=``; ``auto`` picks one from the dates found.
HISTOGRAM_INTERVALS = ("year", "month", "week", "day", "auto")


@dataclass(frozen=True)
class Voice:
    """Who speaks from a paragraph on, as a structured record's markup declares it (a Hansard
    ``<talker>``, a TEI ``<u who=…>``): ``label`` as the record displays the speaker ("Mr RUDD",
    "The SPEAKER"), ``name`` the full name it gives ("Kevin Rudd"), ``role`` the one its
    structure states (a ``<question>`` asks)."""

    label: str
    name: str | None = None
    role: str | None = None

    def same_speaker(self, other: Voice) -> bool:
        return (self.label, self.name) == (other.label, other.name)


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
    # Who speaks the whole text when no paragraph says otherwise (a statement, a speech): native
    # JSON ``speaker``, a speech's title. Never the writer: that is ``author``.
    speaker: str | None = None
    byline: str | None = None  # the credit line as written ("By Ana Reporter and Ben Writer, AP")
    # The writers, one person per value (from a byline, ninjs ``by``, HTML author metadata).
    author: list[str] = field(default_factory=list)
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
    # Paragraph indexes (same numbering) where the markup says who starts speaking; None: from
    # here nobody does (narration after a speech). When given, the chunker reads no labels from
    # the text: the record's own turns are more reliable than its text's look-alikes.
    voices: dict[int, Voice | None] = field(default_factory=dict)
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
            "author": list(self.author),
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


@dataclass
class Turn:
    """One speaker's uninterrupted stretch of a transcript, from a label to the next.

    The chunker builds one per label it accepts (and one for an unlabelled opening statement) and
    decides display names and roles per turn: ``label`` is the label as written ("Mr Hague",
    "MS. PSAKI", "CC"), ``chunks`` the indexes of the turn's chunks in the document's chunk list.
    ``text`` accumulates only what role decisions read: the first paragraph and the last one.
    """

    label: str | None
    speaker: str | None = None
    role: str | None = None
    chunks: list[int] = field(default_factory=list)
    first_text: str = ""
    last_text: str = ""
    chars: int = 0
    asks: int = 0  # paragraphs that ask something (a question mark)
    number: str | None = None  # a question number printed before the label ("3.")
    stated: str | None = None  # the role the record's markup gives this turn (a <question>)
    opens_section: bool = False  # the first turn after a heading (a question's topic)

    def add(self, index: int, text: str) -> None:
        if not self.chunks:
            self.first_text = text
        self.chunks.append(index)
        self.last_text = text
        self.chars += len(text)
        if "?" in text:
            self.asks += 1


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
    synonyms: bool = True  # expand the query with the newsroom's synonyms
    histogram: str | None = None  # one of HISTOGRAM_INTERVALS, or None for no histogram
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
    # What synonyms added to the query: [{"term": "ncp", "synonyms": ["covid-19", …]}].
    expansions: list[dict[str, Any]] = field(default_factory=list)
    histogram: list[dict[str, Any]] | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": round(self.took_ms, 2),
            "hits": [h.as_dict() for h in self.hits],
            "facets": self.facets,
            "suggestion": self.suggestion,
        }
        if self.histogram is not None:
            out["histogram"] = self.histogram
        if self.expansions:  # only when synonyms added something, like ``histogram``
            out["expansions"] = self.expansions
        return out


@dataclass
class Related:
    """Passages of other documents like one paragraph, and the terms that found them."""

    document: str
    paragraph: int
    terms: list[str]
    total: int
    hits: list[Hit]

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "paragraph": self.paragraph,
            "terms": self.terms,
            "total": self.total,
            "hits": [h.as_dict() for h in self.hits],
        }
