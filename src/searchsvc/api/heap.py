"""Garbage collection in a serving worker: the index it opened is never traversed again.

CPython's cyclic collector walks every tracked container of the generation it collects, and the
oldest generation holds everything a worker keeps for its life: the open index's readers and the
decoded facet columns (lists with an entry per chunk, hundreds of thousands on a full index). A
full collection of a warmed worker took 45 ms of CPU on the full wh-briefings index, and under
load one ran every few hundred requests in the middle of a search, where no safe point lets the
worker read and refuse what arrives (``engine.pacing``): they were the only loop stalls over 20 ms
left (``python -m bench stalls``). None of that is garbage: it lives until the worker moves to a
newer generation of the index.

So once the index is open and warm, ``freeze`` collects what garbage there is and moves every
surviving object into the permanent generation (``gc.freeze``), which collections skip; a full
collection then walks only what requests allocated since. Frozen objects are still freed by
reference counting when the index they belong to is replaced; only cycles among them would
outlive it, so after the worker has moved to a newer generation ``refreeze`` (at most every
``REFREEZE_EVERY``) thaws, collects everything once and freezes again.

CPython's thresholds are kept (700, 10, 10): with the index frozen, the collections of the
young generations cost ≈ 0.15 ms of CPU per search in all. A youngest generation of 10,000 made
fewer of them but bigger ones: a generation-1 collection in the middle of a wildcard search
walked that search's live containers for 49 ms (``bench stalls``, 2026-12-01).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

REFREEZE_EVERY = 60.0  # seconds: the least time between two full collections for a new index


class Heap:
    """When this worker last froze its long-lived objects, and for which index generation."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.generation: int | None = None
        self.frozen_at = float("-inf")

    def freeze(self, generation: int | None) -> None:
        """Collect once, then exempt every object alive now from later collections."""
        gc.collect()
        gc.freeze()
        self.generation, self.frozen_at = generation, self.clock()

    def refreeze(self, generation: int | None) -> bool:
        """After a move to another index generation (and ``REFREEZE_EVERY`` since the last
        time): thaw, so that what the old generation left in cycles is collected, and freeze
        the new one. True when it did."""
        if generation == self.generation or self.clock() - self.frozen_at < REFREEZE_EVERY:
            return False
        gc.unfreeze()
        self.freeze(generation)
        return True
