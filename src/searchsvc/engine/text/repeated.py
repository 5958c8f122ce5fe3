"""Boilerplate by repetition: lines a site prints on every page, found across a batch of documents.

A scraped site repeats its furniture on every page — a masthead, "Follow us on …", "Related News",
a copyright line, the name of a press office — while a story's own words are its own. So when a
batch of documents is indexed together, a short paragraph is furniture when the same line
(whitespace and case folded) stands near the top or the bottom of at least ``MIN_DOCUMENTS``
documents of the same site, and of at least half of that site's documents in the batch. Speaker
labels and paragraphs that open a speaker turn are never furniture ("Q", "MS. PSAKI: Thank you",
a paragraph an XML record's speech opens with),
nor are a document's title line or its captions. Such a paragraph becomes a metadata paragraph of
its document: it stays in the text (offsets do not move) but is not chunked.

The site is the document's source, else the host of its URL, else the folder it was read from.
Everything here is pure and deterministic: the same batch in the same order gives the same answer,
and nothing is remembered between batches (a site seen in fewer than ``MIN_DOCUMENTS`` documents of
one batch keeps its lines).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from urllib.parse import urlparse

from ..models import Document
from .chunking import paragraph_spans
from .speakers import find_label

MIN_DOCUMENTS = 3
MAX_CHARS = 120
EDGE = 8  # paragraphs from the top or the bottom of a document where furniture sits
BATCH = 400  # documents looked at together when indexing a stream


def site_of(doc: Document) -> str | None:
    if doc.source:
        return doc.source.casefold()
    if doc.url:
        host = urlparse(doc.url).hostname
        if host:
            return host.removeprefix("www.")
    if doc.path:
        return str(Path(doc.path).parent)
    return None


def _key(line: str) -> str:
    return " ".join(line.split()).casefold()


def _edge_lines(doc: Document) -> dict[int, tuple[str, str]]:
    """Paragraph index → (folded text, text), for the short paragraphs at a document's edges."""
    spans = paragraph_spans(doc.text)
    n = len(spans)
    title = _key(doc.title) if doc.title else None
    out: dict[int, tuple[str, str]] = {}
    for i, (s, e) in enumerate(spans):
        if EDGE <= i < n - EDGE or e - s > MAX_CHARS or i in doc.captions:
            continue
        if i in doc.metadata_paragraphs or i in doc.voices:
            continue  # a paragraph a record's markup opens a turn with is that turn's start
        line = doc.text[s:e]
        key = _key(line)
        if key != title:
            out[i] = (key, line)
    return out


def repeated_lines(
    docs: Sequence[Document], edges: Sequence[dict[int, tuple[str, str]]] | None = None
) -> dict[str, frozenset[str]]:
    """Site → the folded lines that are furniture there, over one batch (``edges``: each
    document's ``_edge_lines``, when the caller has them already)."""
    edges = edges if edges is not None else [_edge_lines(d) for d in docs]
    seen: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    sample: dict[str, str] = {}
    per_site: dict[str, int] = defaultdict(int)
    for n, (doc, lines) in enumerate(zip(docs, edges, strict=True)):
        site = site_of(doc)
        if site is None:
            continue
        per_site[site] += 1
        for key, line in lines.values():
            seen[site][key].add(n)
            sample.setdefault(key, line)
    out: dict[str, frozenset[str]] = {}
    for site, lines in seen.items():
        need = max(MIN_DOCUMENTS, (per_site[site] + 1) // 2)
        # labels are checked only for the few lines that repeat: a turn is never furniture
        found = frozenset(
            k for k, where in lines.items() if len(where) >= need and find_label(sample[k]) is None
        )
        if found:
            out[site] = found
    return out


def drop_repeated(
    doc: Document,
    furniture: dict[str, frozenset[str]],
    edges: dict[int, tuple[str, str]] | None = None,
) -> int:
    """Mark ``doc``'s furniture paragraphs as metadata (not chunked); how many were marked."""
    site = site_of(doc)
    lines = furniture.get(site) if site is not None else None
    if not lines:
        return 0
    edges = edges if edges is not None else _edge_lines(doc)
    marked = [i for i, (key, _line) in edges.items() if key in lines]
    doc.metadata_paragraphs = set(doc.metadata_paragraphs) | set(marked)
    return len(marked)


def without_repeated(docs: Iterable[Document], batch: int = BATCH) -> Iterator[Document]:
    """``docs`` in order, each batch of ``batch`` documents cleaned of its sites' furniture."""
    pending: list[Document] = []
    for doc in docs:
        pending.append(doc)
        if len(pending) >= batch:
            yield from _clean_batch(pending)
            pending = []
    yield from _clean_batch(pending)


def _clean_batch(docs: list[Document]) -> list[Document]:
    edges = [_edge_lines(d) for d in docs]
    furniture = repeated_lines(docs, edges)
    if furniture:
        for doc, lines in zip(docs, edges, strict=True):
            drop_repeated(doc, furniture, lines)
    return docs
