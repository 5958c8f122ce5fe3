"""Columns compressed in blocks of chunks give back exactly what was written to them."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

from searchsvc.engine.whoosh.blocks import BlockColumn, StoredBlockColumn


def _round_trip(tmp_path: Path, column, values: dict[int, object], doccount: int) -> list:
    storage = FileStorage(str(tmp_path)).create()
    f = storage.create_file("col")
    f.write(b"head")  # a column need not start at the file's beginning
    start = f.tell()
    writer = column.writer(f)
    for docnum in sorted(values):
        writer.add(docnum, values[docnum])
    writer.finish(doccount)
    length = f.tell() - start
    f.close()
    reader = column.reader(storage.open_file("col"), start, length, doccount)
    return [reader[n] for n in range(doccount)]


def _chunk(doc: int, paragraph: int) -> dict:
    meta = {"id": f"d{doc}", "title": f"Briefing {doc}", "person": ["A. Speaker"], "n": doc}
    return {"id": f"d{doc}:{paragraph}", "text": f"paragraph {paragraph} " * 40, "doc": meta}


def test_stored_fields_come_back_whole_across_blocks_and_gaps(tmp_path):
    # 300 chunks of 12 documents: blocks of 8 KB hold parts of several, and a document spans
    # blocks; some chunks store nothing (read as None, as Whoosh's column reads them).
    values = {n: _chunk(n // 25, n % 25) for n in range(300) if n % 17 != 5}
    got = _round_trip(tmp_path, StoredBlockColumn(), values, 310)
    assert got == [values.get(n) for n in range(310)]
    assert got[1]["doc"] is not got[2]["doc"], "every read is a fresh dict"


def test_a_document_changing_inside_a_block_keeps_each_chunks_own_metadata(tmp_path):
    a, b = _chunk(1, 0), _chunk(2, 0)
    values = {0: a, 1: dict(a, id="d1:1"), 2: b, 3: dict(a, id="d1:2"), 4: dict(b, id="d2:1")}
    assert _round_trip(tmp_path, StoredBlockColumn(), values, 5) == list(values.values())


@pytest.mark.parametrize("doccount", [0, 1, 5000])
def test_a_facet_column_reads_every_value_in_order(tmp_path, doccount):
    values = {n: f"kind\x1e{n % 7}\x1espeaker {n // 40}".encode() for n in range(0, doccount, 3)}
    got = _round_trip(tmp_path, BlockColumn(), values, doccount)
    assert got == [values.get(n, b"") for n in range(doccount)]
