"""The batch segment writer writes exactly the segment Whoosh's own writer writes.

The same chunks go through Whoosh's ``SegmentWriter`` and through ``BatchSegmentWriter`` (both
with NewsCodec) into two fresh indexes: every file of the segment — Whoosh's terms and postings,
lengths, stored fields and facet column, and the flat posting copy — is byte for byte the same,
so are the TOC's statistics, and searches answer the same hits with the same scores. A commit
that also merges older segments (their postings come through Whoosh's pool) and a document the
batch writer leaves to Whoosh (a custom stored value) give the same files too."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import OPTIMIZE, SegmentWriter

from searchsvc.config import Settings
from searchsvc.engine.models import Document, SearchRequest
from searchsvc.engine.service import Engine, _chunked, _read_all
from searchsvc.engine.text.chunking import chunk_document
from searchsvc.engine.whoosh.batch_writer import BatchSegmentWriter
from searchsvc.engine.whoosh.postings import NewsCodec, NewsFrequency
from searchsvc.engine.whoosh.schema import build_schema
from searchsvc.engine.whoosh.store import IndexStore, chunk_fields

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
QUERIES = ["harbour cranes", '"port authority"', "genome OR vaccine", "cran*", "president", ""]


def _rows() -> list[dict]:
    docs = list(_chunked(_read_all([SEEDS], [], None)))
    stories = [
        Document(
            id=f"story-{i}",
            title=f"Harbour story {i} — Ünïcode",
            text=f"The harbour cranes stopped at dawn, day {i}.\n\nDock workers said the "
            f"cranes would restart on day {i + 1}; the port authority disagreed. Ça va.",
            source="Wire",
            kind="article",
            person=["Ana Pérez"],
        )
        for i in range(30)
    ]
    rows = [chunk_fields(doc, chunk) for doc, chunks in docs for chunk in chunks]
    rows += [chunk_fields(d, c, origin="push") for d in stories for c in chunk_document(d)]
    return rows


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return _rows()


def _write(root: Path, batches: list[list[dict]], writer_class: type, merge: bool = False) -> Path:
    """Each batch through one writer of ``writer_class`` and one commit; returns the live dir."""
    store = IndexStore(root, durable=False)
    live = store.live_dir()
    ix = store.open_generation(live)
    for rows in batches:
        w = writer_class(ix, limitmb=64, compound=False, codec=NewsCodec())
        for row in rows:
            w.add_document(**row)
        w.commit(mergetype=OPTIMIZE if merge else None, merge=merge)
    return live


def _segment_files(live: Path) -> dict[tuple[int, str], bytes]:
    """Every segment file by (segment's place in the TOC, extension): names hold random ids."""
    ix = whoosh_index.open_dir(str(live))
    order = {seg.segment_id(): n for n, seg in enumerate(ix._segments())}
    out = {}
    for f in live.iterdir():
        stem, dot, ext = f.name.partition(".")
        if dot and stem in order:
            out[(order[stem], ext)] = f.read_bytes()
    return out


def _statistics(live: Path) -> list:
    ix = whoosh_index.open_dir(str(live))
    return [
        (seg.doc_count_all(), sorted(seg._fieldlengths.items()), sorted(seg.deleted_docs()))
        for seg in ix._segments()
    ]


def _answers(root: Path) -> list:
    engine = Engine(Settings(index_dir=root))
    out = []
    for q in QUERIES:
        r = engine.search(SearchRequest(q=q, per_page=50))
        out.append((q, r.total, [(h.id, h.score) for h in r.hits], r.facets))
    return out


def _assert_same(a: Path, b: Path, root_a: Path, root_b: Path) -> None:
    files_a, files_b = _segment_files(a), _segment_files(b)
    assert sorted(files_a) == sorted(files_b)
    # Document numbers as gaps, counts in a byte, positions in two; stored fields and facets
    # compressed in blocks.
    want = {"pst", "trm", "npd", "nf1", "np2", "npt", "npk", "_chunks.col", "facets.col"}
    assert {ext for _, ext in files_a} >= want
    for key in sorted(files_a):
        assert files_a[key] == files_b[key], f"segment file {key} differs"
    assert _statistics(a) == _statistics(b)
    answers = _answers(root_a)
    assert answers == _answers(root_b)
    assert answers[0][1] > 30 and answers[1][1] >= 30 and answers[0][2][0][1] > 0


def test_a_new_segment_is_the_one_whoosh_writes(rows, tmp_path):
    a = _write(tmp_path / "whoosh", [rows], SegmentWriter)
    b = _write(tmp_path / "batch", [rows], BatchSegmentWriter)
    _assert_same(a, b, tmp_path / "whoosh", tmp_path / "batch")


def test_a_commit_that_merges_older_segments_writes_what_whoosh_writes(rows, tmp_path):
    # Small segments first (Whoosh's writer in both), then a batch whose commit merges them.
    head, tail = rows[:40], rows[40:]
    batches = [head[:10], head[10:25], head[25:], tail]
    a = _write(tmp_path / "whoosh", batches[:3], SegmentWriter)
    b = _write(tmp_path / "batch", batches[:3], SegmentWriter)
    a = _write(tmp_path / "whoosh", batches[3:], SegmentWriter, merge=True)
    b = _write(tmp_path / "batch", batches[3:], BatchSegmentWriter, merge=True)
    assert len(whoosh_index.open_dir(str(b))._segments()) == 1, "the commit merged them all"
    _assert_same(a, b, tmp_path / "whoosh", tmp_path / "batch")


def test_documents_left_to_whoosh_mix_with_the_batch(rows, tmp_path):
    # A document with a custom stored value goes through Whoosh's pool; its postings interleave
    # with the batch's.
    mixed = [
        dict(row, _stored_paragraph=row["paragraph"]) if i % 7 == 3 else row
        for i, row in enumerate(rows[:200])
    ]
    a = _write(tmp_path / "whoosh", [mixed], SegmentWriter)
    b = _write(tmp_path / "batch", [mixed], BatchSegmentWriter)
    _assert_same(a, b, tmp_path / "whoosh", tmp_path / "batch")


def test_the_store_writes_through_the_batch_writer(tmp_path):
    store = IndexStore(tmp_path / "ix", durable=False)
    with store.writer() as w:
        assert isinstance(w.writer, BatchSegmentWriter)


def test_weights_that_are_not_counts_sum_as_whoosh_sums_them(rows, tmp_path):
    # A field boost makes weights fractions, which the batch writer sums block by block in
    # Whoosh's order rather than all at once.
    lives = []
    for name, writer_class in (("whoosh", SegmentWriter), ("batch", BatchSegmentWriter)):
        schema = build_schema()
        schema["exact"].format = NewsFrequency(field_boost=1.3)
        live = tmp_path / name
        live.mkdir()
        ix = whoosh_index.create_in(str(live), schema)
        w = writer_class(ix, limitmb=64, compound=False, codec=NewsCodec())
        for row in rows:
            w.add_document(**row)
        w.commit()
        lives.append(live)
    files_a, files_b = _segment_files(lives[0]), _segment_files(lives[1])
    assert sorted(files_a) == sorted(files_b) and {ext for _, ext in files_a} >= {"trm", "npf"}
    for key in sorted(files_a):
        assert files_a[key] == files_b[key], f"segment file {key} differs"
    assert _statistics(lives[0]) == _statistics(lives[1])  # the float frequency file: fractions
