"""The engine's one front door: what the CLI and the HTTP layer call.

``Engine`` ties the pipeline together (read → chunk → index; query → search → snippets) and owns the
index directory. Callers never touch Whoosh; they hand in ``Document``s, JSON objects or
``SearchRequest``s and get plain data back. Errors are ``SearchsvcError``s with stable codes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import InvalidParameter, SearchsvcError
from .allocator import keep_large_arrays_on_heap
from .models import Chunk, Document, SearchRequest, SearchResult
from .whoosh.reader import Reader
from .whoosh.store import IndexStore

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
    """Search engine over one index directory. Safe to share within a process; every write is
    serialised across processes by the index's writer lock."""

    def __init__(self, settings: Settings | None = None):
        keep_large_arrays_on_heap()
        self.settings = settings or Settings.from_env()
        self.store = IndexStore(
            self.settings.index_dir,
            lock_timeout=self.settings.lock_timeout,
            durable=self.settings.fsync,
        )
        self.reader = Reader(
            self.store,
            {
                "max_length": self.settings.max_query_length,
                "max_terms": self.settings.max_query_terms,
                "max_expansion": self.settings.max_wildcard_expansion,
            },
            time_budget=self.settings.search_time_budget,
        )

    # --- writes ---------------------------------------------------------------------------
    def index_paths(
        self,
        paths: Iterable[Path],
        progress: Callable[[int], None] | None = None,
        procs: int = 1,
        into_new: bool = False,
    ) -> IndexReport:
        """Read every file under ``paths`` and (re)index it; same id twice replaces, never dupes.

        ``into_new`` builds a fresh generation beside the live one and swaps it in when complete
        (``searchsvc reindex``): searches keep being answered from the old one meanwhile.
        """
        t0 = time.perf_counter()
        skipped: list[tuple[str, str]] = []
        docs = _chunked(_read_all(paths, skipped, progress))
        if into_new:
            # Live writes go on during the build; like any rebuild from files, the new
            # generation holds exactly what the files hold (pushed stories must be pushed again).
            with self.store.building():
                new_dir = self.store.new_generation_dir()
                try:
                    n_docs, n_chunks = self.store.add_documents(
                        docs, procs=procs, index=self.store.open_generation(new_dir)
                    )
                except BaseException:
                    shutil.rmtree(new_dir, ignore_errors=True)
                    raise
                self.store.swap_in(new_dir, carry_pushed=True)
        else:
            n_docs, n_chunks = self.store.add_documents(docs, procs=procs)
        self.warm()  # decodes the new segments' facet columns once, for every worker to load
        return IndexReport(n_docs, n_chunks, time.perf_counter() - t0, skipped)

    def put_document(self, doc: Document) -> WriteResult:
        """Index or replace one document. Raises VersionConflict if ``doc.version`` is older than
        the stored version, IndexBusy if the writer lock is not had in ``settings.lock_timeout``."""
        from .text.chunking import chunk_document

        chunks = chunk_document(doc)
        created = self.store.put(doc, chunks)
        return WriteResult(doc.id, created, len(chunks), doc.version)

    def put_json(self, obj: Any, doc_id: str | None = None) -> WriteResult:
        """Native JSON or IPTC ninjs (detected by ``uri``) → ``put_document``."""
        from .text.ingest import document_from_json

        doc = document_from_json(obj, doc_id)
        if doc_id is not None and doc.id != doc_id:
            raise InvalidParameter(f"body id {doc.id!r} does not match the URL id {doc_id!r}")
        return self.put_document(doc)

    def delete_document(self, doc_id: str) -> None:
        """Remove every chunk of a document. Raises DocumentNotFound."""
        self.store.delete(doc_id)

    # --- reads ----------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        return self.reader.search(request)

    def get_document(self, doc_id: str) -> dict[str, Any]:
        """Metadata + ``speakers`` + ``paragraphs``: [{number, speaker, role, kind, section, text}]."""
        return self.reader.document(doc_id)

    def suggest(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        """[{"value": "genome", "type": "term"|"speaker", "count": 12}], by frequency."""
        return self.reader.suggest(prefix, limit)

    def stats(self) -> dict[str, Any]:
        """{"documents": n, "chunks": n, "generation": n, "index": live directory name}."""
        return self.reader.stats()

    def generation(self) -> int:
        """A number that changes whenever a write commits or a reindex swaps in (for ETags)."""
        view = self.reader.view()
        return zlib.crc32(view.live.encode()) * 1_000_000 + view.generation

    def warm(self) -> None:
        """Open the live generation and build its columns now rather than on the first search."""
        try:
            self.reader.view()
        except Exception:  # a broken index will say so on the first request, with its error
            log.exception("warming the index failed")

    def is_empty(self) -> bool:
        """Cheap: asks Whoosh for the live chunk count without loading any columns (``serve``
        calls it before gunicorn starts, on indexes of a million chunks too)."""
        return self.store.open().doc_count() == 0

    # --- maintenance ------------------------------------------------------------------------
    def backup(self, dest: Path) -> Path:
        """A consistent copy of the live generation, taken under the writer lock.

        Copied into a temporary directory beside ``dest`` with a manifest (names, sizes, SHA-256)
        written last, then renamed into place: a backup killed half-way never looks complete."""
        dest = Path(dest)
        if dest.exists() and any(dest.iterdir()):
            raise InvalidParameter(f"backup destination {dest} is not empty")
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(f".{dest.name}.partial-{uuid.uuid4().hex[:8]}")
        try:
            with self.store.locked():
                shutil.copytree(self.store.live_dir(), partial, ignore=_not_index_files)
            _write_manifest(partial)
            if dest.exists():
                dest.rmdir()
            os.rename(partial, dest)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        return dest

    def restore(self, src: Path) -> None:
        """Make a backup live: checked against its manifest, copied in as a new generation,
        opened and read whole, and only then swapped in — a damaged backup is refused and the
        live index is left alone."""
        from whoosh import index as whoosh_index

        src = Path(src)
        if not whoosh_index.exists_in(str(src)):
            raise InvalidParameter(f"{src} holds no index")
        _check_manifest(src)
        with self.store.building():
            new_dir = (
                self.store.root
                / f"gen-restore-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
            )
            shutil.copytree(src, new_dir)
            try:
                _verify_index(new_dir)
            except Exception as exc:
                shutil.rmtree(new_dir, ignore_errors=True)
                raise InvalidParameter(f"backup at {src} is incomplete or damaged: {exc}") from exc
            self.store.swap_in(new_dir)


MANIFEST = "MANIFEST.json"


def _not_index_files(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n.endswith("WRITELOCK")]


def _write_manifest(directory: Path) -> None:
    files = {
        p.name: {"size": p.stat().st_size, "sha256": _sha256(p)}
        for p in sorted(directory.iterdir())
        if p.is_file() and p.name != MANIFEST
    }
    (directory / MANIFEST).write_text(json.dumps({"files": files}, indent=1), encoding="utf-8")


def _check_manifest(directory: Path) -> None:
    path = directory / MANIFEST
    if not path.exists():
        return  # a copy made by hand: _verify_index still reads it whole
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError) as exc:
        raise InvalidParameter(f"backup at {directory} has an unreadable manifest") from exc
    for name, want in files.items():
        p = directory / name
        if not p.is_file() or p.stat().st_size != want["size"] or _sha256(p) != want["sha256"]:
            raise InvalidParameter(f"backup at {directory} is damaged: {name} differs")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify_index(directory: Path) -> None:
    """Open an index and read all of it: every stored chunk, every posting block, every column
    the searches use. Slow on a big index, but a restore must never swap in a broken one."""
    from whoosh import index as whoosh_index

    from .whoosh.columns import ColumnCache
    from .whoosh.postings import open_segment
    from .whoosh.scoring import _postings

    ix = whoosh_index.open_dir(str(directory))
    with ix.searcher() as s:
        n = sum(1 for _ in s.all_stored_fields())
        if n != s.doc_count():
            raise ValueError(f"{n} stored chunks, {s.doc_count()} expected")
        for leaf, _offset in s.reader().leaf_readers():
            if leaf.segment() is None:
                continue
            for fieldname, text in leaf.all_terms():
                _postings(leaf, fieldname, text)
            flat = open_segment(leaf)  # raises on a flat posting file cut short
            if flat is not None:
                flat.close()
        ColumnCache().for_reader(s.reader())


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
