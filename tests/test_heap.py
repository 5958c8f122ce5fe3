"""The worker's long-lived objects are frozen out of garbage collection, and refrozen for a new
index generation (``api/heap.py``)."""

from __future__ import annotations

import gc

from searchsvc.api.heap import REFREEZE_EVERY, Heap


def test_freezing_exempts_live_objects_and_a_new_generation_is_refrozen_not_too_often() -> None:
    now = [100.0]
    heap = Heap(clock=lambda: now[0])
    kept = [[i] for i in range(1000)]  # long-lived containers, like an index's columns
    try:
        heap.freeze(generation=1)
        frozen = gc.get_freeze_count()
        assert frozen >= len(kept)
        assert not heap.refreeze(generation=1)  # same index: nothing to do
        now[0] += REFREEZE_EVERY / 2
        assert not heap.refreeze(generation=2)  # too soon after the last full collection
        assert heap.generation == 1
        now[0] += REFREEZE_EVERY
        more = [[i] for i in range(1000)]  # the new generation's objects
        assert heap.refreeze(generation=2)
        assert heap.generation == 2
        assert gc.get_freeze_count() >= frozen + len(more) - 100
    finally:
        gc.unfreeze()
