"""A backup any cluster can make and any cluster can restore: every story, as JSON lines.

Snapshots need a repository every node can reach (a shared ``fs`` path under ``path.repo``, or S3
on AWS); an export needs nothing but the searchsvc host's disk. It is read through one scroll, so it
is a consistent view of the index at the moment it started, whatever is written meanwhile. Like the
Whoosh backup, it is written to a temporary directory with a manifest (counts and SHA-256) written
last, then renamed into place: an export killed half-way never looks complete, and a damaged one is
refused before anything is replaced.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opensearchpy import helpers

from ...errors import InvalidParameter
from ..staging import file_sha256, staged_directory

FORMAT = "searchsvc-opensearch-export-1"
MANIFEST = "MANIFEST.json"
STORIES = "stories.jsonl.gz"
SOURCE = ["doc_id", "version", "origin", "doc", "chunks.stored", "chunks.id"]


def write(client: Any, index: str, dest: Path) -> Path:
    with staged_directory(dest) as partial:
        partial.mkdir()
        stories = chunks = 0
        with gzip.open(partial / STORIES, "wt", encoding="utf-8") as out:
            for hit in helpers.scan(
                client, index=index, query={"query": {"match_all": {}}}, _source_includes=SOURCE,
                preserve_order=False, size=500, scroll="5m",
            ):  # fmt: skip
                out.write(json.dumps(hit["_source"], ensure_ascii=False) + "\n")
                stories += 1
                chunks += len(hit["_source"].get("chunks", []))
        manifest = {
            "format": FORMAT,
            "index": index,
            "stories": stories,
            "chunks": chunks,
            "sha256": file_sha256(partial / STORIES),
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return dest


def is_export(path: Path) -> bool:
    return (path / STORIES).exists() or (path / MANIFEST).exists()


def read(src: Path) -> Iterator[dict[str, Any]]:
    """The stories of an export, after checking it whole against its manifest."""
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError(f"format {manifest.get('format')!r}")
        if file_sha256(src / STORIES) != manifest["sha256"]:
            raise ValueError(f"{STORIES} differs from its manifest")
        with gzip.open(src / STORIES, "rt", encoding="utf-8") as f:
            count = sum(1 for _ in f)
        if count != manifest["stories"]:
            raise ValueError(f"{count} stories, {manifest['stories']} expected")
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise InvalidParameter(f"backup at {src} is incomplete or damaged: {exc}") from exc
    return _stories(src / STORIES)


def _stories(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)
