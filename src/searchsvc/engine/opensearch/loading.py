"""Loading many stories into an index: analysis and the cluster's indexing run at the same time.

A build (``index``, ``reindex``, a restore from an export, the pushed stories a rebuild carries
over) is bound by two costs of similar size: our analysis of each story into token streams
(``stories.story_source``), and the node's indexing of what it is sent. Waiting for each bulk
answer before analysing the next batch would add them up; here the stories are analysed and
encoded into ready NDJSON bulk lines (in ``procs`` processes when asked, so what crosses between
processes is bytes, not nested dicts), grouped into request bodies, and handed through a short
queue to ``SENDERS`` threads that each keep one ``_bulk`` request in flight. A node indexes two
concurrent requests on two threads, so the cluster is never idle while Python works, nor Python
while the cluster does.

What any refused line means is unchanged: lines answered ``429`` (the node's write queue is full)
are sent again after a growing pause, up to ``RETRIES`` times; any other refused line, or a
cluster that does not answer, stops the load with ``IndexBusy`` (nothing of a build is visible
before its alias moves, so stopping is safe).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
import time
from collections.abc import Iterable, Iterator

import orjson
from opensearchpy import OpenSearch
from opensearchpy import exceptions as ox

from ...errors import IndexBusy
from ..models import Chunk, Document
from .connection import call
from .stories import story_source

SENDERS = 2
BODY_CHUNKS = 2_000  # chunks per request body: ~20 stories, a few MB
BODY_BYTES = 16 * 1024 * 1024
RETRIES = 5
FIRST_BACKOFF_S = 1.0
_OPTIONS = orjson.OPT_NON_STR_KEYS


def bulk_lines(story: tuple[Document, list[Chunk], str]) -> tuple[bytes, int]:
    """One story's two NDJSON bulk lines (action and source), and its chunk count."""
    doc, chunks, origin = story
    action = orjson.dumps({"index": {"_id": doc.id}})
    source = orjson.dumps(story_source(doc, chunks, origin), option=_OPTIONS)
    return b"%s\n%s\n" % (action, source), len(chunks)


def load(
    client: OpenSearch,
    index: str,
    stories: Iterable[tuple[Document, list[Chunk], str]],
    procs: int = 1,
) -> None:
    """Index every (document, chunks, origin) of ``stories`` into ``index``."""
    with contextlib.ExitStack() as stack:
        if procs > 1:
            pool = stack.enter_context(multiprocessing.get_context("fork").Pool(procs))
            encoded: Iterator[tuple[bytes, int]] = pool.imap(bulk_lines, stories, chunksize=4)
        else:
            encoded = map(bulk_lines, stories)
        senders = _Senders(client, index)
        try:
            for body in _bodies(encoded):
                senders.put(body)
        finally:
            senders.close()


def _bodies(encoded: Iterable[tuple[bytes, int]]) -> Iterator[list[bytes]]:
    """Stories' bulk lines grouped into request bodies of about ``BODY_CHUNKS`` chunks."""
    body: list[bytes] = []
    chunks = size = 0
    for lines, n in encoded:
        body.append(lines)
        chunks += n
        size += len(lines)
        if chunks >= BODY_CHUNKS or size >= BODY_BYTES:
            yield body
            body, chunks, size = [], 0, 0
    if body:
        yield body


class _Senders:
    """``SENDERS`` threads posting the bodies they are given; the first failure stops them all and
    is raised to the producer (at its next ``put``, or at ``close``)."""

    def __init__(self, client: OpenSearch, index: str):
        self.client, self.index = client, index
        self.queue: queue.Queue[list[bytes] | None] = queue.Queue(maxsize=SENDERS)
        self.error: BaseException | None = None
        self.threads = [
            threading.Thread(target=self._run, name=f"bulk-sender-{i}", daemon=True)
            for i in range(SENDERS)
        ]
        for t in self.threads:
            t.start()

    def put(self, body: list[bytes]) -> None:
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.queue.put(body, timeout=0.5)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Wait for the bodies already queued; raise the first failure, if any."""
        while any(t.is_alive() for t in self.threads):
            try:
                self.queue.put(None, timeout=0.2)  # one per thread; spares are harmless
            except queue.Full:
                if self.error is not None:  # nobody will send what is queued: drop it
                    with contextlib.suppress(queue.Empty):
                        while True:
                            self.queue.get_nowait()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while True:
            body = self.queue.get()
            if body is None or self.error is not None:
                return
            try:
                self._send(body)
            except BaseException as exc:  # handed to the producer, which raises it
                self.error = exc
                return

    def _send(self, lines: list[bytes]) -> None:
        """Post one body; lines answered 429 go again after a pause, any other refusal raises."""
        backoff = FIRST_BACKOFF_S
        for attempt in range(RETRIES + 1):
            try:
                answer = call(self.client.bulk, index=self.index, body=b"".join(lines))
            except IndexBusy as exc:
                cause = exc.__cause__
                if (
                    attempt < RETRIES
                    and isinstance(cause, ox.TransportError)
                    and (cause.status_code == 429)
                ):
                    time.sleep(backoff)
                    backoff *= 2
                    continue
                raise
            if not answer.get("errors"):
                return
            again = []
            for story, item in zip(lines, answer["items"], strict=True):
                ((_, result),) = item.items()
                status = result.get("status", 0)
                if status == 429:
                    again.append(story)
                elif status not in (200, 201):
                    raise IndexBusy(f"OpenSearch refused part of a bulk write: {str(result)[:300]}")
            if not again:
                return
            if attempt == RETRIES:
                break
            lines = again
            time.sleep(backoff)
            backoff *= 2
        raise IndexBusy(f"OpenSearch kept refusing {len(lines)} stories of a bulk write (429)")
