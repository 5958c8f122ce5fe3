"""Reading and chunking files in worker processes, in the order a single process would.

Reading a file and chunking a document are the costliest steps of an import in Python (about half
its client CPU per chunk) and each depends on its own input alone, so a build given ``procs > 1``
does them in that many processes. What crosses documents stays in the caller's process, in stream
order, so the chunks are exactly those of a one-process run: the furniture found by repetition
over each batch (``text.repeated``) is marked between reading and chunking, and speakers are
resolved over each window of chunked documents (``text.identity``) after it. What crosses between
processes is a file's path, its documents (and its skipped records), and each document back with
its chunks (the chunker may set the document's kind). Each stage keeps a bounded number of tasks in
flight, so memory stays within a batch and a few files whatever the size of the import.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import TypeVar

from ..errors import SearchsvcError
from .models import Chunk, Document

T = TypeVar("T")
R = TypeVar("R")

FILES_AHEAD = 4  # files read ahead per process
GROUPS_AHEAD = 4  # groups of documents being chunked ahead per process
GROUP_CHARS = 200_000  # text per chunking task: a few large documents or many small ones
GROUP_DOCS = 32


@dataclass(slots=True)
class FileRead:
    """One file's documents, its bad records skipped (the path each names, and why), and the
    reason the whole file was skipped (``error``; then ``documents`` is empty)."""

    documents: list[Document]
    bad_records: list[tuple[str, str]]
    error: str | None


def read_one(item: tuple[Path, str | None]) -> FileRead:
    """A walked file read, the errors that skip a file caught (nothing, for a path the walk
    already skipped: a reason beside it)."""
    from .text.ingest import BadRecord, read_file

    file, unreadable = item
    if unreadable is not None:
        return FileRead([], [], None)

    bad: list[tuple[str, str]] = []

    def bad_record(record: BadRecord) -> None:
        bad.append((str(record.path), record.message.removeprefix(f"{record.path}: ")))

    try:
        docs = read_file(file, bad_record)
    except (SearchsvcError, OSError, ValueError, UnicodeDecodeError) as exc:
        return FileRead([], bad, str(exc))
    return FileRead(docs, bad, None)


def chunk_group(docs: list[Document]) -> list[tuple[Document, list[Chunk]]]:
    from .text.chunking import chunk_document

    return [(doc, chunk_document(doc)) for doc in docs]


class ReadingPool:
    """``procs`` processes that read files and chunk documents; results come back in input order."""

    def __init__(self, procs: int):
        self.procs = procs
        self.pool: Pool | None = None

    def __enter__(self) -> ReadingPool:
        self.pool = multiprocessing.get_context("fork").Pool(self.procs)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.pool is not None
        self.pool.terminate()  # every result the caller wanted has been taken
        self.pool.join()
        self.pool = None

    def read(
        self, walk: Iterable[tuple[Path, str | None]]
    ) -> Iterator[tuple[tuple[Path, str | None], FileRead]]:
        """Each walked file with what ``read_one`` made of it."""
        return _in_order(self._pool(), read_one, walk, FILES_AHEAD * self.procs)

    def chunk(self, docs: Iterable[Document]) -> Iterator[tuple[Document, list[Chunk]]]:
        """Each of ``docs`` (the worker's copy, which the chunker may have changed) and its chunks."""
        groups = _in_order(self._pool(), chunk_group, _groups(docs), GROUPS_AHEAD * self.procs)
        for _group, chunked in groups:
            yield from chunked

    def _pool(self) -> Pool:
        if self.pool is None:
            raise RuntimeError("ReadingPool used outside its with-block")
        return self.pool


def _in_order(
    pool: Pool, task: Callable[[T], R], items: Iterable[T], depth: int
) -> Iterator[tuple[T, R]]:
    """(item, ``task(item)``) in the order of ``items``, with at most ``depth`` tasks in flight; a
    task's exception is raised here, at its turn."""
    pending: deque[tuple[T, AsyncResult]] = deque()
    for item in items:
        pending.append((item, pool.apply_async(task, (item,))))
        if len(pending) >= depth:
            item_, result = pending.popleft()
            yield item_, result.get()
    while pending:
        item_, result = pending.popleft()
        yield item_, result.get()


def _groups(docs: Iterable[Document]) -> Iterator[list[Document]]:
    group: list[Document] = []
    chars = 0
    for doc in docs:
        group.append(doc)
        chars += len(doc.text)
        if chars >= GROUP_CHARS or len(group) >= GROUP_DOCS:
            yield group
            group, chars = [], 0
    if group:
        yield group
