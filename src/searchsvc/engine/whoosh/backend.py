"""``WhooshBackend``: the embedded index, one directory on this machine (the default backend).

Writes go through ``IndexStore`` (one writer at a time across processes, generations swapped in
atomically); reads through ``Reader`` (one snapshot per generation, numpy scoring and facets).
Hits are rendered from the reader's rows by :mod:`searchsvc.engine.render`, and finished results
are kept per generation, so a repeated search costs a dictionary lookup.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ...config import Settings
from ..bulk import Op, Outcome
from ..models import Chunk, Document, Hit, Related, SearchRequest, SearchResult
from ..render.hits import document_view, hit, hits
from . import backup as backups
from .reader import Reader, cache_key
from .store import IndexStore

log = logging.getLogger("searchsvc.engine")

# Answers a worker remembers, whole (hits with their stored fields, snippets, citations, every
# facet's values): ≈ 100 kB of Python objects each on the full wh-briefings index, so 512 of
# them held ≈ 50 MB per worker, a quarter of its memory, and pymalloc keeps the pages they
# fragmented. The repeats worth answering from memory are a short hot set and the next page.
RESULT_CACHE_SIZE = 128


class WhooshBackend:
    name = "whoosh"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = IndexStore(
            settings.index_dir, lock_timeout=settings.lock_timeout, durable=settings.fsync
        )
        self.reader = Reader(
            self.store,
            max_expansion=settings.max_wildcard_expansion,
            time_budget=settings.search_time_budget,
        )
        self._results: OrderedDict[tuple, SearchResult] = OrderedDict()
        self._results_of: tuple[str, int] | None = None  # the generation _results belong to
        self._lock = threading.Lock()

    # --- writes ---------------------------------------------------------------------------
    def add_documents(
        self, docs: Iterable[tuple[Document, list[Chunk]]], *, procs: int = 1
    ) -> tuple[int, int]:
        return self.store.add_documents(docs, procs=procs)

    def put(self, doc: Document, chunks: list[Chunk]) -> bool:
        return self.store.put(doc, chunks)

    def delete(self, doc_id: str) -> None:
        self.store.delete(doc_id)

    def write_batch(self, ops: list[Op], deadline: float | None = None) -> list[Outcome]:
        return self.store.write_batch(ops, deadline)

    def rebuild(
        self, docs: Iterable[tuple[Document, list[Chunk]]], *, procs: int = 1
    ) -> tuple[int, int]:
        # Live writes go on during the build; pushed stories the files lack are carried over
        # when the new generation is swapped in.
        with self.store.building():
            new_dir = self.store.new_generation_dir()
            try:
                counts = self.store.add_documents(
                    docs, procs=procs, index=self.store.open_generation(new_dir)
                )
            except BaseException:
                shutil.rmtree(new_dir, ignore_errors=True)
                raise
            self.store.swap_in(new_dir, carry_pushed=True, built=True)
        return counts

    def backup(self, dest: Path) -> Path:
        return backups.backup(self.store, dest)

    def restore(self, src: Path) -> None:
        backups.restore(self.store, src)

    # --- reads ----------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        view = self.reader.view()
        key = cache_key(request, view)
        with self._lock:
            if self._results_of != (view.live, view.generation):
                self._results.clear()
                self._results_of = (view.live, view.generation)
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
        if cached is not None:
            return SearchResult(**{**cached.__dict__, "took_ms": _ms(t0)})
        if request.parsed is None:
            raise TypeError("Engine.search parses the query; a backend never parses text")
        answer = self.reader.search(view, request, request.parsed)
        first_rank = (request.page - 1) * request.per_page + 1
        result = SearchResult(
            query=request.q,
            total=answer.total,
            page=request.page,
            per_page=request.per_page,
            took_ms=0.0,
            hits=hits(answer.rows, answer.marks, first_rank, request.highlight),
            facets=answer.facets,
            suggestion=answer.suggestion,
            generation=answer.generation,
            histogram=answer.histogram,
        )
        result.took_ms = _ms(t0)
        with self._lock:
            self._results[key] = result
            if len(self._results) > RESULT_CACHE_SIZE:
                self._results.popitem(last=False)
        return result

    def document_frequencies(self, stems: list[str]) -> tuple[dict[str, int], int]:
        return self.reader.document_frequencies("text", stems)

    def export(self, request: SearchRequest, limit: int) -> tuple[int, Iterator[Hit]]:
        if request.parsed is None:
            raise TypeError("Engine.export parses the query; a backend never parses text")
        view = self.reader.view()
        total, marks, rows = self.reader.export(view, request, request.parsed, limit)
        rendered = (hit(row, marks, rank, request.highlight) for rank, row in enumerate(rows, 1))
        return total, rendered

    def speakers(
        self, q: str, role: str | None, page: int, per_page: int
    ) -> tuple[int, list[dict[str, Any]]]:
        return self.reader.speakers(q, role, page, per_page)

    def speaker(self, name: str) -> dict[str, Any]:
        return self.reader.speaker(name)

    def related(self, doc_id: str, paragraph: int, limit: int) -> Related:
        found = self.reader.related(doc_id, paragraph, limit)
        return Related(
            doc_id, paragraph, found.terms, found.total, hits(found.rows, found.marks, 1, True)
        )

    def document(self, doc_id: str) -> dict[str, Any]:
        view = document_view(self.reader.chunks_of(doc_id))
        assert view is not None  # chunks_of raises DocumentNotFound first
        return view

    def suggest(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        return self.reader.suggest(prefix, limit)

    def stats(self) -> dict[str, Any]:
        return self.reader.stats()

    def generation(self) -> int:
        view = self.reader.view()
        return zlib.crc32(view.live.encode()) * 1_000_000 + view.generation

    def is_empty(self) -> bool:
        """Cheap: asks Whoosh for the live chunk count without loading any columns (``serve``
        calls it before gunicorn starts, on indexes of a million chunks too)."""
        return self.store.open().doc_count() == 0

    def warm(self) -> None:
        self.reader.view()


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
