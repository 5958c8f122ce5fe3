"""A build with ``procs=2`` (postings written by two builder processes, ``whoosh/parallel.py``)
gives the index a one-process build gives: the same documents, chunks and answers; the later copy
of an id met twice; ids indexed before replaced; and a builder that dies fails the whole build
with nothing committed, no segment file left behind and no process left over."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from helpers import ROOT, SEEDS, small_tmpfs
from searchsvc.config import Settings
from searchsvc.engine.models import SearchRequest
from searchsvc.engine.service import Engine
from searchsvc.errors import InsufficientStorage

BRIEFINGS = ROOT.parent / "shared" / "corpora" / "wh-briefings"

QUERIES = [
    SearchRequest(q="president"),
    SearchRequest(q="the", per_page=50),
    SearchRequest(q='"the president"'),
    SearchRequest(q="health OR economy", page=2),
    SearchRequest(q="question -answer"),
    SearchRequest(q="secret*"),
    SearchRequest(q="people", group="document"),
    SearchRequest(q="we", sort="date"),
]


def _files() -> list[Path]:
    if not BRIEFINGS.is_dir():
        pytest.skip("../shared/corpora/wh-briefings is absent")
    return [SEEDS, *sorted(BRIEFINGS.rglob("*.md"))[:6]]


def _chunks(engine: Engine) -> list[str]:
    with engine.backend.store.open().searcher() as s:
        rows = [json.dumps(f, sort_keys=True, default=str) for f in s.all_stored_fields()]
    return sorted(rows)


def _answers(engine: Engine) -> list[tuple]:
    out = []
    for request in QUERIES:
        r = engine.search(request)
        hits = [(h.id, h.paragraph, round(h.score, 6), h.snippet) for h in r.hits]
        out.append((r.total, hits, r.facets))
    return out


def _write(folder: Path, docs: dict[str, tuple[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (doc_id, body) in docs.items():
        (folder / f"{name}.json").write_text(
            json.dumps({"id": doc_id, "title": name, "body": body})
        )
    return folder


def _no_builders_left() -> None:
    assert not [
        p for p in multiprocessing.active_children() if p.name == "searchsvc-segment-builder"
    ]
    left = [c for c in psutil.Process().children(recursive=True)]
    assert not [c for c in left if c.status() == psutil.STATUS_ZOMBIE], left


def test_two_builders_give_the_documents_chunks_and_answers_of_one_process(tmp_path: Path) -> None:
    files = _files()
    engines = []
    for procs in (1, 2):
        engine = Engine(Settings(index_dir=tmp_path / f"ix{procs}"))
        report = engine.index_paths(files, procs=procs)
        engines.append((engine, report.documents, report.chunks))
    (one, docs1, chunks1), (two, docs2, chunks2) = engines
    assert (docs1, chunks1) == (docs2, chunks2) and chunks1 > 500
    segments = two.backend.store.open()._segments()
    assert len(segments) >= 2  # both builders wrote
    assert _chunks(one) == _chunks(two)
    assert _answers(one) == _answers(two)
    assert _answers(one)[0][0] > 0
    _no_builders_left()


def test_the_later_copy_of_an_id_wins_and_indexed_ids_are_replaced(tmp_path: Path) -> None:
    engine = Engine(Settings(index_dir=tmp_path / "ix"))
    engine.index_paths([_write(tmp_path / "before", {"old": ("kept-id", "Stale harbour text.")})])
    many = {f"n{i:02d}": (f"doc-{i}", f"Filler story {i} about ferries.") for i in range(30)}
    first = {"a-first": ("twice", "First copy mentions a lighthouse.")}
    later = {"z-later": ("twice", "Later copy mentions a windmill.")}
    again = {"m-again": ("kept-id", "Fresh harbour text.")}
    folder = _write(tmp_path / "run", {**first, **many, **again, **later})
    report = engine.index_paths([folder], procs=2)
    assert report.documents == 33
    assert engine.search(SearchRequest(q="lighthouse")).total == 0
    assert [h.id for h in engine.search(SearchRequest(q="windmill")).hits] == ["twice:1"]
    assert engine.search(SearchRequest(q="stale")).total == 0
    assert engine.search(SearchRequest(q="fresh harbour")).total == 1
    assert engine.search(SearchRequest(q="ferries")).total == 30
    assert engine.stats()["chunks"] == 32


@pytest.mark.parametrize("into_new", [False, True], ids=["index", "reindex"])
def test_a_builder_that_dies_fails_the_build_and_commits_nothing(
    tmp_path: Path, into_new: bool
) -> None:
    engine = Engine(Settings(index_dir=tmp_path / "ix"))
    engine.index_paths([SEEDS])
    before = engine.stats()["chunks"]
    store = engine.backend.store
    live = store.live_dir()
    files_before = sorted(p.name for p in live.iterdir())
    seen = [0]

    def kill_a_builder(n: int) -> None:
        seen[0] += n
        if seen[0] == 2:
            builders = [
                p
                for p in multiprocessing.active_children()
                if p.name == "searchsvc-segment-builder"
            ]
            assert len(builders) == 2
            os.kill(builders[0].pid, signal.SIGKILL)

    with pytest.raises(RuntimeError, match="builder process died"):
        engine.index_paths(_files(), progress=kill_a_builder, procs=2, into_new=into_new)
    _no_builders_left()
    assert store.live_dir() == live
    assert sorted(p.name for p in live.iterdir()) == files_before
    assert sorted(p.name for p in store.root.glob("gen-*")) == [live.name]
    assert engine.stats()["chunks"] == before
    engine.index_paths([SEEDS], procs=2)  # the lock was released, the index is writable
    assert engine.stats()["chunks"] == before


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with small_tmpfs(tmp_path / "disk", "3m") as mount:
        yield mount


def test_a_full_disk_in_a_builder_is_insufficient_storage_in_the_parent(small_disk: Path) -> None:
    engine = Engine(Settings(index_dir=small_disk / "ix"))
    live = engine.backend.store.live_dir()
    files_before = sorted(p.name for p in live.iterdir())
    with pytest.raises(InsufficientStorage) as raised:
        engine.index_paths(_files(), procs=2)  # segments far larger than the disk
    assert any("index builder process" in note for note in raised.value.__cause__.__notes__)
    _no_builders_left()
    left = sorted(p.name for p in live.iterdir() if p.name != "MAIN_WRITELOCK")  # Whoosh's own
    assert left == files_before
    assert engine.stats()["chunks"] == 0


def test_facet_values_with_equal_counts_are_listed_by_value(tmp_path: Path, monkeypatch) -> None:
    # Codes follow the order values are first met, which is the order of the index's segments;
    # the list must not: equal counts by value, the ones kept at the limit too.
    from searchsvc.engine.whoosh import reader

    monkeypatch.setattr(reader, "FACET_LIMIT", 3)
    folder = tmp_path / "docs"
    folder.mkdir()
    for n, source in enumerate(["Zeta Wire", "Mid Post", "Alpha Times", "Beta News", "Mid Post"]):
        body = {"id": f"s{n}", "title": "t", "body": "Ferries ran.", "source": source}
        (folder / f"s{n}.json").write_text(json.dumps(body))
    engine = Engine(Settings(index_dir=tmp_path / "ix"))
    engine.index_paths([folder])
    facets = engine.search(SearchRequest(q="ferries")).facets["source"]
    assert facets == [
        {"value": "Mid Post", "count": 2},
        {"value": "Alpha Times", "count": 1},
        {"value": "Beta News", "count": 1},
    ]
