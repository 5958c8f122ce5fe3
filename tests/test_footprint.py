"""What a worker costs beyond the index: the allocator tuning (engine/allocator.py) makes the
index-sized arrays a query builds and drops reused heap memory, not fresh pages the kernel must
fault in and zero each time; and loading the app does not drag in scipy through nltk
(engine/stemmer.py)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

# A query's allocation pattern: masks and scores as long as the index (371k chunks), several
# alive at once, freed in another order than allocated.
QUERIES = """
import resource, sys
import numpy as np
if sys.argv[1] == "tuned":
    from searchsvc.engine.allocator import keep_large_arrays_on_heap
    assert keep_large_arrays_on_heap()
N = 371_000
def query():
    masks = [np.zeros(N, bool) for _ in range(3)]
    scores = [np.zeros(N, np.float32) for _ in range(3)]
    m = masks[0] & masks[1]
    s = scores[0] + scores[1]
    rows = np.flatnonzero(m | masks[2])
    order = np.zeros(N, np.int64)
    del masks, scores
    return s[rows].sum() + order[:10].sum()
query()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(100):
    query()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _page_faults(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", QUERIES, mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="tunes glibc only")
def test_query_sized_arrays_stop_faulting_pages_once_tuned():
    untuned, tuned = _page_faults("untuned"), _page_faults("tuned")
    assert untuned > 20_000  # ~1,500 faults per query: every big array is a fresh mapping
    assert tuned < untuned / 10


def test_the_app_loads_without_scipy_even_where_scipy_is_installed():
    code = "import sys, searchsvc.api.app; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    code = (
        "import searchsvc.engine.text.analysis as a; print(a.stem('running'), a.stem('briefings'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["run", "brief"]
