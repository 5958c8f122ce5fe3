"""The soak benchmark, short, on the seeds: mixed searches, CMS writes, deletes and bulk batches
through the real gunicorn for ~40 s; no error, no acknowledged write lost, no worker replaced,
open files flat. (``python -m bench soak`` is the 10-minute run on the full corpus; its RSS and
p99 targets are timing-like figures and are checked there, not here.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from helpers import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytestmark = pytest.mark.slow


def test_short_soak_loses_nothing_and_leaks_no_descriptors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("psutil")
    from bench import soak

    monkeypatch.setenv("SEARCHSVC_BENCH_RESULTS", str(tmp_path / "results"))
    args = argparse.Namespace(
        quick=True, minutes=0.7, index_dir=None, corpus=None, limit=None, workdir=str(tmp_path),
        searchers=2, search_rate=15.0, write_every=0.4, bulk_every=8.0,
    )  # fmt: skip
    result = soak.run(args)
    assert result["errors_total"] == 0, result["errors"]
    assert result["lost_total"] == 0, result["lost"]
    assert result["verdict"]["workers never replaced"]
    assert result["verdict"][f"open files flat (<= live generation + {soak.FD_SLACK})"], result
    key = f"replaced files let go (<= {soak.FD_SLACK} deleted open at the end)"
    assert result["verdict"][key], result
    assert result["cms_writes"] >= 30 and result["bulk_lines"] >= 40, result
    assert result["documents_checked"] >= 50
    assert list((tmp_path / "results").glob("soak-quick-*.json"))
