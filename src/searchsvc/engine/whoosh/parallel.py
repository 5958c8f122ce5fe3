"""Segments built by several processes at once, committed together by the one writer.

Writing the postings is most of a build's CPU, so a build given ``procs > 1`` shares it as it
shares reading and chunking (``engine/reading.py``): ``procs`` forked builders each run a
``BatchSegmentWriter`` over the documents routed to it, cut a segment whenever its own posting
pool is nearly full (as a single writer does), and hand the finished segments back. The parent
keeps everything else: it holds the writer lock, deletes the ids already indexed, merges small
segments as ever, and adds the builders' segments to the index in its one commit (as Whoosh's
own multi-process writer does with ``multisegment=True``). What a builder is sent is a batch of
documents with their chunks; what comes back is a list of Whoosh segment records.

- **The same id twice in a run.** A document goes to the builder that had its id before (a new
  id to the builder with the least work so far), so every copy of an id reaches one builder in
  stream order; the builder marks the earlier copy's chunks deleted in its own segment, which is
  what a single writer's commit-then-delete leaves too.
- **Durability.** A builder's files are fsynced as they close (``DurableStorage`` in a process
  other than the committer); the parent's commit syncs the directory and the TOC after them.
- **Failure.** A builder's exception is raised in the parent (the traceback added as a note);
  every builder is then stopped and joined, and the caller abandons its writer, so no TOC names
  a builder's segment and their files are removed. A builder whose parent is gone exits.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from whoosh.reading import SegmentReader

from ..models import Chunk, Document
from .batch_writer import BatchSegmentWriter
from .columns import write_column_file

log = logging.getLogger("searchsvc.index")

BATCH_CHARS = 200_000  # chunk text sent to a builder at a time
QUEUED = 4  # batches waiting per builder: the parent runs ahead of a busy builder this far
POLL = 0.5  # seconds between checks that the other side is still there
CHUNK_COST = 200  # what a chunk costs a writer besides its text, in characters of text

Fields = Callable[[Document, Chunk], dict[str, Any]]


def nearly_full(writer: BatchSegmentWriter) -> bool:
    """True when the writer's postings are past 90 % of its pool's limit: where Whoosh's own pool
    would start spilling to disk, and where a segment is cut."""
    return writer.pending_bytes() > 0.9 * writer.pool.limit


def commit_with(writer: Any, segments: list[Any]) -> None:
    """Whoosh's commit of ``writer`` (its merge policy, its own segment if it added any) with
    ``segments`` written elsewhere added to the new TOC."""
    writer._check_state()
    final = writer._merge_segments(None, None, None)
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final + segments)
    writer._finish()


@dataclass
class _Handle:
    process: Any
    jobs: Any  # multiprocessing.Queue of batches, None to finish
    results: Connection
    batch: list[tuple[Document, list[Chunk]]] = field(default_factory=list)
    chars: int = 0
    work: int = 0  # characters' worth of chunks routed here so far
    segments: list[Any] | None = None  # what it built, once it has finished


class SegmentBuilders:
    """``procs`` processes building segments of ``ix`` from the documents ``add``-ed, in a
    with-block; ``finish`` returns their segments for the parent's commit."""

    def __init__(self, ix: Any, procs: int, writer_args: dict[str, Any], fields: Fields):
        self.ix = ix
        self.procs = procs
        self.writer_args = writer_args
        self.fields = fields
        self.handles: list[_Handle] = []
        self.owner: dict[str, int] = {}  # doc id -> the builder that has it

    def __enter__(self) -> SegmentBuilders:
        ctx = multiprocessing.get_context("fork")
        try:
            for _ in range(self.procs):
                jobs = ctx.Queue(QUEUED)
                receive, send = ctx.Pipe(duplex=False)
                process = ctx.Process(
                    target=_build,
                    args=(self.ix, self.writer_args, self.fields, jobs, send, os.getpid()),
                    daemon=True,
                    name="searchsvc-segment-builder",
                )
                process.start()
                send.close()
                self.handles.append(_Handle(process, jobs, receive))
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def add(self, doc: Document, chunks: list[Chunk]) -> None:
        """Send ``doc`` to its builder (the one that had its id, else the least busy)."""
        k = self.owner.get(doc.id)
        if k is None:
            k = self.owner[doc.id] = min(
                range(len(self.handles)), key=lambda i: self.handles[i].work
            )
        else:
            log.info("document id %r appears twice in one batch; the later one wins", doc.id)
        handle = self.handles[k]
        chars = sum(len(c.text) for c in chunks) + CHUNK_COST * len(chunks)
        handle.batch.append((doc, chunks))
        handle.chars += chars
        handle.work += chars
        if handle.chars >= BATCH_CHARS:
            self._send(handle)

    def finish(self) -> list[Any]:
        """Every builder's segments, in builder order, once all have finished."""
        for handle in self.handles:
            if handle.batch:
                self._send(handle)
            self._put(handle, None)
        segments: list[Any] = []
        for handle in self.handles:
            while handle.segments is None:
                if wait([handle.results, handle.process.sentinel], POLL):
                    self._receive(handle)
                else:
                    self._check()
            segments += handle.segments
            handle.process.join()
        return segments

    def _send(self, handle: _Handle) -> None:
        self._check()  # a builder that died stops the build now, not after the last file
        batch, handle.batch, handle.chars = handle.batch, [], 0
        self._put(handle, batch)

    def _put(self, handle: _Handle, item: Any) -> None:
        while True:
            try:
                handle.jobs.put(item, timeout=POLL)
                return
            except queue.Full:
                self._check()

    def _check(self) -> None:
        """Raise the failure of any builder that has failed or died."""
        for handle in self.handles:
            if handle.segments is None and (handle.results.poll() or not handle.process.is_alive()):
                self._receive(handle)

    def _receive(self, handle: _Handle) -> None:
        """Take a builder's message: its segments, or its failure raised here."""
        try:
            message = handle.results.recv() if handle.results.poll() else None
        except EOFError:
            message = None
        if message is None:
            handle.process.join(POLL)
            raise RuntimeError(
                f"an index builder process died (exit code {handle.process.exitcode}); "
                "nothing of this build was committed"
            )
        kind, *rest = message
        if kind == "failed":
            exc, text = rest
            exc.add_note(f"in index builder process {handle.process.pid}:\n{text}")
            raise exc
        handle.segments = rest[0]

    def _stop(self) -> None:
        """Every builder stopped and reaped (none is left running or a zombie), its queue closed
        without waiting to deliver what it held."""
        for handle in self.handles:
            if handle.process.is_alive():
                handle.process.terminate()
        for handle in self.handles:
            handle.process.join()
            handle.jobs.cancel_join_thread()
            handle.jobs.close()
            handle.results.close()
        self.handles = []


class _Builder:
    """One builder's writer and segments: a segment is cut when the pool is nearly full, and
    an id met again has its earlier chunks marked deleted in the segment that holds them."""

    def __init__(self, ix: Any, writer_args: dict[str, Any], fields: Fields):
        self.ix = ix
        self.writer_args = writer_args
        self.fields = fields
        self.writer = self._open()
        self.segments: list[Any] = []
        self.where: dict[str, tuple[int, int, int]] = {}  # id -> (segment, first docnum, end)
        self.deleted: list[tuple[int, int, int]] = []

    def _open(self) -> BatchSegmentWriter:
        return BatchSegmentWriter(self.ix, _lk=False, **self.writer_args)

    def add(self, doc: Document, chunks: list[Chunk]) -> None:
        earlier = self.where.get(doc.id)
        if earlier is not None:
            self.deleted.append(earlier)
        writer = self.writer
        first = writer.docnum
        for chunk in chunks:
            writer.add_document(**self.fields(doc, chunk))
        self.where[doc.id] = (len(self.segments), first, writer.docnum)
        if nearly_full(writer):
            self._cut()
            self.writer = self._open()

    def _cut(self) -> None:
        """The current segment finished, and its facet column file written: otherwise the first
        reader after the commit decodes every builder's segments in one process."""
        segment = self.writer._finalize_segment()
        leaf = SegmentReader(self.writer.storage, self.writer.schema, segment)
        try:
            write_column_file(leaf)
        finally:
            leaf.close()
        self.segments.append(segment)

    def finish(self) -> list[Any]:
        writer = self.writer
        if writer._added:
            self._cut()
        else:
            writer._close_segment()
        for n, first, end in self.deleted:
            for docnum in range(first, end):
                self.segments[n].delete_document(docnum)
        # Not the writer's _finish: the scratch directory it would remove is shared with the
        # parent's writer, which removes it at its commit.
        return self.segments


def _build(
    ix: Any,
    writer_args: dict[str, Any],
    fields: Fields,
    jobs: Any,
    results: Connection,
    parent: int,
) -> None:
    """A builder process: batches from ``jobs`` until None, then its segments to ``results``
    (or its failure)."""
    try:
        builder = _Builder(ix, writer_args, fields)
        while True:
            try:
                batch = jobs.get(timeout=POLL)
            except queue.Empty:
                if os.getppid() != parent:
                    return  # the parent is gone: nobody will commit these segments
                continue
            if batch is None:
                break
            for doc, chunks in batch:
                builder.add(doc, chunks)
        results.send(("done", builder.finish()))
    except BaseException as exc:
        text = traceback.format_exc()
        try:
            results.send(("failed", exc, text))
        except Exception:  # an exception that does not pickle
            results.send(("failed", RuntimeError(repr(exc)), text))
        raise SystemExit(1) from None
