"""Keep query-sized arrays on the heap.

Every query builds a handful of dense numpy arrays as long as the index (scoring.py, search.py):
1.5 MB each at the full corpus. glibc serves allocations that big with a fresh ``mmap`` and
returns them with ``munmap``, so each array costs the kernel a page fault and a zeroed page per
4 KB, every time. Raising the mmap threshold (and the trim threshold above it) makes freed arrays
reusable heap memory instead: in-process search got ~20 % faster on the benchmark queries for
~10 MB more resident memory (BENCHMARKS.md). Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 256 * 1024 * 1024  # arrays below this come from the heap
TRIM_THRESHOLD = 128 * 1024 * 1024  # free heap above this goes back to the system

_done = False
_libc: ctypes.CDLL | None = None


def keep_large_arrays_on_heap() -> bool:
    """Tune glibc's allocator once per process; True when it took."""
    global _done
    if _done:
        return True
    global _libc
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    _libc = libc
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    _done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    log.debug("glibc mallopt thresholds set: %s", _done)
    return _done


def release_free_memory() -> None:
    """Give free heap back to the system now (``malloc_trim``): called after loading a generation,
    whose temporaries the raised trim threshold would otherwise keep resident."""
    if _libc is not None:
        _libc.malloc_trim(0)
