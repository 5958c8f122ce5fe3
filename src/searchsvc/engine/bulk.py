"""Bulk writes: many stories and deletions, each answered on its own, stored in batches.

A CMS back-filling its archive sends thousands of stories at once. Committing each on its own
costs a commit (and, on Whoosh, a new segment and a new generation for every reader) per story;
Elasticsearch-style bulk commits a batch at once. Every line still behaves as the single call
would: an older version is refused for that line alone (and changes nothing), a delete of a story
that is not there is a 404 for that line, a bad line fails alone, and a line is acknowledged only
once the commit holding it is durable and searchable.

A backend's ``write_batch`` takes the operations in request order. The same id twice in one batch
is applied in order too: ``runs`` cuts a batch where an id comes back, and a backend stores the
runs one after the other (the later one sees the earlier one's result, as across requests).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..errors import SearchsvcError
from .models import Chunk, Document


@dataclass(frozen=True)
class Put:
    """Replace-or-add one chunked story, refused when older than the stored one."""

    doc: Document
    chunks: list[Chunk]

    @property
    def doc_id(self) -> str:
        return self.doc.id


@dataclass(frozen=True)
class Delete:
    """Remove every chunk of a story; ``DocumentNotFound`` when there is none."""

    doc_id: str


Op = Put | Delete

#: What one operation came to: for a ``Put`` True when the story was new and False when it
#: replaced one, for a ``Delete`` None, or the error that line alone gets.
Outcome = bool | None | SearchsvcError


def runs(ops: Sequence[Op]) -> Iterator[list[tuple[int, Op]]]:
    """(position, op) runs in which no id appears twice, cut where an id comes back: a store that
    only sees committed (or refreshed) state applies each run on top of the previous one."""
    run: list[tuple[int, Op]] = []
    ids: set[str] = set()
    for i, op in enumerate(ops):
        if op.doc_id in ids:
            yield run
            run, ids = [], set()
        run.append((i, op))
        ids.add(op.doc_id)
    if run:
        yield run


#: How many times its preparation (parsing, checking, chunking) a batch's storing is assumed to
#: take at most, before the request's own pace is known: measured at about 3 with Whoosh (the
#: write, its commit and a merge of the request's own earlier segments included).
STORE_PER_PREPARE = 4.0
#: Share of the remaining time budget a batch is sized to fill (the rest absorbs a slow commit).
BUDGET_SHARE = 0.5


class BatchSizer:
    """How many lines the next batch may hold, so that a batch ends before the request's
    deadline: a commit cannot be cut short (Whoosh's also merges small segments, in Python), and
    the worker answering the request is killed at its timeout.

    The first batch takes up to ``most`` lines, and is cut sooner once preparing its lines took
    so long that storing them too (``STORE_PER_PREPARE`` times as long) would not fit into
    ``BUDGET_SHARE`` of the time left: a loaded machine prepares slowly too, so this holds
    there as well, and a request of ``most`` lines is one commit on a quiet one instead of a
    small first commit whose segment the later ones merge and write again. Each later batch
    holds at most four times the last and ``most``, and only as many as the pace so far (seconds
    per line, preparation and commit included) fits into ``BUDGET_SHARE`` of the time left."""

    def __init__(self, most: int, deadline: float | None):
        self.most = max(1, most)
        self.deadline = deadline
        self.limit = self.most
        self.paced = False  # a batch has been stored: ``limit`` comes from the pace so far

    def full(self, lines: int, preparing: float = 0.0) -> bool:
        """True when a batch of ``lines`` lines, prepared in ``preparing`` seconds, is to be
        stored now."""
        if lines >= self.limit:
            return True
        if self.paced or self.deadline is None:
            return False
        left = self.deadline - time.perf_counter()
        return preparing * (1 + STORE_PER_PREPARE) > BUDGET_SHARE * left

    def done(self, lines: int, seconds: float) -> None:
        """A batch of ``lines`` took ``seconds``: size the next one."""
        limit = min(self.most, max(lines, 1) * 4)
        if self.deadline is not None and lines and seconds > 0:
            left = self.deadline - time.perf_counter()
            limit = min(limit, int(BUDGET_SHARE * left * lines / seconds))
        self.limit = max(1, limit)
        self.paced = True
