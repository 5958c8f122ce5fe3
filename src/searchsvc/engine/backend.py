"""The storage seam: everything that differs between an embedded index and a cluster.

``Engine`` (``service.py``) owns what every backend shares — reading files and pushed stories into
``Document``s, chunking, validating a ``SearchRequest`` once, parsing the query into the tree of
:mod:`searchsvc.engine.query.tree` — and hands a backend only chunks to store and validated,
parsed searches to answer. A backend never sees the user's raw query text as something to parse.
Snippets and citations are built outside the backend by :mod:`searchsvc.engine.render`, from the
stored text and the match spans the backend returns, so a hit looks the same on every backend.

Backends: ``whoosh`` (embedded, the default; :mod:`searchsvc.engine.whoosh`) and ``opensearch``
(a cluster). ``SEARCHSVC_BACKEND`` chooses; one that is not configured fails at start with one line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..config import Settings
from ..errors import ConfigError
from .bulk import Op, Outcome
from .models import Chunk, Document, Hit, Related, SearchRequest, SearchResult


@runtime_checkable
class Backend(Protocol):
    """One kind of storage. Every method raises ``SearchsvcError``s with stable codes
    (``IndexBusy``, ``VersionConflict``, ``DocumentNotFound``, …), never a storage exception."""

    name: str

    # --- writes -------------------------------------------------------------------------------
    def add_documents(
        self, docs: Iterable[tuple[Document, list[Chunk]]], *, procs: int = 1
    ) -> tuple[int, int]:
        """Add or replace many chunked documents; returns (documents, chunks) written."""
        ...

    def put(self, doc: Document, chunks: list[Chunk]) -> bool:
        """Replace one document's chunks in one step (True when it was new); an older
        ``doc.version`` than the stored one raises ``VersionConflict`` and changes nothing."""
        ...

    def delete(self, doc_id: str) -> None:
        """Remove every chunk of a document; ``DocumentNotFound`` when there is none."""
        ...

    def write_batch(self, ops: list[Op], deadline: float | None = None) -> list[Outcome]:
        """``put`` and ``delete`` for many stories in request order, stored and made visible
        together (one commit or bulk request, one refresh): each op's outcome, a refused
        version or a missing story failing that op alone. When it raises (``IndexBusy``: the lock
        or the cluster could not be had) no op is acknowledged; resending them all is safe.
        Housekeeping a write would do on the way (Whoosh merges small segments at a commit) is
        put off when it would not end well before ``deadline`` (``time.perf_counter``)."""
        ...

    def rebuild(
        self, docs: Iterable[tuple[Document, list[Chunk]]], *, procs: int = 1
    ) -> tuple[int, int]:
        """Build a fresh index beside the live one and swap it in atomically (``reindex``);
        stories pushed through the API whose ids the files lack are carried over."""
        ...

    def backup(self, dest: Path) -> Path:
        """A consistent copy of the live index at (or described by) ``dest``."""
        ...

    def restore(self, src: Path) -> None:
        """Make a backup live, refusing a damaged one and leaving the live index alone."""
        ...

    # --- reads --------------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        """Answer a validated request; ``request.parsed`` holds the query tree to translate."""
        ...

    def export(self, request: SearchRequest, limit: int) -> tuple[int, Iterator[Hit]]:
        """(total, the first ``limit`` hits in the request's order, page and per_page ignored);
        the hits are rendered lazily so an export streams. ``request.histogram``, like facets,
        is answered by ``search``: ``[{"key", "count", "from", "to"}]`` oldest first
        (:mod:`searchsvc.engine.histogram` defines the buckets)."""
        ...

    def speakers(
        self, q: str, role: str | None, page: int, per_page: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """(speakers whose name contains ``q``, with a chunk in ``role`` if given; the page's
        records ``{name, chunks, documents, roles, first_date, last_date, events, url}``), most
        chunks first."""
        ...

    def speaker(self, name: str) -> dict[str, Any]:
        """One speaker's record (names compared without case); ``SpeakerNotFound`` if none."""
        ...

    def related(self, doc_id: str, paragraph: int, limit: int) -> Related:
        """Chunks of other documents scored against the paragraph's distinctive terms (the
        tree of :func:`searchsvc.engine.query.similar.more_like_this`); ``DocumentNotFound``."""
        ...

    def document_frequencies(self, stems: list[str]) -> tuple[dict[str, int], int]:
        """({stem: chunks whose ``text`` has it}, all chunks): the idf of relevance feedback's
        candidate terms (``ranking.feedback_terms``), asked in one go."""
        ...

    def document(self, doc_id: str) -> dict[str, Any]:
        """Metadata + ``speakers`` + ``paragraphs``; ``DocumentNotFound`` when absent."""
        ...

    def suggest(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]: ...

    def stats(self) -> dict[str, Any]:
        """At least ``documents``, ``chunks``, ``generation``, ``index``."""
        ...

    def generation(self) -> int:
        """Changes whenever a write commits or a reindex swaps in (ETags, caches)."""
        ...

    def is_empty(self) -> bool: ...

    def warm(self) -> None:
        """Open what the first search would open, now."""
        ...


BACKENDS = ("whoosh", "opensearch")


def open_backend(settings: Settings) -> Backend:
    """The backend ``settings.backend`` names; ``ConfigError`` (one line) for one that is not
    available or not known."""
    if settings.backend == "whoosh":
        from .whoosh.backend import WhooshBackend

        return WhooshBackend(settings)
    if settings.backend == "opensearch":
        try:
            from .opensearch.backend import OpenSearchBackend
        except ImportError as exc:  # the client is an optional extra
            raise ConfigError(
                "SEARCHSVC_BACKEND=opensearch needs the OpenSearch client: "
                "pip install 'searchsvc[opensearch]'"
            ) from exc
        return OpenSearchBackend(settings)
    raise ConfigError(
        f"SEARCHSVC_BACKEND={settings.backend!r} is not a backend; choose one of "
        + ", ".join(BACKENDS)
    )
