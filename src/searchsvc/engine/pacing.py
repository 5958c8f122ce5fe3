"""Long computations give way, at safe points, to the loop that serves the process's connections.

A gevent worker serves every connection from one thread and reads a new request only when the
code that is computing lets its loop run. A search that computes for 200 ms unbroken therefore
delays every request that arrives meanwhile by up to 200 ms, even one the worker would refuse at
once. So the engine calls :func:`give_way` between two whole steps of a search (terms, segments,
facet fields, hits), where nothing it holds is shared with what may run meanwhile; at most once
per ``INTERVAL`` of computing it calls the function the server installed with :func:`install`.

The engine knows nothing of gevent: the worker installs a function that lets its loop poll the
sockets (``time.sleep(0)`` is not one: gevent runs up to 50 ready greenlets before it polls, so
a search yielding every few milliseconds would still be read past for 100 ms or more). Without
one (a sync or threaded worker, the command line) a call costs one clock read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

INTERVAL = 0.002  # seconds of computing between two pauses: the loop's reaction time

_pause: Callable[[], None] | None = None
_last = 0.0


def install(pause: Callable[[], None] | None) -> None:
    """``pause`` is called at safe points of long computations (None: never)."""
    global _pause
    _pause = pause


def give_way() -> None:
    """Lets the serving loop run if ``INTERVAL`` has passed since it last did."""
    global _last
    if _pause is None:
        return
    now = time.monotonic()
    if now - _last >= INTERVAL:
        _pause()
        _last = time.monotonic()


def paced(items: Iterable[T]) -> Iterator[T]:
    """``items``, giving way before each (a loop over hits, segments or fields)."""
    for item in items:
        give_way()
        yield item
