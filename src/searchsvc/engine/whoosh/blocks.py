"""Whoosh columns compressed a block of consecutive chunks at a time.

Whoosh compresses each chunk's stored fields on their own (zlib over a few hundred bytes) and
keeps the facet column raw, so what every chunk of a document repeats — its document's title,
url, source, date and lists of people, the same facet values — was written once per chunk: 60 %
of the index on disk (BENCHMARKS.md). A ``BlockColumn`` gathers consecutive values into blocks of
a few kilobytes and compresses each block with zstd, the way Lucene and tantivy store documents;
repetition within a block then costs almost nothing, and reading a value decompresses one small
block (tens of microseconds), kept in a small per-reader cache for the next hit nearby.

``StoredBlockColumn`` also writes a chunk's ``doc`` dict once per block, pickled on its own after
the block's chunks; each chunk stores its number in that list. A read unpickles the chunk and its
document afresh, so no caller ever shares a dict with another.

File layout (little-endian): the compressed blocks one after the other, then ``uint32`` first
document number of each block, ``uint64`` offset of each block and of the index, and a 16-byte
trailer (block count, index offset, magic). A decompressed block is ``uint32`` number of values,
``uint32`` number of entries (the values, then whatever they share), ``uint32`` end of each entry,
then the entries.
"""

from __future__ import annotations

import os
import pickle
import struct
import threading
from array import array
from bisect import bisect_right
from collections import OrderedDict
from typing import Any

import numpy as np
import zstandard
from whoosh.columns import Column, ColumnReader, ColumnWriter

MAGIC = b"NBC2"
_TRAILER = struct.Struct("<IQ4s")
_HEADER = struct.Struct("<II")
STORED_BLOCK_BYTES = 4 * 1024  # a hit decompresses about this much (~10 µs)
FACET_BLOCK_BYTES = 64 * 1024  # read in order, once per segment: bigger blocks, smaller file
CACHED_BLOCKS = 64  # per reader (one segment's column)
LEVEL = 3


class BlockColumn(Column):
    """Bytes per document, zstd-compressed in blocks of consecutive documents."""

    reversible = False
    _default = b""

    def __init__(self, block_bytes: int = FACET_BLOCK_BYTES, level: int = LEVEL):
        self._block_bytes = block_bytes
        self._level = level

    def writer(self, dbfile: Any) -> ColumnWriter:
        return _BlockWriter(dbfile, self._block_bytes, self._level)

    def reader(self, dbfile: Any, basepos: int, length: int, doccount: int) -> ColumnReader:
        return _BlockReader(dbfile, basepos, length, doccount)


class StoredBlockColumn(BlockColumn):
    """A chunk's stored-fields dict per document, its ``doc`` dict written once per block."""

    _default = None

    def __init__(self, block_bytes: int = STORED_BLOCK_BYTES, level: int = LEVEL):
        super().__init__(block_bytes, level)

    def writer(self, dbfile: Any) -> ColumnWriter:
        return _StoredWriter(dbfile, self._block_bytes, self._level)

    def reader(self, dbfile: Any, basepos: int, length: int, doccount: int) -> ColumnReader:
        return _StoredReader(dbfile, basepos, length, doccount)


class _BlockWriter(ColumnWriter):
    def __init__(self, dbfile: Any, block_bytes: int, level: int):
        super().__init__(dbfile)
        self._block_bytes = block_bytes
        self._compressor = zstandard.ZstdCompressor(level=level)
        self._values: list[bytes] = []
        self._size = 0
        self._firsts = array("I")
        self._offsets = array("Q")
        self._written = 0  # bytes of blocks written: Whoosh's column file ``tell`` is O(blocks)

    def add(self, docnum: int, value: Any) -> None:
        while self._count < docnum:
            self._append(b"")
        self._append(self._encode(value))

    def add_many(self, docnum: int, values: list[Any]) -> None:
        """The values of documents ``docnum`` onwards, one per document (None for a document
        without one): the bytes ``add`` writes for each that has one."""
        while self._count < docnum:
            self._append(b"")
        encode, append = self._encode, self._append
        for value in values:
            append(encode(value))

    def _encode(self, value: Any) -> bytes:
        return value or b""

    def _append(self, value: bytes) -> None:
        self._values.append(value)
        self._size += len(value)
        self._count += 1
        if self._size >= self._block_bytes:
            self._flush()

    def _flush(self) -> None:
        values = self._values
        if not values:
            return
        self._firsts.append(self._count - len(values))
        self._offsets.append(self._written)
        entries = [*values, *self._shared()]
        ends = np.cumsum([len(v) for v in entries], dtype="<u4")
        raw = b"".join([_HEADER.pack(len(values), len(entries)), ends.tobytes(), *entries])
        block = self._compressor.compress(raw)
        self._dbfile.write(block)
        self._written += len(block)
        self._values = []
        self._size = 0

    def _shared(self) -> list[bytes]:
        """What the block's values share, written after them (and forgotten for the next)."""
        return []

    def finish(self, doccount: int) -> None:
        while self._count < doccount:
            self._append(b"")
        self._flush()
        index_at = self._written
        self._offsets.append(index_at)
        firsts = np.frombuffer(self._firsts, dtype=np.uint32).astype("<u4")
        offsets = np.frombuffer(self._offsets, dtype=np.uint64).astype("<u8")
        self._dbfile.write(firsts.tobytes() + offsets.tobytes())
        self._dbfile.write(_TRAILER.pack(len(firsts), index_at, MAGIC))


class _StoredWriter(_BlockWriter):
    def __init__(self, dbfile: Any, block_bytes: int, level: int):
        super().__init__(dbfile, block_bytes, level)
        self._docs: list[bytes] = []  # this block's documents, pickled
        self._last: Any = None  # the last of them, as given

    def _encode(self, value: Any) -> bytes:
        if not value:
            return b""
        doc = value.get("doc")
        if isinstance(doc, dict):
            if not self._docs or self._last != doc:
                self._docs.append(pickle.dumps(doc, protocol=5))
                self._size += len(self._docs[-1])
                self._last = doc
            value = {**value, "doc": len(self._docs) - 1}
        return pickle.dumps(value, protocol=5)

    def _shared(self) -> list[bytes]:
        docs, self._docs, self._last = self._docs, [], None
        return docs


class _BlockReader(ColumnReader):
    def __init__(self, dbfile: Any, basepos: int, length: int, doccount: int):
        super().__init__(dbfile, basepos, length, doccount)
        n, index_at, magic = _TRAILER.unpack(dbfile.get(basepos + length - _TRAILER.size, 16))
        if magic != MAGIC:
            raise ValueError("not a block column")
        index = dbfile.get(basepos + index_at, 4 * n + 8 * (n + 1))
        self._firsts = np.frombuffer(index[: 4 * n], dtype="<u4").tolist()
        self._offsets = np.frombuffer(index[4 * n :], dtype="<u8").tolist()
        self._decompressor = zstandard.ZstdDecompressor()
        self._blocks: OrderedDict[int, tuple[bytes, list[int], int]] = OrderedDict()
        self._lock = threading.Lock()
        try:  # one pread instead of Whoosh's seek and read: a third of a hit's time otherwise
            self._fd: int | None = dbfile.file.fileno()
        except (AttributeError, OSError, ValueError):  # a file in memory
            self._fd = None

    def _read(self, lo: int, hi: int) -> bytes:
        if self._fd is None:
            return self._dbfile.get(self._basepos + lo, hi - lo)
        return os.pread(self._fd, hi - lo, self._basepos + lo)

    def _block(self, b: int) -> tuple[bytes, list[int], int]:
        """Block ``b`` decompressed: (its bytes, where each entry starts and ends, where the
        shared entries start)."""
        with self._lock:
            found = self._blocks.get(b)
            if found is not None:
                self._blocks.move_to_end(b)
                return found
            raw = self._decompressor.decompress(self._read(self._offsets[b], self._offsets[b + 1]))
            count, entries = _HEADER.unpack_from(raw, 0)
            base = _HEADER.size + 4 * entries
            ends = struct.unpack_from(f"<{entries}I", raw, _HEADER.size)
            self._blocks[b] = found = (raw, [base, *(base + e for e in ends)], count)
            if len(self._blocks) > CACHED_BLOCKS:
                self._blocks.popitem(last=False)
            return found

    def _raw(self, docnum: int) -> tuple[bytes, list[int], int, int]:
        if not 0 <= docnum < self._doccount:
            raise IndexError(f"document {docnum} of {self._doccount}")
        b = bisect_right(self._firsts, docnum) - 1
        raw, bounds, count = self._block(b)
        return raw, bounds, count, docnum - self._firsts[b]

    def __getitem__(self, docnum: int) -> Any:
        raw, bounds, _, i = self._raw(docnum)
        return raw[bounds[i] : bounds[i + 1]]


class _StoredReader(_BlockReader):
    def __getitem__(self, docnum: int) -> Any:
        raw, bounds, count, i = self._raw(docnum)
        if bounds[i] == bounds[i + 1]:
            return None
        fields = pickle.loads(raw[bounds[i] : bounds[i + 1]])
        ref = fields.get("doc")
        if isinstance(ref, int):
            k = count + ref
            fields["doc"] = pickle.loads(raw[bounds[k] : bounds[k + 1]])
        return fields
