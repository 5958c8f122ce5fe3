"""Whoosh's file storage made power-cut safe: the fsyncs a commit needs, batched at the commit.

Whoosh never calls ``fsync``. A power cut could then keep a new TOC (a rename is metadata,
journaled early) whose segment files never reached the disk, or lose a write already answered.
``DurableStorage`` adds the flushes in the order a commit depends on them, once per commit:

1. Whoosh writes and closes a segment's files; each is only flushed to the kernel then, and its
   name remembered (a file deleted before the commit — a merged-away segment, a cancelled
   writer's — is never synced at all).
2. At the commit, when Whoosh renames its TOC temp file into place, every remembered file and the
   TOC temp file are fsynced *together* (a few native threads: the file system folds concurrent
   fsyncs into one journal commit, where one after another each waits for its own — on the
   2-core test box 11 files take ≈ 40 ms instead of ≈ 90 ms), then the directory (the new names),
   then the rename, then the directory again (the new TOC, before Whoosh deletes the old one).

So when ``commit`` returns — before any write is answered — that state of the index is on
stable storage, each file synced once. A sub-writer in another process (``procs > 1``) syncs its
files as it closes them, since the commit that names them happens in the parent.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from ...errors import InsufficientStorage

#: errno values that mean "no room": a full file system, a quota, a file-size limit (RLIMIT_FSIZE).
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
#: fsyncs in flight at once at a commit; a single-document write has about a dozen files.
SYNC_THREADS = 8


class DurableStorage(FileStorage):
    """One generation directory's storage, with the commit's fsyncs (see the module docstring).
    It also remembers which of its files are still open, so a writer that failed half-way (a
    full disk) can have them closed instead of leaking descriptors."""

    def __init__(self, path: str, durable: bool = True):
        super().__init__(path)
        self.durable = durable
        self.open_files: set[StructFile] = set()
        self.unsynced: set[str] = set()  # closed since the last commit, not yet fsynced
        self.committer = os.getpid()  # the process whose commit names the files

    def __getstate__(self) -> dict[str, Any]:  # multi-process writers pickle their storage
        return {**self.__dict__, "open_files": set(), "unsynced": set()}

    def create_file(self, name: str, excl: bool = False, mode: str = "wb", **kwargs: Any) -> Any:
        path = self._fpath(name)
        if excl:
            fileobj = os.fdopen(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR), mode)
        else:
            fileobj = open(path, mode)  # noqa: SIM115  (closed by the StructFile)
        f = _TrackedFile(fileobj, name=name, storage=self, **kwargs)
        self.open_files.add(f)
        return f

    def delete_file(self, name: str) -> None:
        self.unsynced.discard(name)
        super().delete_file(name)

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        """Whoosh renames only to commit a TOC: everything the TOC names is synced first."""
        if self.durable:
            pending, self.unsynced = self.unsynced | {oldname}, set()
            fsync_files(self._fpath(name) for name in sorted(pending))
            fsync_dir(Path(self.folder))  # the names of the files the TOC refers to
        super().rename_file(oldname, newname, safe=safe)
        if self.durable:
            fsync_dir(Path(self.folder))  # the TOC's own name, before older files are deleted

    def temp_storage(self, name: str | None = None) -> DurableStorage:
        """Whoosh's scratch directory for a writer (pool runs, column buffers): never synced (it is
        thrown away), but its open files are tracked with this storage's, so a failed writer's
        deleted-but-open scratch files are closed and stop holding disk space."""
        scratch = super().temp_storage(name)
        temp = DurableStorage(scratch.folder, durable=False)
        temp.open_files = self.open_files
        return temp

    def close_open_files(self) -> None:
        """Close, without flushing to disk, every file a failed writer left open."""
        for f in list(self.open_files):
            self.open_files.discard(f)
            f.is_closed = True
            with contextlib.suppress(OSError):  # abandoned data: a failed flush changes nothing
                f.file.close()


class _TrackedFile(StructFile):
    """A Whoosh file its storage keeps track of: open until closed, then unsynced until the
    commit (or synced as it closes, in a sub-writer's process)."""

    def __init__(self, fileobj: Any, name: str, storage: DurableStorage, **kwargs: Any):
        super().__init__(fileobj, name=name, **kwargs)
        self._storage = storage
        self._name = name

    def close(self) -> None:
        if self.is_closed:
            raise Exception("This file is already closed")  # what StructFile says, too
        storage = self._storage
        storage.open_files.discard(self)
        try:
            if self.onclose:
                self.onclose(self)
            if storage.durable:
                self.file.flush()
                if os.getpid() != storage.committer:  # a sub-writer, forked or unpickled:
                    os.fsync(self.file.fileno())  # the parent commits without these names
                else:
                    storage.unsynced.add(self._name)
        finally:
            self.is_closed = True
            self.file.close()


@contextmanager
def no_space_is_insufficient_storage() -> Iterator[None]:
    """A full disk (``NO_SPACE``) raised inside becomes ``InsufficientStorage``."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in NO_SPACE:
            raise
        raise InsufficientStorage(
            f"the index disk is full ({exc.strerror}); nothing of this write was kept and "
            "earlier writes are intact — free space and retry"
        ) from exc


def fsync_dir(path: Path) -> None:
    """Make the names in directory ``path`` (created, renamed, removed entries) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_files(paths: Iterable[str]) -> None:
    """fsync every file in ``paths`` concurrently; returns once all are on stable storage."""
    paths = list(paths)
    if len(paths) <= 1:
        for path in paths:
            _fsync_path(path)
        return
    list(_executor().map(_fsync_path, paths))  # list(): wait, and raise the first error


def fsync_tree(path: Path) -> None:
    """Every file and directory under ``path``, and ``path`` itself (a generation copied in by
    ``shutil``, which never syncs)."""
    files, dirs = [], []
    for dirpath, _dirs, names in os.walk(path):
        files.extend(os.path.join(dirpath, name) for name in names)
        dirs.append(Path(dirpath))
    fsync_files(files)
    for directory in reversed(dirs):  # children before the directory that names them
        fsync_dir(directory)


def _fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_pool: tuple[int, Executor] | None = None


def _executor() -> Executor:
    """This process's fsync threads (made again after a fork). Native threads even under the
    gevent worker: its monkey-patched threads are greenlets, which would run the fsyncs one
    after another — and the gevent worker's loop keeps serving its other sockets meanwhile."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        cls: type[Executor] = ThreadPoolExecutor
        if "gevent" in sys.modules:
            from gevent import monkey

            if monkey.is_module_patched("threading"):
                from gevent.threadpool import ThreadPoolExecutor as cls  # type: ignore[no-redef]
        _pool = (os.getpid(), cls(max_workers=SYNC_THREADS))
    return _pool[1]
