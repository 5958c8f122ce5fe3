"""The files the engine keeps beside each Whoosh segment.

Flat posting files (engine/postings.py) hold exactly what Whoosh's own postings hold, for every
segment the engine writes — one process, two processes, pushes and merges — and searches give the
same answers with them as through Whoosh's blocks. Facet column files (engine/columns.py) give the
same counts and filters as decoding Whoosh's column, and a damaged one is decoded again."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index

from searchsvc.config import Settings
from searchsvc.engine import pacing
from searchsvc.engine.models import Document, SearchRequest
from searchsvc.engine.service import Engine
from searchsvc.engine.text.chunking import chunk_document
from searchsvc.engine.whoosh.postings import NewsPositions, PostingFiles, term_info
from searchsvc.errors import InvalidParameter

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
FLAT_EXTS = (".npt", ".npd", ".npi", ".nf1", ".nf2", ".npf", ".np2", ".npp")
COLUMN_EXT = ".fcols"


def _story(i: int) -> Document:
    return Document(
        id=f"story-{i}",
        title=f"Harbour story {i}",
        text=f"The harbour cranes stopped at dawn, day {i}.\n\n"
        f"Dock workers said the harbour cranes would restart on day {i + 1}; "
        "the port authority disagreed.",
        source="Wire",
        kind="article",
    )


def _whoosh_postings(leaf, fieldname, text):
    """Whoosh's postings as stored, deleted chunks included (searches mask those)."""
    btext = leaf._text_to_bytes(fieldname, text)
    m = leaf._terms.matcher(fieldname, btext, leaf.schema[fieldname].format)
    ids, weights, values = [], [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        values.append(m.value())
        m.next()
    return ids, weights, values


def _assert_flat_files_match(index_dir: Path) -> int:
    """Every term of every segment: ids, weights and (for ``text``) positions agree."""
    ix = whoosh_index.open_dir(str(index_dir))
    files = PostingFiles()
    checked = 0
    with ix.searcher() as s:
        for leaf, _ in s.reader().leaf_readers():
            flat = files.of(leaf)
            assert flat is not None, "every segment the engine writes has flat postings"
            for fieldname, text in leaf.all_terms():
                row = flat.find(leaf, fieldname, text)
                ids, tf = flat.postings(row)
                w_ids, w_weights, w_values = _whoosh_postings(leaf, fieldname, text)
                assert ids.tolist() == w_ids, (fieldname, text)
                assert tf.tolist() == pytest.approx(w_weights), (fieldname, text)
                fmt = leaf.schema[fieldname].format
                if isinstance(fmt, NewsPositions):
                    got_ids, got_pos = flat.positions_in(row, np.asarray(w_ids, dtype=np.int64))
                    want = [
                        (d, p)
                        for d, v in zip(w_ids, w_values, strict=True)
                        for p in fmt.decode_positions(v)
                    ]
                    assert list(zip(got_ids.tolist(), got_pos.tolist(), strict=True)) == want
                checked += 1
    return checked


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Engine:
    """Seeds indexed with two processes, then pushes (small segments, merged by Whoosh) and a
    delete."""
    eng = Engine(Settings(index_dir=tmp_path_factory.mktemp("ix")))
    eng.index_paths([SEEDS], procs=2)
    for i in range(12):
        eng.put_document(_story(i))
    eng.delete_document("story-3")
    return eng


def test_flat_postings_equal_whoosh_postings_in_every_segment(written):
    assert _assert_flat_files_match(written.backend.store.live_dir()) > 1000


def test_single_process_build_writes_matching_flat_postings(tmp_path):
    eng = Engine(Settings(index_dir=tmp_path / "ix"))
    eng.index_paths([SEEDS])
    assert _assert_flat_files_match(eng.backend.store.live_dir()) > 1000


def test_terms_looked_up_together_get_the_rows_and_counts_of_one_at_a_time(written):
    """A question's terms looked up together (one search of the term keys per segment) find
    the rows ``find`` finds one by one, and count the postings Whoosh's ``doc_frequency``
    counts, deleted chunks included."""
    view = written.backend.reader.view()
    leaves = [leaf for leaf, _ in view.searcher.reader().leaf_readers()]
    for fieldname in ("text", "exact", "title", "speaker_t"):
        texts = sorted(
            {t.decode() for leaf in leaves for f, t in leaf.all_terms() if f == fieldname}
        )
        texts = [*texts[::7], "nosuchword", ""]
        together, alone = PostingFiles(), PostingFiles()  # nothing remembered between them
        found = 0
        for leaf in leaves:
            rows = together.of(leaf).find_many(leaf, fieldname, texts)
            assert rows == [alone.of(leaf).find(leaf, fieldname, t) for t in texts], fieldname
            assert rows[-2:] == [None, None]
            found += sum(r is not None for r in rows)
        assert found >= len(texts) - 2, fieldname  # every real term is in some segment
        counts, _ = written.backend.reader.document_frequencies(fieldname, texts)
        assert counts == {t: view.searcher.reader().doc_frequency(fieldname, t) for t in texts}


def test_many_terms_scattered_together_score_as_one_at_a_time(written, monkeypatch):
    """An OR of many terms (a question's, a prefix's) scatters all their postings at once; the
    match set and every float32 score are those of adding the terms one after another."""
    from whoosh import query as wq

    from searchsvc.engine.whoosh import scoring

    view = written.backend.reader.view()
    leaves = [leaf for leaf, _ in view.searcher.reader().leaf_readers()]
    texts = sorted({t.decode() for leaf in leaves for f, t in leaf.all_terms() if f == "text"})
    terms = [wq.Term(f, t) for t in texts[::5] for f in ("text", "exact", "title")]
    assert len(terms) > 100
    together = written.backend.reader._scorer(view)._terms(terms, 1.5, True)
    monkeypatch.setattr(scoring, "LOOK_UP_TOGETHER", len(terms))  # the term-by-term loop
    alone = written.backend.reader._scorer(view)._terms(terms, 1.5, True)
    assert together.mask.any()
    assert np.array_equal(together.mask, alone.mask)
    assert np.array_equal(together.score.view(np.uint32), alone.score.view(np.uint32))
    assert (together.score[together.mask] > 0).all()


def test_phrase_positions_from_flat_files_respect_the_candidates(written):
    ix = whoosh_index.open_dir(str(written.backend.store.live_dir()))
    with ix.searcher() as s:
        leaf = next(leaf for leaf, _ in s.reader().leaf_readers() if ("text", "harbour") in leaf)
        flat = PostingFiles().of(leaf)
        row = flat.find(leaf, "text", "harbour")
        all_ids, _ = flat.postings(row)
        some = np.asarray(all_ids[::2], dtype=np.int64)
        ids, positions = flat.positions_in(row, some)
        assert set(ids.tolist()) == set(some.tolist())
        assert len(positions) == len(ids) and positions.min() >= 0
        none_ids, _ = flat.positions_in(row, np.array([10**9], dtype=np.int64))
        assert len(none_ids) == 0
        assert term_info(leaf, "text", "no-such-word-anywhere") is None
        assert flat.find(leaf, "text", "no-such-word-anywhere") is None
        assert flat.find(leaf, "text", "harbour") == row  # remembered


QUERIES = [
    '"harbour cranes"',
    '"port authority"',
    "harbour cranes",
    '"genome sequence"',
    "dock OR genome",
    "harbour -authority",
    "cran*",
]


def _answers(engine: Engine) -> list[tuple]:
    out = []
    for q in QUERIES:
        r = engine.search(SearchRequest(q=q, per_page=50))
        out.append((q, r.total, [(h.id, round(h.score, 4)) for h in r.hits]))
    return out


def test_search_answers_match_an_index_without_flat_files(written, tmp_path):
    """An index written before the flat files existed is searched through Whoosh's blocks: copy
    the live index without them and compare every answer."""
    copy = tmp_path / "copy"
    shutil.copytree(written.backend.store.root, copy, symlinks=True)
    live = copy / "live"
    removed = [f for f in live.resolve().iterdir() if f.suffix in FLAT_EXTS]
    assert removed
    for f in removed:
        f.unlink()
    without = Engine(Settings(index_dir=copy))
    with_files = _answers(written)
    assert with_files == _answers(without)
    # both paragraphs of every story but the deleted one; one paragraph names the port authority
    assert [t for _, t, _ in with_files][:2] == [22, 11]


def _facets(engine: Engine) -> list[dict]:
    out = []
    for q, filters in [("", {}), ("harbour", {"source": ["wire"]}), ("genome", {})]:
        r = engine.search(SearchRequest(q=q, filters=filters, per_page=5))
        out.append({"total": r.total, "facets": r.facets, "hits": [h.id for h in r.hits]})
    return out


def test_column_files_are_written_once_and_give_the_same_facets(written, tmp_path, caplog):
    expected = _facets(written)  # the first search decodes segments pushed since the last one
    live = written.backend.store.live_dir()
    segments = {f.name.split(".")[0] for f in live.iterdir() if f.suffix == ".npt"}
    files = sorted(f for f in live.iterdir() if f.suffix == COLUMN_EXT)
    assert {f.name.split(".")[0] for f in files} == segments, "one column file per segment"
    assert expected[1]["total"] > 0 and expected[0]["facets"]["kind"]

    copy = tmp_path / "copy"
    shutil.copytree(written.backend.store.root, copy, symlinks=True)
    copied = sorted(f for f in (copy / "live").resolve().iterdir() if f.suffix == COLUMN_EXT)
    assert _facets(Engine(Settings(index_dir=copy))) == expected  # loaded from the files

    for f in copied:
        f.unlink()
    assert _facets(Engine(Settings(index_dir=copy))) == expected  # decoded, and written again
    assert all(f.exists() for f in copied)

    copied[0].write_bytes(b"not a column file")
    assert _facets(Engine(Settings(index_dir=copy))) == expected
    assert "ignoring column file" in caplog.text


def _truncate_first(directory: Path, ext: str) -> Path:
    victim = sorted(f for f in directory.iterdir() if f.suffix == ext and f.stat().st_size > 8)[0]
    with victim.open("r+b") as f:
        f.truncate(victim.stat().st_size // 2)
    return victim


def test_a_flat_file_cut_short_falls_back_to_whoosh_with_the_same_answers(
    written, tmp_path, caplog
):
    copy = tmp_path / "copy"
    shutil.copytree(written.backend.store.root, copy, symlinks=True)
    _truncate_first((copy / "live").resolve(), ".npd")
    damaged = Engine(Settings(index_dir=copy))
    assert _answers(damaged) == _answers(written)
    assert "flat postings of segment" in caplog.text and "unusable" in caplog.text


def test_restore_refuses_a_backup_whose_flat_postings_are_cut_short(written, tmp_path):
    backup = written.backup(tmp_path / "backup")
    (backup / "MANIFEST.json").unlink()  # a copy made by hand: only reading it whole can tell
    _truncate_first(backup, ".np2")
    target = Engine(Settings(index_dir=tmp_path / "target"))
    target.index_paths([SEEDS])
    before = _answers(target)
    with pytest.raises(InvalidParameter, match="damaged"):
        target.restore(backup)
    assert _answers(target) == before


def test_a_batch_bigger_than_the_posting_pool_is_written_as_several_complete_segments(tmp_path):
    from searchsvc.engine.whoosh.store import IndexStore

    store = IndexStore(tmp_path / "ix", pool_mb=1)  # about a hundred stories per pool
    stories = [_story(i) for i in range(300)]
    n_docs, n_chunks = store.add_documents((d, chunk_document(d)) for d in stories)
    assert (n_docs, n_chunks) == (300, 600)
    ix = store.open()
    assert len(ix._segments()) >= 3, "the pool filled several times: one segment per fill"
    assert ix.doc_count() == 600
    assert _assert_flat_files_match(store.live_dir()) > 100
    eng = Engine(Settings(index_dir=tmp_path / "ix"))
    assert eng.search(SearchRequest(q='"port authority"')).total == 300


def test_giving_way_at_every_safe_point_changes_no_answer(written, monkeypatch):
    """A search paced as under the gevent worker, pausing at every safe point (no interval),
    while each pause does what a worker may do meanwhile (answer /health, which looks at the
    live generation): the same answers and facets as without pauses. A second engine on the
    same index, so that no answer comes from the first one's cache."""
    expected = (_answers(written), _facets(written))
    fresh = Engine(Settings(index_dir=written.backend.store.root))
    pauses: list[int] = []
    monkeypatch.setattr(pacing, "INTERVAL", 0.0)
    pacing.install(lambda: pauses.append(fresh.stats()["chunks"]))
    try:
        paced = (_answers(fresh), _facets(fresh))
    finally:
        pacing.install(None)
    assert paced == expected
    assert len(pauses) > 10 * len(QUERIES), len(pauses)  # terms, segments, facets, hits
    assert set(pauses) == {written.stats()["chunks"]}


def test_a_view_holds_its_segments_stored_fields_when_a_merge_removes_them(tmp_path):
    """Another worker's commit may merge segments away and delete their files while this worker
    opens its view: a file the view already holds open outlives its unlinking, so the view's
    searches still render every hit instead of failing half-way."""
    eng = Engine(Settings(index_dir=tmp_path / "ix"))
    for i in range(3):
        eng.put_document(_story(i))  # a segment each, or merged: either way segments on disk
    view = eng.backend.reader.view()
    leaves = [leaf for leaf, _ in view.searcher.reader().leaf_readers()]
    live = eng.backend.store.live_dir()
    removed = 0
    for leaf in leaves:  # what a merge's cleanup does to the segments it replaced
        for path in live.glob(f"*{leaf.segment().segment_id()}*"):
            path.unlink()
            removed += 1
    assert removed
    stored = [view.searcher.stored_fields(n) for n in range(view.searcher.doc_count_all())]
    assert {s["doc_id"] for s in stored} == {"story-0", "story-1", "story-2"}
