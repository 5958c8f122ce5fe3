"""The command line, run as a user runs it: the installed `searchsvc` entry point in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
COMMANDS = ["index", "search", "show", "serve", "reindex", "backup", "restore", "config"]


def run(*args: str, index_dir: Path | None = None) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "searchsvc.cli", *args]
    if index_dir is not None:
        argv += ["--index-dir", str(index_dir)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "ix"
    done = run("index", "--quiet", str(SEEDS), index_dir=path)
    assert done.returncode == 0, done.stderr
    assert "indexed 5 documents" in done.stdout
    return path


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    done = run(command, "--help")
    assert done.returncode == 0 and "Usage:" in done.stdout


def test_search_prints_ranked_snippets_with_citations(index_dir):
    done = run("search", "genome", index_dir=index_dir)
    assert done.returncode == 0, done.stderr
    assert "results for 'genome'" in done.stdout
    assert "[genome]" in done.stdout.lower()  # marks, as brackets when not on a terminal
    assert "/documents/" in done.stdout and "¶" in done.stdout


def test_search_json_is_the_http_contract(index_dir):
    done = run("search", "genome", "--json", "--per-page", "2", index_dir=index_dir)
    body = json.loads(done.stdout)
    assert set(body) == {
        "query", "total", "page", "per_page", "took_ms", "hits", "facets", "suggestion"
    }  # fmt: skip
    assert body["per_page"] == 2 and len(body["hits"]) == 2
    hit = body["hits"][0]
    assert {"id", "score", "rank", "document", "paragraph", "speaker", "role", "text", "snippet",
            "highlights", "citation"} <= set(hit)  # fmt: skip


def test_show_prints_numbered_paragraphs_and_speakers(index_dir):
    done = run("show", "000_a2191ec13ae00466", index_dir=index_dir)
    assert done.returncode == 0
    assert "Xu Nanping (official):" in done.stdout
    assert "¶1" in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("show", "no-such-document"),
        ("search", "genome", "--per-page", "0"),
        ("search", "genome", "--date-from", "yesterday"),
    ],
)
def test_errors_are_one_line_and_a_nonzero_exit(index_dir, args):
    done = run(*args, index_dir=index_dir)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), done.stderr
    assert "Traceback" not in done.stderr


def test_index_twice_gives_the_same_counts(index_dir):
    done = run("index", "--quiet", str(SEEDS), index_dir=index_dir)
    assert "index now holds 5 documents" in done.stdout


@pytest.mark.parametrize("backend", ["opensearch", "solr"])
@pytest.mark.parametrize("module", ["searchsvc.cli", "searchsvc.serve"])
def test_a_backend_that_cannot_run_fails_at_start_with_one_line(tmp_path, backend, module):
    import os

    env = {**os.environ, "SEARCHSVC_BACKEND": backend, "SEARCHSVC_INDEX_DIR": str(tmp_path)}
    argv = [sys.executable, "-m", module] + (["search", "genome"] if module.endswith("cli") else [])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "SEARCHSVC_BACKEND" in lines[0] and "[config_error]" in lines[0]
    assert "Traceback" not in done.stderr
