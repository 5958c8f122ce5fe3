"""The engine's one front door: what the CLI and the HTTP layer call.

``Engine`` ties the pipeline together (read → chunk → index; query → search → snippets) and owns the
index directory. Callers never touch Whoosh; they hand in ``Document``s or ``SearchRequest``s and
get plain data back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from .models import Document, SearchRequest, SearchResult


@dataclass
class IndexReport:
    documents: int
    chunks: int
    seconds: float
    skipped: list[tuple[str, str]]  # (path, reason) for files that could not be read


@dataclass
class WriteResult:
    id: str
    created: bool  # False when an existing document was replaced
    chunks: int
    version: str | None = None


class Engine:
    """Search engine over one index directory. Safe to share within a process; every write is
    serialised across processes by the index's writer lock."""

    def __init__(self, settings: Settings | None = None):
        raise NotImplementedError

    # --- writes ---------------------------------------------------------------------------
    def index_paths(
        self, paths: Iterable[Path], progress: Callable[[int], None] | None = None
    ) -> IndexReport:
        """Read every file under ``paths`` and (re)index it; same id twice replaces, never dupes."""
        raise NotImplementedError

    def put_document(self, doc: Document) -> WriteResult:
        """Index or replace one document. Raises VersionConflict if ``doc.version`` is older than
        the stored version, IndexBusy if the writer lock is not had in ``settings.lock_timeout``."""
        raise NotImplementedError

    def put_json(self, obj: Any, doc_id: str | None = None) -> WriteResult:
        """Native JSON or IPTC ninjs (detected by ``uri``) → ``put_document``."""
        raise NotImplementedError

    def delete_document(self, doc_id: str) -> None:
        """Remove every chunk of a document. Raises DocumentNotFound."""
        raise NotImplementedError

    # --- reads ----------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        raise NotImplementedError

    def get_document(self, doc_id: str) -> dict[str, Any]:
        """Metadata + ``paragraphs``: [{number, speaker, role, kind, section, text}]."""
        raise NotImplementedError

    def suggest(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        """[{"value": "genome", "type": "term"|"speaker", "count": 12}], by frequency."""
        raise NotImplementedError

    def stats(self) -> dict[str, Any]:
        """{"documents": n, "chunks": n, "generation": n}."""
        raise NotImplementedError

    def is_empty(self) -> bool:
        raise NotImplementedError
