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

from index_compat import QUERIES, RELATED, answers, related_answers

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
    expected = json.loads((DATA / "index-v1-expected.json").read_text(encoding="utf-8"))[query]
    # Fields a later release adds to the response are not the old index's to keep.
    answer = {k: v for k, v in old_index_answers[query].items() if k in expected}
    assert _by_hit(answer) == _by_hit(expected)


@pytest.fixture(scope="module")
def old_index_related(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("compat-related") / "ix"
    shutil.copytree(DATA / "index-v1", root, symlinks=True)
    return related_answers(root)


@pytest.mark.parametrize("case", [f"{doc_id}:{paragraph}" for doc_id, paragraph in RELATED])
def test_old_index_finds_related_passages_as_it_did(old_index_related: dict, case: str) -> None:
    """The old index indexes each chunk's id; ``related`` now finds a chunk by its document's
    id and the stored paragraph, and must find the same one (or fail the same way)."""
    expected = json.loads((DATA / "index-v1-related.json").read_text(encoding="utf-8"))[case]
    answer = old_index_related[case]
    if "error" in expected:
        assert answer == expected
    else:
        assert _by_hit(answer) == _by_hit(expected)


@pytest.mark.parametrize("part", ["_documents", "_stats"])
def test_old_index_documents_and_counts(old_index_answers: dict, part: str) -> None:
    expected = json.loads((DATA / "index-v1-expected.json").read_text(encoding="utf-8"))
    assert old_index_answers[part] == expected[part]


def test_an_old_index_takes_new_writes_and_merges_them_with_its_old_segments(tmp_path) -> None:
    """A story pushed into an old index is written in today's layout (block-compressed stored
    fields, narrow flat files) beside segments in the old one; a merge of the two reads each as
    it was written, and both kinds answer."""
    from whoosh import index as whoosh_index

    from searchsvc.config import Settings
    from searchsvc.engine.models import Document, SearchRequest
    from searchsvc.engine.service import Engine
    from searchsvc.engine.whoosh.batch_writer import BatchSegmentWriter
    from searchsvc.engine.whoosh.postings import NewsCodec

    root = tmp_path / "ix"
    shutil.copytree(DATA / "index-v1", root, symlinks=True)
    expected = json.loads((DATA / "index-v1-expected.json").read_text(encoding="utf-8"))
    engine = Engine(Settings.from_env({}, index_dir=root))
    for i in range(3):
        engine.put_document(
            Document(
                id=f"pushed-{i}",
                title=f"Quayside notice {i}",
                text=f"The quayside cranes stopped at dawn on day {i}.",
                source="Wire",
                kind="article",
            )
        )
    found = engine.search(SearchRequest(q="quayside cranes", per_page=10))
    assert sorted(h.document["id"] for h in found.hits) == ["pushed-0", "pushed-1", "pushed-2"]
    for doc_id, document in expected["_documents"].items():
        assert engine.get_document(doc_id) == document
    live = (root / "live").resolve()
    assert any(live.glob("*._chunks.col")), "the new segment is in the new layout"
    store = engine.backend.store
    with store.locked():  # merge every segment, old and new, into one, as a busy index would
        BatchSegmentWriter(store.open(), compound=False, codec=NewsCodec()).commit(optimize=True)
    assert len(whoosh_index.open_dir(str(live))._segments()) == 1
    assert not any(live.glob("*._stored.col")) and any(live.glob("*._chunks.col"))
    engine = Engine(Settings.from_env({}, index_dir=root))
    assert len(engine.search(SearchRequest(q="quayside cranes", per_page=10)).hits) == 3
    for doc_id, document in expected["_documents"].items():
        assert engine.get_document(doc_id) == document
