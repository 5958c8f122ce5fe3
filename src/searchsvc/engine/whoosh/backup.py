"""Backups of the embedded index: a directory copy of the live generation with a manifest, and a
restore that refuses anything it cannot read whole.

A backup is copied into a temporary directory beside its destination with a manifest (names,
sizes, SHA-256) written last, then renamed into place: a backup killed half-way never looks
complete. A restore checks the manifest, copies the backup in as a new generation, opens and reads
all of it, and only then swaps it in — a damaged backup is refused and the live index left alone.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path

from whoosh import index as whoosh_index

from ...errors import InvalidParameter
from ..staging import file_sha256, staged_directory
from .columns import ColumnCache
from .postings import open_segment
from .scoring import read_postings
from .store import IndexStore

MANIFEST = "MANIFEST.json"


def backup(store: IndexStore, dest: Path) -> Path:
    """A consistent copy of the live generation at ``dest``, taken under the writer lock."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise InvalidParameter(f"backup destination {dest} is not empty")
    with staged_directory(dest) as partial:
        with store.locked():
            shutil.copytree(store.live_dir(), partial, ignore=_not_index_files)
        _write_manifest(partial)
    return dest


def restore(store: IndexStore, src: Path) -> None:
    """Make the backup at ``src`` live, or refuse it with ``InvalidParameter``."""
    src = Path(src)
    if not whoosh_index.exists_in(str(src)):
        raise InvalidParameter(f"{src} holds no index")
    _check_manifest(src)
    with store.building():
        new_dir = (
            store.root / f"gen-restore-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        )
        shutil.copytree(src, new_dir)
        try:
            verify_index(new_dir)
        except Exception as exc:
            shutil.rmtree(new_dir, ignore_errors=True)
            raise InvalidParameter(f"backup at {src} is incomplete or damaged: {exc}") from exc
        store.swap_in(new_dir)


def verify_index(directory: Path) -> None:
    """Open an index and read all of it: every stored chunk, every posting block, every column
    the searches use. Slow on a big index, but a restore must never swap in a broken one."""
    ix = whoosh_index.open_dir(str(directory))
    with ix.searcher() as s:
        n = sum(1 for _ in s.all_stored_fields())
        if n != s.doc_count():
            raise ValueError(f"{n} stored chunks, {s.doc_count()} expected")
        for leaf, _offset in s.reader().leaf_readers():
            if leaf.segment() is None:
                continue
            for fieldname, text in leaf.all_terms():
                read_postings(leaf, fieldname, text)
            flat = open_segment(leaf)  # raises on a flat posting file cut short
            if flat is not None:
                flat.close()
        ColumnCache().for_reader(s.reader())


def _not_index_files(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n.endswith("WRITELOCK")]


def _write_manifest(directory: Path) -> None:
    files = {
        p.name: {"size": p.stat().st_size, "sha256": file_sha256(p)}
        for p in sorted(directory.iterdir())
        if p.is_file() and p.name != MANIFEST
    }
    (directory / MANIFEST).write_text(json.dumps({"files": files}, indent=1), encoding="utf-8")


def _check_manifest(directory: Path) -> None:
    path = directory / MANIFEST
    if not path.exists():
        return  # a copy made by hand: verify_index still reads it whole
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError) as exc:
        raise InvalidParameter(f"backup at {directory} has an unreadable manifest") from exc
    for name, want in files.items():
        p = directory / name
        if not p.is_file() or p.stat().st_size != want["size"] or file_sha256(p) != want["sha256"]:
            raise InvalidParameter(f"backup at {directory} is damaged: {name} differs")
