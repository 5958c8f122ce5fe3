"""Bulk loads on a real cluster (``engine/opensearch/loading.py``): a build overlapped over two
sender threads and analysis processes is complete and opened for reads as any index is, and a
line the cluster refuses stops the load with ``IndexBusy`` rather than leaving it half done in
silence or hanging its threads."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from searchsvc.config import Settings
from searchsvc.engine.models import Chunk, Document
from searchsvc.engine.opensearch import loading
from searchsvc.engine.opensearch.backend import OpenSearchBackend
from searchsvc.engine.service import Engine
from searchsvc.engine.text.chunking import chunk_document
from searchsvc.errors import IndexBusy

pytestmark = pytest.mark.cluster

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
STORIES = 40  # with BODY_CHUNKS lowered below: several bodies, both senders busy


@pytest.fixture(scope="module")
def urls(request: pytest.FixtureRequest) -> str:
    """The cluster the backend tests use (``SEARCHSVC_TEST_OPENSEARCH_URL`` or the session's)."""
    existing = os.environ.get("SEARCHSVC_TEST_OPENSEARCH_URL")
    if existing:
        return existing
    return ",".join(request.getfixturevalue("opensearch_cluster").urls)


def cluster_settings(urls: str, alias: str, **more: Any) -> Settings:
    """A fresh alias on the test cluster, with the suite's 2 primaries and 1 replica."""
    return Settings.from_env(
        {},
        backend="opensearch",
        opensearch_url=urls,
        opensearch_index=alias,
        opensearch_shards=2,
        opensearch_replicas=1,
        **more,
    )


@pytest.fixture
def cluster_backend(urls: str) -> Iterator[OpenSearchBackend]:
    alias = f"loading-{uuid.uuid4().hex[:8]}"
    b = OpenSearchBackend(cluster_settings(urls, alias))
    yield b
    b.client.indices.delete(index=f"{alias}*", ignore_unavailable=True)


def stories() -> list[tuple[Document, list[Chunk]]]:
    out = []
    for i in range(STORIES):
        doc = Document(
            id=f"load-{i}",
            title=f"Briefing number {i}",
            text=f"The spokesperson opened briefing {i}.\n\nQuestions on vaccine supply {i}.\n\n"
            f"Answers about shipments and the port of call {i}.",
            date="2026-01-02",
        )
        out.append((doc, chunk_document(doc)))
    return out


def test_an_overlapped_build_is_complete_and_opened_for_reads(
    cluster_backend: OpenSearchBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loading, "BODY_CHUNKS", 7)  # many small bodies in flight at once
    given = stories()
    docs, chunks = cluster_backend.rebuild(given, procs=2)
    assert (docs, chunks) == (STORIES, sum(len(c) for _, c in given))
    live = cluster_backend.live_index()
    assert cluster_backend.client.count(index=cluster_backend.alias)["count"] == STORIES
    stats = cluster_backend.stats()
    assert (stats["documents"], stats["chunks"]) == (docs, chunks)
    index = cluster_backend.client.indices.get_settings(index=live)[live]["settings"]["index"]
    assert index.get("translog", {}).get("durability", "request") == "request", index
    assert index.get("refresh_interval") in (None, "1s"), index
    assert index["number_of_replicas"] == "1", index


def test_a_refused_line_stops_the_load_with_index_busy(cluster_backend: OpenSearchBackend) -> None:
    index = f"{cluster_backend.alias}-strict"
    cluster_backend.client.indices.create(
        index=index,
        body={"mappings": {"dynamic": "strict", "properties": {"other": {"type": "keyword"}}}},
    )
    with pytest.raises(IndexBusy, match="refused part of a bulk write"):
        loading.load(cluster_backend.client, index, ((d, c, "file") for d, c in stories()), procs=1)
    assert not [t for t in threading.enumerate() if t.name.startswith("bulk-sender")]


def test_a_two_process_reindex_stores_what_one_process_stores(urls: str, tmp_path: Path) -> None:
    """Reading and chunking spread over processes (``engine/reading.py``) change nothing stored."""
    stored = []
    for procs in (1, 2):
        alias = f"loading-{uuid.uuid4().hex[:8]}"
        engine = Engine(cluster_settings(urls, alias, index_dir=tmp_path / f"ix{procs}"))
        try:
            report = engine.index_paths([SEEDS], procs=procs, into_new=True)
            found = engine.backend.client.search(
                index=alias,
                body={"size": 100, "query": {"match_all": {}}, "sort": [{"doc_id": "asc"}]},
                _source_excludes=["stamp"],
            )["hits"]["hits"]
            stored.append((report.documents, report.chunks, [h["_source"] for h in found]))
        finally:
            engine.backend.client.indices.delete(index=f"{alias}*", ignore_unavailable=True)
    assert stored[0] == stored[1]
    assert stored[0][0] == len(stored[0][2]) == 5
    assert any(c["facet"].get("speaker") for s in stored[0][2] for c in s["chunks"])
