"""The index on disk and the only code that writes to it.

Layout of an index root (``Settings.index_dir``)::

    index/
      live -> gen-20261123T171500-4f2a   symlink to the Whoosh storage readers use
      gen-…/                             Whoosh segments and TOC
      write.lock                         cross-process writer lock (flock: dies with its holder)
      build.lock                         held while a reindex/restore builds a new generation

Whoosh allows one writer per index. Every write here, from any gunicorn worker, CLI run or reindex,
takes ``write.lock`` first with a bounded wait (``IndexBusy`` past it), then opens the Whoosh writer,
so writers queue instead of failing, and a document's delete-and-add lands in one commit: readers
see the old version or the new one, never half of it. The lock is an ``flock``, which the kernel
drops when its holder dies, so a killed writer never leaves a lock someone must remove by hand.

``reindex`` builds a new ``gen-…`` beside the live one (under ``build.lock``, while live writes go
on) and swaps the ``live`` symlink with an atomic rename; readers notice the new target on their
next freshness check and switch without a restart.

**Durability.** Every index is opened through ``durable.DurableStorage``, which fsyncs what a
commit names, together, before its TOC is renamed into place (see that module). A rebuilt
generation is durable commit by commit; a restored one (copied by ``shutil``) is fsynced whole
before it is swapped in. The index root is fsynced after a generation directory is created and
after the ``live`` swap, before the old generation is removed. ``tests/test_power_loss.py``
replays recorded writes cut at every point. ``Settings.fsync`` false skips all of it (throwaway
indexes only).

**A full disk** (or a file-size limit) during a write is ``InsufficientStorage``: the Whoosh
writer is abandoned, every file it opened is closed, the files of the segment it did not finish
are removed, and its lock released, so nothing acknowledged is touched and the next write after
space is freed succeeds.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import filelock
from whoosh import index as whoosh_index
from whoosh.writing import MERGE_SMALL, NO_MERGE, IndexWriter

from ...errors import DocumentNotFound, IndexBusy, VersionConflict
from ..bulk import Delete, Op, Outcome, Put, runs
from ..models import Chunk, Document
from ..stored import StoredChunk, stored_fields
from ..versions import is_older
from .batch_writer import BatchSegmentWriter
from .durable import DurableStorage, fsync_dir, fsync_tree, no_space_is_insufficient_storage
from .parallel import SegmentBuilders, commit_with, nearly_full
from .postings import NewsCodec
from .schema import build_schema, encode_facets

log = logging.getLogger("searchsvc.index")

LIVE = "live"
LOCK = "write.lock"
OWNER = "write.lock.owner"
BUILD_LOCK = "build.lock"
TURNSTILE = "write.turnstile"  # passed on the way to the writer lock (IndexStore._acquire_in_turn)


class IndexStore:
    """The index root directory: which generation directory is live, and the writer lock."""

    def __init__(
        self, root: Path, lock_timeout: float = 10.0, pool_mb: int = 2048, durable: bool = True
    ):
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self.pool_mb = pool_mb  # a single-process writer's posting pool; half each with procs=2
        self.durable = durable  # fsync what commits and swaps depend on (Settings.fsync)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = filelock.FileLock(str(self.root / LOCK), timeout=lock_timeout)
        self._turnstile = filelock.FileLock(str(self.root / TURNSTILE), timeout=lock_timeout)
        self._opened: tuple[Path, whoosh_index.Index] | None = None

    # --- locations -------------------------------------------------------------------------
    def live_dir(self) -> Path:
        """The live Whoosh directory, created (under the lock) on first use."""
        link = self.root / LIVE
        try:
            return self.root / os.readlink(link)
        except FileNotFoundError:
            pass
        with self.locked():
            try:
                return self.root / os.readlink(link)
            except FileNotFoundError:
                new = self.new_generation_dir()
                self._point_live_at(new)
                return new

    def new_generation_dir(self) -> Path:
        """A fresh, empty Whoosh index beside the live one (for first use and for reindex)."""
        name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        path = self.root / name
        with no_space_is_insufficient_storage():
            path.mkdir()
            try:
                self.storage(path).create_index(build_schema())
                if self.durable:
                    fsync_dir(self.root)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
        return path

    def storage(self, path: Path) -> DurableStorage:
        """The Whoosh storage of one generation directory (durable unless ``Settings.fsync`` is
        off): every index this store writes to is opened through it."""
        return DurableStorage(str(path), durable=self.durable)

    def open_generation(self, path: Path) -> whoosh_index.Index:
        """The Whoosh index in generation directory ``path`` (a rebuild, before it is live)."""
        return self.storage(path).open_index()

    def open(self) -> whoosh_index.Index:
        """The Whoosh index behind ``live``; reopened when ``live`` moved (after a reindex)."""
        return self.open_live()[1]

    def open_live(self) -> tuple[Path, whoosh_index.Index]:
        """The live directory and its index, resolved once (so the two always agree)."""
        live = self.live_dir()
        opened = self._opened
        if opened is None or opened[0] != live:
            opened = self._opened = (live, self.open_generation(live))
        return opened

    # --- locking ---------------------------------------------------------------------------
    @contextmanager
    def locked(self) -> Iterator[None]:
        """The writer lock (re-entrant within this process), with a record of who holds it.

        The kernel drops an ``flock`` when its holder dies, so nothing is ever stale by hand; the
        owner file only lets the next writer say, in the log, that it took over from a dead one."""
        outermost = not self._lock.is_locked
        try:
            if outermost:
                self._acquire_in_turn()
            else:
                self._lock.acquire()
        except filelock.Timeout as exc:
            raise IndexBusy(
                f"the index is busy with another write; retry in a moment "
                f"(waited {self.lock_timeout:g} s)"
            ) from exc
        if outermost:
            self._take_over()
        try:
            yield
        finally:
            if outermost:
                _write_owner(self.root / OWNER, "released")
            self._lock.release()

    def _acquire_in_turn(self) -> None:
        """Take the writer lock through a turnstile, so a steady stream of writes cannot starve
        one waiter (a reindex's swap, say). ``filelock`` polls; a writer that releases the lock
        and asks again at once nearly always wins against a waiter that polls every 50 ms. Here
        a waiter holds the turnstile while it waits for the lock, and every writer passes the
        turnstile before asking: the writer that just finished waits for the waiter to get in."""
        deadline = time.monotonic() + self.lock_timeout
        self._turnstile.acquire(timeout=self.lock_timeout)
        try:
            self._lock.acquire(timeout=max(0.0, deadline - time.monotonic()))
        finally:
            self._turnstile.release()

    def _take_over(self) -> None:
        owner = self.root / OWNER
        try:
            state, pid, host = owner.read_text(encoding="utf-8").split()[:3]
        except (OSError, ValueError):
            state = pid = host = ""
        if state == "writing" and host == socket.gethostname() and not _alive(int(pid)):
            log.warning(
                "index writer lock: previous holder pid %s died while writing; lock recovered, "
                "its uncommitted changes were discarded and committed ones are intact",
                pid,
            )
        _write_owner(owner, "writing")

    @contextmanager
    def writer(self, index: whoosh_index.Index | None = None) -> Iterator[IndexWriter]:
        """A Whoosh writer, committed on success, cancelled on error. Writes to the live index
        hold the cross-process writer lock; a generation being built (``index``) is private to its
        builder, who holds the build lock instead, so live writes go on meanwhile."""
        with self.locked() if index is None else nullcontext():
            ix = index or self.open()
            # A big in-memory posting pool: below it Whoosh sorts postings in memory instead of
            # pickling each one to temporary run files (a third of indexing time otherwise).
            # Separate segment files, not one compound file: Whoosh reads a compound file's
            # parts into private BytesIO copies, i.e. the whole index into every worker's memory.
            # NewsCodec also writes each segment's postings as flat arrays (postings.py). The
            # postings are built in bulk (batch_writer.py), in several processes for a build
            # with procs > 1 (parallel.py).
            kwargs: dict[str, Any] = {
                "limitmb": self.pool_mb,
                "compound": False,
                "codec": NewsCodec(),
            }
            batch = _Batch(ix, kwargs)
            with no_space_is_insufficient_storage():
                try:
                    yield batch  # type: ignore[misc]
                    batch.commit()
                except BaseException:
                    _abandon(batch.writer, ix)
                    raise

    # --- writes ----------------------------------------------------------------------------
    def add_documents(
        self,
        docs: Iterable[tuple[Document, list[Chunk]]],
        procs: int = 1,
        index: whoosh_index.Index | None = None,
    ) -> tuple[int, int]:
        """Replace-or-add many documents in one commit; returns (documents, chunks).

        Whoosh's ``delete_by_term`` only sees committed chunks, so when an id comes back within
        the batch (the same story in two folders, a JSON list repeating an id) the batch is
        committed first and the later copy replaces the earlier one, as across runs.

        A big batch is also committed whenever Whoosh's in-memory posting pool is nearly full, one
        segment per pool (as Lucene flushes its RAM buffer): past its limit Whoosh would spill
        sorted runs to disk and merge them in Python at the commit, a third slower overall. So a
        batch is not atomic: a crash half-way leaves the documents of the flushed segments
        indexed, and indexing the same files again replaces them.

        With ``procs > 1`` the postings are written by that many processes, each its own
        segments, and the batch is one commit (``parallel.py``)."""
        if procs > 1:
            return self._add_in_parallel(docs, procs, index)
        n_docs = n_chunks = 0
        seen: set[str] = set()
        with self.writer(index=index) as w:
            for doc, chunks in docs:
                if doc.id in seen:
                    log.info(
                        "document id %r appears twice in one batch; the later one wins", doc.id
                    )
                    w.flush()
                    seen.clear()
                seen.add(doc.id)
                w.delete_by_term("doc_id", doc.id)
                for chunk in chunks:
                    w.add_document(**chunk_fields(doc, chunk))
                n_docs += 1
                n_chunks += len(chunks)
                if w.pool_nearly_full():
                    w.flush()
        return n_docs, n_chunks

    def _add_in_parallel(
        self,
        docs: Iterable[tuple[Document, list[Chunk]]],
        procs: int,
        index: whoosh_index.Index | None,
    ) -> tuple[int, int]:
        """``add_documents`` with the chunks written by ``procs`` builder processes: this one
        deletes the ids already indexed and commits the builders' segments together."""
        n_docs = n_chunks = 0
        with self.writer(index=index) as w:
            args = {**w.kwargs, "limitmb": max(1, self.pool_mb // procs)}
            with SegmentBuilders(w.ix, procs, args, chunk_fields) as builders:
                for doc, chunks in docs:
                    w.delete_by_term("doc_id", doc.id)  # committed chunks; builders do the rest
                    builders.add(doc, chunks)
                    n_docs += 1
                    n_chunks += len(chunks)
                w.built = builders.finish()
        return n_docs, n_chunks

    def put(self, doc: Document, chunks: list[Chunk]) -> bool:
        """Replace-or-add one document; True when it is new. Refuses an older version."""
        with self.writer() as w:
            outcome = self._apply(w, _stored_chunks(w, [doc.id])[doc.id], Put(doc, chunks))
            if isinstance(outcome, VersionConflict):
                raise outcome  # inside the writer: it is cancelled, nothing is committed
        return bool(outcome)

    def write_batch(self, ops: list[Op], deadline: float | None = None) -> list[Outcome]:
        """Many puts and deletes under one writer lock and (usually) one commit: ``put`` and
        ``delete`` line by line, but the batch's lines become durable and visible together.

        A commit also merges small segments, re-posting them in Python: with a ``deadline`` the
        merge is put off to a later commit unless, at this batch's own pace per chunk, it would
        take at most half the time left (``_merge_in_time``), so that a request never outlives
        its worker's timeout merging.

        Whoosh's ``delete_by_term`` and the version lookup only see committed chunks, so where an
        id comes back within the batch the lines before it are committed first (``bulk.runs``).
        Nothing is acknowledged before the last commit returns; an error from a commit fails the
        whole call, and a line of an earlier commit then stays written (resending it is safe)."""
        out: list[Outcome] = [None] * len(ops)
        t0 = time.perf_counter()
        with self.writer() as w:
            for n, run in enumerate(runs(ops)):
                if n:
                    w.flush()
                stored = _stored_chunks(w, [op.doc_id for _, op in run])
                for i, op in run:
                    out[i] = self._apply(w, stored[op.doc_id], op)
            if deadline is not None:
                chunks = sum(len(op.chunks) for op in ops if not isinstance(op, Delete))
                pace = (time.perf_counter() - t0) / max(1, chunks)
                w.writer.mergetype = _merge_in_time(deadline, pace)
        return out

    @staticmethod
    def _apply(w: Any, found: _Stored, op: Op) -> Outcome:
        docnums, stored = found
        if isinstance(op, Delete):
            if stored is None:
                return DocumentNotFound(f"no document with id {op.doc_id!r}")
            _delete_all(w, docnums)
            return None
        doc = op.doc
        if stored is not None and is_older(doc.version, stored.get("version")):
            return VersionConflict(
                f"document {doc.id!r} is at version {stored.get('version')}; "
                f"refusing older version {doc.version}",
                details={"stored_version": stored.get("version")},
            )
        _delete_all(w, docnums)
        for chunk in op.chunks:
            w.add_document(**chunk_fields(doc, chunk, origin="push"))
        return stored is None

    def carry_pushed(self, new_ix: whoosh_index.Index) -> int:
        """Copy every pushed document of the live generation that ``new_ix`` lacks into it.

        Called under the writer lock right before a swap, so stories a CMS pushed — before the
        rebuild or during it — survive a rebuild from files. Files win where both have an id."""
        old_ix = self.open()
        carried: set[str] = set()
        with old_ix.searcher() as old, new_ix.searcher() as new:
            rows = [StoredChunk.of(f) for f in old.all_stored_fields()]
            rows = [r for r in rows if r.pushed and new.document(doc_id=r.doc_id) is None]
        if not rows:
            return 0
        with self.writer(index=new_ix) as w:
            for row in rows:
                doc, chunk = row.rebuild()
                w.add_document(**chunk_fields(doc, chunk, origin="push"))
                carried.add(doc.id)
        log.info("carried %d pushed documents into the rebuilt index", len(carried))
        return len(carried)

    def delete(self, doc_id: str) -> None:
        with self.writer() as w:
            docnums, stored = _stored_chunks(w, [doc_id])[doc_id]
            if stored is None:
                raise DocumentNotFound(f"no document with id {doc_id!r}")
            _delete_all(w, docnums)

    @contextmanager
    def building(self) -> Iterator[None]:
        """The build lock: one reindex or restore at a time builds a new generation."""
        with filelock.FileLock(str(self.root / BUILD_LOCK)):
            yield

    def swap_in(self, new_dir: Path, carry_pushed: bool = False, built: bool = False) -> None:
        """Make ``new_dir`` live atomically and remove every other generation. Call it inside
        ``building()``: then no other generation is being built, so any directory that is neither
        live nor ``new_dir`` is the one replaced or an orphan of a killed reindex. Readers that
        still hold the old segments keep their open files (POSIX unlink).

        ``built``: ``new_dir`` was written through this store (a rebuild), so every commit in it
        is already durable; otherwise (a restore's copy) it is fsynced whole first — before the
        writer lock is taken, so live writes do not wait for it."""
        with no_space_is_insufficient_storage():
            if self.durable and not built:
                fsync_tree(new_dir)
                fsync_dir(self.root)
        with self.locked(), no_space_is_insufficient_storage():
            if carry_pushed:  # a rebuild from files; a restore means the backup's state
                self.carry_pushed(self.open_generation(new_dir))
            self._point_live_at(new_dir)
            stale = [p for p in self.root.glob("gen-*") if p.is_dir() and p != new_dir]
            for path in stale:
                shutil.rmtree(path, ignore_errors=True)
        log.info("index generation %s is live (%d old removed)", new_dir.name, len(stale))

    def _point_live_at(self, target: Path) -> None:
        tmp = self.root / f".live-{uuid.uuid4().hex}"
        os.symlink(target.name, tmp)
        os.replace(tmp, self.root / LIVE)
        if self.durable:  # the swap is durable before the old generation may be removed
            fsync_dir(self.root)


def _abandon(writer: Any, ix: whoosh_index.Index) -> None:
    """Undo what a failed Whoosh writer left behind: its open files, its lock, and the files of
    the segment it never committed (on a full disk they hold the space the next write needs).
    The TOC on disk is untouched, so the index is exactly as the last commit left it."""
    storage = ix.storage
    try:
        if not writer.is_closed:
            writer.cancel()
    except Exception as exc:  # a half-closed writer can fail again; the clean-up below still runs
        log.debug("cancelling a failed index writer: %s", exc)
    if isinstance(storage, DurableStorage):
        storage.close_open_files()
    if not writer.is_closed:  # cancel stopped part-way: its searcher, temp files and lock remain
        try:
            writer._finish()
        except Exception as exc:
            log.debug("finishing a failed index writer: %s", exc)
    lock = getattr(writer, "writelock", None)
    if lock is not None and getattr(lock, "fd", None) is not None:
        try:
            lock.release()
        except OSError as exc:
            log.debug("releasing a failed writer's lock: %s", exc)
    try:
        toc = whoosh_index.TOC.read(storage, ix.indexname)
        whoosh_index.clean_files(storage, ix.indexname, toc.generation, toc.segments)
        for name in storage.list():
            if ".toc." in name:  # a TOC temp file the failed commit never renamed
                storage.delete_file(name)
    except Exception as exc:  # clean-up is best effort; the next commit cleans files up again
        log.warning("could not remove the files of a failed write: %s", exc)


class _Batch:
    """A Whoosh writer that can be committed and reopened mid-batch (``flush``), and whose
    commit adds the segments other processes built (``built``); every other attribute is the
    current writer's."""

    def __init__(self, ix: whoosh_index.Index, kwargs: dict[str, Any]):
        self.ix = ix
        self.kwargs = kwargs
        self.built: list[Any] = []
        self.writer = self._open()

    def _open(self) -> Any:
        return BatchSegmentWriter(self.ix, **self.kwargs)

    def flush(self) -> None:
        self.commit()
        self.writer = self._open()

    def commit(self) -> None:
        built, self.built = self.built, []
        if built:
            commit_with(self.writer, built)
        else:
            self.writer.commit()

    def pool_nearly_full(self) -> bool:
        """True when the writer's postings are past 90 % of its pool's limit (for Whoosh's own
        pool, the next additions would spill to disk; the batch writer counts the same way, so
        segments are cut at the same size)."""
        return nearly_full(self.writer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.writer, name)


def _merge_in_time(deadline: float, seconds_per_chunk: float) -> Any:
    """A Whoosh merge policy: its usual merge of small segments when re-posting every segment but
    the largest would take at most half the time left at ``seconds_per_chunk`` (the pace of
    adding them, an upper bound), else none this time."""

    def policy(writer: Any, segments: list[Any]) -> list[Any]:
        sizes = sorted(seg.doc_count_all() for seg in segments)
        cost = sum(sizes[:-1]) * seconds_per_chunk
        if cost > 0.5 * (deadline - time.perf_counter()):
            log.info("merging %d segments put off: ~%.1f s, not in time", len(sizes), cost)
            return NO_MERGE(writer, segments)
        return MERGE_SMALL(writer, segments)

    return policy


def _write_owner(path: Path, state: str) -> None:
    try:
        path.write_text(f"{state} {os.getpid()} {socket.gethostname()}\n", encoding="utf-8")
    except OSError as exc:  # the record is advisory; never fail a write over it
        log.debug("cannot record the writer lock owner: %s", exc)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def chunk_fields(doc: Document, chunk: Chunk, origin: str = "file") -> dict[str, Any]:
    """The Whoosh fields of one chunk: the stored fields every backend keeps, plus the searchable
    text flavours and the packed facet column."""
    facets = encode_facets(
        {
            "speaker": chunk.speaker,
            "role": chunk.role,
            "source": doc.source,
            "kind": doc.kind,
            "event": doc.event,
            "year": (doc.date or "")[:4] or None,
            "doc_id": doc.id,
            "chunk_kind": chunk.kind,
            "date": doc.date,
            "person": doc.person,
            "organisation": doc.organisation,
            "subject": doc.subject,
            "place": doc.place,
            "author": doc.author,
        }
    )
    return {
        **stored_fields(doc, chunk, origin),
        "paragraph": chunk.paragraph,
        "exact": chunk.text,
        "title": doc.title or "",
        "speaker_t": chunk.speaker or "",
        "source_t": doc.source or "",
        "kind": doc.kind or "",
        "role": chunk.role or "",
        "facets": facets,
    }


#: A story's committed chunks as the writer sees them: their numbers, and the stored document
#: metadata (None when the story is not there).
_Stored = tuple[list[int], dict[str, Any] | None]


def _stored_chunks(w: Any, doc_ids: list[str]) -> dict[str, _Stored]:
    """Every id's live chunk numbers and stored document, read from the committed segments'
    ``doc_id`` postings in one pass for a whole run of a batch: a Whoosh query and searcher per
    line (``searcher.document`` to read the version, then ``delete_by_term`` to find the same
    chunks again) cost more than writing the line. The chunks are the ones ``delete_by_term``
    would delete, and the document is that of the first of them, as ``searcher.document``
    gives it."""
    reader = w.searcher().reader()  # the writer's own, closed with it
    leaves = list(reader.leaf_readers())
    out: dict[str, _Stored] = {}
    for doc_id in doc_ids:
        docnums: list[int] = []
        for leaf, base in leaves:
            if ("doc_id", doc_id) in leaf:  # a deleted chunk's terms stay until a merge
                docnums.extend(base + n for n in leaf.postings("doc_id", doc_id).all_ids())
        doc = StoredChunk.of(reader.stored_fields(docnums[0])).doc if docnums else None
        out[doc_id] = (docnums, doc)
    return out


def _delete_all(w: Any, docnums: list[int]) -> None:
    for docnum in docnums:
        w.delete_document(docnum)
