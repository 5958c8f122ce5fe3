"""Directories that appear whole or not at all: backups and exports are built beside their
destination and renamed into place, so a crash or an error midway never leaves a half-written
copy where a restore would look for one."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_directory(dest: Path) -> Iterator[Path]:
    """Yield a path beside ``dest`` (not yet created) to build in; on success it becomes ``dest``.

    ``dest`` may exist only as an empty directory (a caller checks that first); whatever the
    body leaves behind on failure is removed.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial-{uuid.uuid4().hex[:8]}")
    try:
        yield partial
        if dest.exists():
            dest.rmdir()
        os.rename(partial, dest)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks: a backup's manifest records it and a restore
    checks it, on every backend."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
