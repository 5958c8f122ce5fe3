"""The benchmarks' two load generators record the same answers.

``bench overload`` runs the compiled generator (``bench/loadgen-c``) when a C compiler is here,
because it costs the shared cores a fraction of the Python one's CPU; the verdict lines read the
same fields from either. So against the real server, the same paths must come back with the same
status, error code, message and ``Retry-After`` from both, and a port nobody listens on must be
"no answer" (status 0, with why) from both.
"""

from __future__ import annotations

import sys

import pytest

from helpers import ROOT, Server, free_port

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.loadgen import closed_loop, compiled_generator, open_loop

PATHS = [
    "/health",
    "/search?q=harbour",
    "/search?q=minister&per_page=abc",  # 400: a JSON error with a message
    "/search?q=%C3%A9t%C3%A9&per_page=%C3%A9",  # its message quotes non-ASCII text
    "/nothing-here",  # 404
]


def _seen(answers) -> dict[str, tuple]:
    return {a.path: (a.status, a.code, a.message, a.retry_after, a.error, a.app_ms is None)
            for a in answers}  # fmt: skip


@pytest.fixture(scope="module")
def compiled() -> None:
    if compiled_generator() is None:
        pytest.skip("no C compiler: the bench falls back to the Python generator")


def test_both_generators_record_the_same_answers(server: Server, compiled: None) -> None:
    fast = open_loop(server.url, PATHS, rate=25, seconds=0.2, generator="c")
    slow = open_loop(server.url, PATHS, rate=25, seconds=0.2, generator="python")
    assert len(fast) == len(slow) == len(PATHS)
    assert _seen(fast) == _seen(slow)
    seen = _seen(fast)
    assert seen["/health"][0] == 200 and seen["/search?q=harbour"][0] == 200
    assert seen["/nothing-here"][:2] == (404, "not_found")
    assert seen["/search?q=minister&per_page=abc"][0] == 400 and seen[PATHS[2]][2]
    scheduled = sorted(a.scheduled for a in fast)
    assert 0.035 < scheduled[1] - scheduled[0] < 0.045  # 25/s: one every 40 ms
    assert all(a.latency_ms > 0 and a.send_lag_ms >= 0 for a in fast)
    searched = next(a for a in fast if a.path == "/search?q=harbour")
    assert searched.app_ms is not None and 0 < searched.app_ms < searched.latency_ms


def test_the_closed_loop_keeps_its_clients_busy(server: Server, compiled: None) -> None:
    answers = closed_loop(server.url, ["/health"], clients=3, seconds=0.3, generator="c")
    assert len(answers) > 3 and {a.status for a in answers} == {200}


def test_no_answer_is_status_zero_with_the_reason(compiled: None) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    for generator in ("c", "python"):
        (answer,) = open_loop(nobody, ["/health"], rate=10, seconds=0.1, generator=generator)
        assert answer.status == 0 and answer.error, (generator, answer)
