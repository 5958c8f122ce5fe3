"""An index written by an earlier release opens and answers as it did.

Whoosh pickles the schema's analyzer and posting formats by module path into every index and
backup, so moving those classes would make old indexes unreadable. ``tests/data/index-v1`` was
written before the engine's packages moved (its TOC names ``searchsvc.engine.analysis`` and
``searchsvc.engine.postings``); ``index-v1-expected.json`` holds what it answered then.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index_compat import QUERIES, answers

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def old_index_answers(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("compat") / "ix"
    shutil.copytree(DATA / "index-v1", root, symlinks=True)
    return answers(root)


def test_fixture_names_the_old_module_paths() -> None:
    toc = next((DATA / "index-v1" / "gen-v1").glob("*.toc")).read_bytes()
    assert b"searchsvc.engine.analysis" in toc
    assert b"searchsvc.engine.postings" in toc


def _by_hit(result: dict) -> dict:
    """A result with its hits keyed by id and without scores or ranks: ranking may improve
    between releases; what an old index must keep is which chunks match and how each renders."""
    hits = {
        h["id"]: {k: v for k, v in h.items() if k not in ("score", "rank")} for h in result["hits"]
    }
    return {**{k: v for k, v in result.items() if k != "hits"}, "hits": hits}


@pytest.mark.parametrize("query", QUERIES)
def test_old_index_answers_identically(old_index_answers: dict, query: str) -> None:
    expected = json.loads((DATA / "index-v1-expected.json").read_text(encoding="utf-8"))
    assert _by_hit(old_index_answers[query]) == _by_hit(expected[query])


@pytest.mark.parametrize("part", ["_documents", "_stats"])
def test_old_index_documents_and_counts(old_index_answers: dict, part: str) -> None:
    expected = json.loads((DATA / "index-v1-expected.json").read_text(encoding="utf-8"))
    assert old_index_answers[part] == expected[part]
