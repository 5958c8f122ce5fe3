"""The benchmark scripts keep working: each ``--quick`` mode runs on a handful of documents.

No timing is asserted here (timing goals live in bench/ and BENCHMARKS.md); these tests only check
that every command runs end to end against the current engine and writes a well-formed results
file. They need the shared corpora (``../shared/corpora`` or ``SEARCHSVC_CORPUS``) and the ``bench``
extra (tantivy, ranx, psutil); without them they skip and say why.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("SEARCHSVC_CORPUS") or REPO.parent / "shared/corpora/wh-briefings")
CISI = REPO.parent / "shared/corpora/cisi"
QUERIES = REPO / "bench/queries.json"
CATEGORIES = {
    "frequent", "two_terms", "phrase", "speaker_name", "rare", "speaker_filter", "year_filter",
    "group_document", "question", "prefix", "boolean",
}  # fmt: skip

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"benchmark corpus not found at {CORPUS} (set SEARCHSVC_CORPUS)"
)
needs_cisi = pytest.mark.skipif(not CISI.is_dir(), reason=f"CISI collection not found at {CISI}")


@pytest.fixture(autouse=True)
def _bench_extra():
    for mod in ("tantivy", "ranx", "psutil"):  # find_spec: importing ranx (numba) costs seconds
        if importlib.util.find_spec(mod) is None:
            pytest.skip(f"{mod} missing: pip install -e '.[bench]'")


def run_bench(tmp_path: Path, *args: str) -> dict:
    """``python -m bench ARGS`` with results and temp indexes under tmp_path; the one results file."""
    results = tmp_path / "results"
    env = {**os.environ, "SEARCHSVC_BENCH_RESULTS": str(results), "SEARCHSVC_CORPUS": str(CORPUS)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", *args, "--workdir", str(tmp_path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    files = list(results.glob("*-quick-*.json"))
    assert len(files) == 1, files
    return json.loads(files[0].read_text())


def test_query_set_is_valid():
    data = json.loads(QUERIES.read_text(encoding="utf-8"))
    queries = data["queries"]
    assert len(queries) >= 300
    assert {q["category"] for q in queries} == CATEGORIES
    for q in queries:
        assert isinstance(q["q"], str) and q["q"].strip()
        for field, values in (q.get("filters") or {}).items():
            assert (
                field in {"speaker", "year"} and values and all(isinstance(v, str) for v in values)
            )
        assert q.get("group") in (None, "document")
    assert any(q.get("filters", {}).get("speaker") for q in queries)
    assert any(q.get("filters", {}).get("year") for q in queries)
    assert sum(q.get("group") == "document" for q in queries) >= 20
    assert len({(q["q"], json.dumps(q.get("filters"), sort_keys=True), q.get("group"))
                for q in queries}) == len(queries)  # fmt: skip


@needs_corpus
def test_tantivy_reference_quick(tmp_path):
    out = run_bench(tmp_path, "tantivy", "--limit", "10", "--max-queries", "40")
    assert out["indexing"]["chunks"] > 0
    assert out["latency_ms"]["all"]["n"] == 40


@needs_corpus
def test_indexing_quick(tmp_path):
    # procs=2 exercises Whoosh's multi-process writer; procs=1 is what the latency test builds.
    out = run_bench(tmp_path, "indexing", "--limit", "5", "--procs", "2")
    runs = out["runs"]
    assert set(runs) == {"searchsvc procs=2", "tantivy"}
    chunks = {r["chunks"] for r in runs.values()}
    assert len(chunks) == 1 and chunks.pop() > 0  # both systems saw the same chunks
    assert all(r["size_mb"] > 0 and r["peak_rss_mb_tree"] > 0 for r in runs.values())


@needs_corpus
def test_in_process_latency_quick(tmp_path):
    out = run_bench(tmp_path, "latency", "--limit", "10", "--max-queries", "40", "--profile")
    assert out["searchsvc"]["all"]["n"] == 40 and out["tantivy"]["all"]["n"] == 40
    assert out["searchsvc"]["warm"]["all"]["n"] == 40  # second uncached pass, postings cached
    assert out["ratio_p50"] is not None and out["ratio_warm_p50"] is not None
    assert out["index"]["chunks"] > 0
    for which in ("profile", "profile_warm"):  # cold (fresh engine) and warm cProfile passes
        assert out["searchsvc"][which]["cumulative"] and out["searchsvc"][which]["total_s"] > 0
    assert out["machine"]["src_changed_during_run"] in (True, False)


def test_stalls_quick(tmp_path):
    out = run_bench(tmp_path, "stalls", "--quick", "--max-queries", "40", "--threshold-ms", "0")
    assert out["requests"] == 40 and set(out["statuses"]) == {"200"}, out["statuses"]
    assert out["stretch_ms"]["n"] > 40  # at least the stretch from each request's start
    longest = out["longest"]  # every stretch is kept at a threshold of 0
    assert longest and all(s["from"] and s["to"] for s in longest)
    assert [s["cpu_ms"] for s in longest] == sorted((s["cpu_ms"] for s in longest), reverse=True)


@needs_corpus
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk missing (Debian: apt-get install wrk)")
def test_http_quick(tmp_path):
    out = run_bench(tmp_path, "http", "--limit", "10", "--max-queries", "40",
                    "--workers", "1", "--duration", "1")  # fmt: skip
    rep = out["replay_2_workers"]
    assert rep["client"]["n"] == 40 and rep["errors"] == 0
    assert set(rep["server_log"]["search_statuses"]) == {"200"}  # read from gunicorn's access log
    for run in out["load"].values():
        assert run["qps"] and run["non_2xx"] == 0, run
        assert run["server_log"]["search_statuses"].get("200", 0) > 0, run["server_log"]
        assert run["rss_mb"]["workers"]
        sizes = zip(run["rss_mb"]["workers_uss"], run["rss_mb"]["workers"], strict=True)
        assert all(0 < uss <= rss for uss, rss in sizes)  # private pages are part of the RSS


@needs_cisi
def test_cisi_quick(tmp_path):
    out = run_bench(tmp_path, "cisi", "--quick", "--limit", "300", "--max-queries", "6")
    systems = out["systems"]
    assert set(systems) == {"tantivy BM25", "searchsvc default", "searchsvc or"}
    for s in systems.values():
        assert 0.0 <= s["metrics"]["ndcg@10"] <= 1.0
    assert out["collection"]["docs"] == 300


def test_analytics_quick(tmp_path):
    out = run_bench(tmp_path, "analytics", "--quick", "--max-queries", "20")
    assert out["insert_ms"]["n"] == 500 and out["insert_ms"]["p50"] > 0
    assert out["http_ms"]["on"]["n"] == out["http_ms"]["off"]["n"] == 20


def test_judged_set_is_complete():
    """Every pooled passage has a grade 0–3, the queries carry a need and a type, no text is kept:
    grades and pool name passages by document id and a hash of their words."""
    judged_dir = REPO / "bench/judged"
    queries = json.loads((judged_dir / "queries.json").read_text(encoding="utf-8"))["queries"]
    assert len(queries) >= 40
    assert {q["type"] for q in queries} == {"topic", "name", "quote", "question"}
    assert all(q["query"].strip() and q["need"].strip() for q in queries)
    pool = json.loads((judged_dir / "pool.json").read_text(encoding="utf-8"))
    assert set(pool["pool"]) == {q["id"] for q in queries}
    grades: dict[tuple[str, str], int] = {}
    for line in (judged_dir / "qrels.tsv").read_text(encoding="utf-8").splitlines():
        qid, doc_id, digest, grade = line.split("\t")
        assert re.fullmatch(r"[0-9a-f]{16}", digest), line
        grades[qid, f"{doc_id}#{digest}"] = int(grade)
    assert set(grades.values()) <= {0, 1, 2, 3}
    unjudged = [(q, k) for q, keys in pool["pool"].items() for k in keys if (q, k) not in grades]
    assert not unjudged, unjudged[:10]


def test_judged_quick(tmp_path):
    out = run_bench(tmp_path, "judged", "--quick")
    metrics = out["metrics"]
    assert metrics["queries_scored"] > 0
    for name in ("ndcg@10", "map@100", "mrr", "unjudged@10"):
        assert 0.0 <= metrics[name] <= 1.0, (name, metrics)
    assert metrics["ndcg@10"] > 0  # the seeds' own queries find something relevant
    assert len(out["per_query"]) == 10


def test_judgements_follow_the_passage_not_its_number():
    """A grade is found again after re-chunking as long as the passage's words are the same."""
    from bench.judged.collection import passage_key

    key = passage_key("doc", "Thank you, Jen.  And hello —  everyone.")
    assert key == passage_key("doc", "thank you jen and hello everyone")
    assert key != passage_key("other-doc", "Thank you, Jen. And hello — everyone.")
    assert key != passage_key("doc", "Thank you, Jen. And hello — everyone. Today")
