"""Reading and chunking in worker processes (``engine/reading.py``) gives exactly what one process
gives: the same documents and chunks in the same order, the furniture of each batch and the
speakers of each window decided across documents as before, the same files and records skipped in
the same order, and the same index through ``Engine.index_paths``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from searchsvc.config import Settings
from searchsvc.engine import reading, service
from searchsvc.engine.models import Chunk, Document
from searchsvc.engine.service import Engine
from searchsvc.engine.text.repeated import without_repeated

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def _shared() -> Path | None:
    env = os.environ.get("SEARCHSVC_SHARED")
    if env:
        return Path(env)
    return next((b / "shared" for b in ROOT.parents if (b / "shared" / "corpora").is_dir()), None)


SHARED = _shared()


@pytest.fixture
def paths(tmp_path: Path) -> list[Path]:
    """Real transcripts and briefings (many of one site and of shared events), the seeds, a file
    with one bad record among good ones, an unreadable file and a path that is not there."""
    if SHARED is None:
        pytest.skip("../shared/corpora is absent")
    briefings = sorted((SHARED / "corpora" / "wh-briefings").rglob("*.md"))[:40]
    records = tmp_path / "pushed.ndjson"
    records.write_text(
        json.dumps({"id": "ok-1", "title": "Port", "body": "Ships arrived.\n\nCrews left."})
        + "\n{not json\n"
        + json.dumps({"id": "ok-2", "title": "Rail", "body": "Trains ran late."})
        + "\n"
    )
    broken = tmp_path / "broken.json"
    broken.write_bytes(b"\xff\xfe{")
    return [
        SHARED / "corpora" / "transcripts",
        *briefings,
        SEEDS,
        records,
        broken,
        tmp_path / "missing",
    ]


def _run(
    paths: list[Path], procs: int
) -> tuple[list[tuple[Document, list[Chunk]]], list[tuple[str, str]], int]:
    skipped: list[tuple[str, str]] = []
    files = [0]

    def progress(n: int) -> None:
        files[0] += n

    if procs == 1:
        read = service._read_all(paths, skipped, progress)
        return list(service._chunked(without_repeated(read, batch=16))), skipped, files[0]
    with reading.ReadingPool(procs) as pool:
        read = service._read_all(paths, skipped, progress, pool)
        out = list(service._chunked(without_repeated(read, batch=16), pool.chunk))
    return out, skipped, files[0]


def test_two_processes_read_and_chunk_exactly_what_one_does(
    paths: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # small batches, windows and tasks: many boundaries, many tasks in flight at once
    monkeypatch.setattr(service, "IDENTITY_WINDOW", 20)
    monkeypatch.setattr(reading, "GROUP_DOCS", 3)
    one, skipped_one, files_one = _run(paths, 1)
    two, skipped_two, files_two = _run(paths, 2)
    assert len(one) > 50 and sum(len(c) for _, c in one) > 3_000
    assert any(doc.metadata_paragraphs for doc, _ in one)  # furniture was found and marked
    assert any(doc.kind == "transcript" for doc, _ in one)  # the chunker's own change came back
    assert [repr(d) for d, _ in two] == [repr(d) for d, _ in one]
    assert [repr(c) for _, c in two] == [repr(c) for _, c in one]
    assert skipped_two == skipped_one
    assert [Path(p).name for p, _ in skipped_one] == ["pushed.ndjson", "broken.json", "missing"]
    assert files_two == files_one


def test_a_two_process_build_is_the_one_process_build(paths: list[Path], tmp_path: Path) -> None:
    small = paths[-4:]  # the seeds, the records, the unreadable file, the missing path
    reports, stored = [], []
    for procs in (1, 2):
        eng = Engine(Settings(index_dir=tmp_path / f"ix{procs}"))
        report = eng.index_paths(small, procs=procs)
        reports.append((report.documents, report.chunks, report.skipped))
        stored.append([eng.get_document(d.id) for d in service._read_all(small, [], None)])
    assert reports[0] == reports[1]
    assert reports[0][0] == 7 and len(reports[0][2]) == 3
    assert stored[0] == stored[1]
