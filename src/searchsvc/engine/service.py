"""The engine's one front door: what the CLI and the HTTP layer call.

``Engine`` holds what every backend shares — reading files and pushed stories into ``Document``s,
chunking them, parsing each query once into a tree — and hands the storage work to its backend
(:mod:`searchsvc.engine.backend`; ``SEARCHSVC_BACKEND``). Callers never touch the storage; they
hand in ``Document``s, JSON objects or ``SearchRequest``s and get plain data back. Errors are
``SearchsvcError``s with stable codes.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import InvalidDocument, SearchsvcError
from .allocator import keep_large_arrays_on_heap
from .backend import Backend, open_backend
from .ids import check_doc_id
from .models import Chunk, Document, SearchRequest, SearchResult
from .query.parse import ParsedQuery, parse
from .request import validate

log = logging.getLogger("searchsvc.engine")


@dataclass
class IndexReport:
    documents: int
    chunks: int
    seconds: float
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


@dataclass
class WriteResult:
    id: str
    created: bool  # False when an existing document was replaced
    chunks: int
    version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "result": "created" if self.created else "updated",
            "chunks": self.chunks,
            "version": self.version,
        }


class Engine:
    """Search engine over one backend (by default the index directory of ``settings``). Safe to
    share within a process; the backend serialises writes across processes."""

    def __init__(self, settings: Settings | None = None, backend: Backend | None = None):
        keep_large_arrays_on_heap()
        self.settings = settings or Settings.from_env()
        self.backend = backend or open_backend(self.settings)

    # --- writes ---------------------------------------------------------------------------
    def index_paths(
        self,
        paths: Iterable[Path],
        progress: Callable[[int], None] | None = None,
        procs: int = 1,
        into_new: bool = False,
    ) -> IndexReport:
        """Read every file under ``paths`` and (re)index it; same id twice replaces, never dupes.

        ``into_new`` builds a fresh index beside the live one and swaps it in when complete
        (``searchsvc reindex``): searches keep being answered from the old one meanwhile.
        """
        t0 = time.perf_counter()
        skipped: list[tuple[str, str]] = []
        docs = _chunked(_read_all(paths, skipped, progress))
        write = self.backend.rebuild if into_new else self.backend.add_documents
        n_docs, n_chunks = write(docs, procs=procs)
        self.warm()  # decodes the new segments' facet columns once, for every worker to load
        return IndexReport(n_docs, n_chunks, time.perf_counter() - t0, skipped)

    def put_document(self, doc: Document) -> WriteResult:
        """Index or replace one document. Raises VersionConflict if ``doc.version`` is older than
        the stored version, IndexBusy if the writer lock is not had in ``settings.lock_timeout``."""
        from .text.chunking import chunk_document

        chunks = chunk_document(doc)
        created = self.backend.put(doc, chunks)
        return WriteResult(doc.id, created, len(chunks), doc.version)

    def put_json(self, obj: Any, doc_id: str | None = None) -> WriteResult:
        """Native JSON or IPTC ninjs (detected by ``uri``) → ``put_document``; its dates must be
        ISO 8601 (``check_pushed_dates``).

        A body naming another document than ``doc_id`` (the URL's) is a client bug — a CMS
        sending story A's body to story B's URL — and is refused rather than indexed under
        either id."""
        from .text.ingest.jsonfmt import check_pushed_dates, document_from_json

        check_pushed_dates(obj)
        if doc_id is not None and isinstance(obj, dict) and obj.get("id") is not None:
            body_id = check_doc_id(obj["id"])
            if body_id != doc_id:
                raise InvalidDocument(
                    f"the body's id {body_id[:60]!r} differs from the URL's {doc_id[:60]!r}."
                )
        return self.put_document(document_from_json(obj, doc_id))

    def delete_document(self, doc_id: str) -> None:
        """Remove every chunk of a document. Raises DocumentNotFound."""
        self.backend.delete(doc_id)

    # --- reads ----------------------------------------------------------------------------
    def parse(self, q: str) -> ParsedQuery:
        """``q`` as a query tree, within the configured limits (``QueryTooLong``,
        ``too_many_terms``)."""
        return parse(q, self.settings.max_query_length, self.settings.max_query_terms)

    def search(self, request: SearchRequest) -> SearchResult:
        """``request`` checked by :func:`.request.validate` (every caller's one validation),
        parsed, then answered; ``InvalidParameter`` names the rule a request breaks."""
        request = validate(request, self.settings)
        if request.parsed is None:
            request = dataclasses.replace(request, parsed=self.parse(request.q))
        return self.backend.search(request)

    def get_document(self, doc_id: str) -> dict[str, Any]:
        """Metadata + ``speakers`` + ``paragraphs``: [{number, speaker, role, kind, section, text}]."""
        return self.backend.document(doc_id)

    def suggest(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        """[{"value": "genome", "type": "term"|"speaker", "count": 12}], by frequency."""
        return self.backend.suggest(prefix, limit)

    def stats(self) -> dict[str, Any]:
        """{"documents": n, "chunks": n, "generation": n, "index": live index name}."""
        return self.backend.stats()

    def generation(self) -> int:
        """A number that changes whenever a write commits or a reindex swaps in (for ETags)."""
        return self.backend.generation()

    def warm(self) -> None:
        """Open the live index now rather than on the first search."""
        try:
            self.backend.warm()
        except Exception:  # a broken index will say so on the first request, with its error
            log.exception("warming the index failed")

    def is_empty(self) -> bool:
        """Cheap enough to ask before the server starts, on any size of index."""
        return self.backend.is_empty()

    # --- maintenance ------------------------------------------------------------------------
    def backup(self, dest: Path) -> Path:
        """A consistent copy of the live index; a backup killed half-way never looks complete."""
        return self.backend.backup(Path(dest))

    def restore(self, src: Path) -> None:
        """Make a backup live; a damaged one is refused and the live index is left alone."""
        self.backend.restore(Path(src))


def _read_all(
    paths: Iterable[Path], skipped: list[tuple[str, str]], progress: Callable[[int], None] | None
) -> Iterator[Document]:
    from .text.ingest import read_file

    for path in paths:
        for file in _files(Path(path), skipped):
            try:
                docs = read_file(file)
            except (SearchsvcError, OSError, ValueError, UnicodeDecodeError) as exc:
                skipped.append((str(file), str(exc)))
                log.warning("skipped %s: %s", file, exc)
                continue
            yield from docs
            if progress is not None:
                progress(1)


def _files(path: Path, skipped: list[tuple[str, str]]) -> Iterator[Path]:
    """The readable files under ``path`` (ingest's walk); a missing path or an unsupported file
    named explicitly is reported as skipped instead of stopping the run."""
    from .text.ingest import iter_files

    try:
        yield from iter_files(path)
    except SearchsvcError as exc:
        skipped.append((str(path), exc.message))


def _chunked(docs: Iterable[Document]) -> Iterator[tuple[Document, list[Chunk]]]:
    from .text.chunking import chunk_document

    for doc in docs:
        yield doc, chunk_document(doc)


def count_files(paths: Iterable[Path]) -> int:
    """How many readable files ``index_paths`` will visit (for a progress bar's total)."""
    skipped: list[tuple[str, str]] = []
    return sum(1 for p in paths for _ in _files(Path(p), skipped))
