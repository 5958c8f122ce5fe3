"""Bulk loads on a real cluster (``engine/opensearch/loading.py``): a build overlapped over two
sender threads and analysis processes is complete and opened for reads as any index is, and a
line the cluster refuses stops the load with ``IndexBusy`` rather than leaving it half done in
silence or hanging its threads."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest

from searchsvc.config import Settings
from searchsvc.engine.models import Chunk, Document
from searchsvc.engine.opensearch import loading
from searchsvc.engine.opensearch.backend import OpenSearchBackend
from searchsvc.engine.text.chunking import chunk_document
from searchsvc.errors import IndexBusy

pytestmark = pytest.mark.cluster

STORIES = 40  # with BODY_CHUNKS lowered below: several bodies, both senders busy


@pytest.fixture(scope="module")
def urls(request: pytest.FixtureRequest) -> str:
    """The cluster the backend tests use (``SEARCHSVC_TEST_OPENSEARCH_URL`` or the session's)."""
    existing = os.environ.get("SEARCHSVC_TEST_OPENSEARCH_URL")
    if existing:
        return existing
    return ",".join(request.getfixturevalue("opensearch_cluster").urls)


@pytest.fixture
def cluster_backend(urls: str) -> Iterator[OpenSearchBackend]:
    alias = f"loading-{uuid.uuid4().hex[:8]}"
    settings = Settings.from_env(
        {},
        backend="opensearch",
        opensearch_url=urls,
        opensearch_index=alias,
        opensearch_shards=2,
        opensearch_replicas=1,
    )
    b = OpenSearchBackend(settings)
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
