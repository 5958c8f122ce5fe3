"""Postings laid out for numpy: a flat copy of each segment's posting lists, written with it.

Whoosh stores a posting list as zlib-compressed pickles of 128-posting blocks, positions as a
pickled list per posting. Reading a common word means hundreds of decompress-and-unpickle steps
in Python, and a phrase means one unpickle per candidate chunk: that, not scoring, was the cost of
a first-time query (BENCHMARKS.md). Real engines read postings as flat integer arrays; so do we.

``NewsCodec`` is Whoosh's own codec with one addition: as its postings writer hands each finished
block to disk, the block's document numbers, term frequencies and positions — already in memory as
``array`` objects — go to three flat files beside the segment; every term gets a row in a small
table (where its postings and positions start) and a 128-bit hash of (field, term) in a sorted
key file, which finds the row without Whoosh's term dictionary. Everything is kept in memory and
written at the segment's end: document numbers as each term's first one (in its table row) and
the gaps after it, all of a term's gaps in the narrowest width that holds its largest (a byte for
a common word, nothing for a term of one chunk; the row's byte range says which width), read back
with one running sum; frequencies and positions in the narrowest type that holds them exactly
(``narrowest``: a byte per count and two per position, nearly always; the extension says which),
read back as the arrays they were. Merges and multi-process writes go through the same writer, so
every segment the codec writes has its copy. Readers ``pread`` a term's range straight into a
numpy array: nothing to cache per process (the kernel's page cache, shared by every worker, keeps
hot postings hot). A segment written before the gaps has its document numbers as plain uint32
(``.npi``, and a three-row table) and reads as it did.

Whoosh's files stay complete and authoritative (its posting blocks zlib-compressed, since queries
read the copy): its parser, spelling, term statistics and any query this module does not handle
read them, and a segment without the copy (an index written before it existed) is read through
Whoosh as before. The codec also stores each chunk's fields in blocks of chunks (``blocks.py``).

Positions use ``NewsPositions``: raw ``uint32`` offsets (native byte order, like every file here)
instead of pickled deltas, so the copy can be appended as-is and a posting's positions are a slice
as well.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from array import array
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3PerDocWriter,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.formats import Frequency, Positions, tokens
from whoosh.reading import TermNotFound
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length

from .blocks import StoredBlockColumn

log = logging.getLogger(__name__)

# Per-segment files, named like Whoosh's own (``<index>_<segment id>.<ext>``) so that Whoosh
# deletes them with their segment.
TABLE_EXT = ".npt"  # int64[5, terms + 1]: Whoosh postings offset, first posting, first position,
# first byte in ``DELTAS_EXT``, first document number (a segment written before deltas: 3 rows)
DELTAS_EXT = ".npd"  # per term: its document numbers' gaps after the first, in its narrowest width
IDS_EXT = ".npi"  # uint32 document numbers, term by term: a segment written before deltas
# Gap widths: a term's gaps take the fewest bytes that hold its largest gap. Little-endian
# (written and read as such), so a term's width follows from its byte and posting counts.
DELTA_WIDTHS = {1: np.dtype("<u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4")}
# Term frequencies (Whoosh's posting weights) and positions are written at the segment's end in
# the narrowest type that holds every value exactly; the extension says which. Frequencies are
# counts (a byte each, nearly always), positions a chunk's word numbers (two bytes).
FREQS_EXT = ".npf"  # float32: a weight that is not a small whole number (a boost)
FREQS_NARROW = ((".nf1", np.dtype("=u1")), (".nf2", np.dtype("=u2")), (FREQS_EXT, np.dtype("=f4")))
POSITIONS_EXT = ".npp"  # uint32 positions, posting by posting, for ``NewsPositions`` fields
POSITIONS_NARROW = ((".np2", np.dtype("=u2")), (POSITIONS_EXT, np.dtype("=u4")))
KEYS_EXT = ".npk"  # uint64[3, terms]: 128-bit hash of (field, term) in two halves, sorted; row
# Native byte order throughout: the files are appended straight from Whoosh's ``array`` buffers.
_POSITION_DTYPE = np.dtype("=u4")
TERM_CACHE_SIZE = 50_000  # term rows remembered per segment and process
# NewsCodec's stored fields (blocks.py); a segment written before them has Whoosh's ``_stored``.
STORED_COLUMN_NAME = "_chunks"
STORED_COLUMN = StoredBlockColumn()


class NewsPositions(Positions):
    """Whoosh's ``Positions`` with positions stored as raw ``uint32`` (not pickled deltas) and the
    weight of a posting equal to its number of positions (boosts belong to the query, see
    query.py), so a posting's range in the positions file follows from the weights before it."""

    def word_values(self, value, analyzer, **kwargs):
        poses: defaultdict[str, list[int]] = defaultdict(list)
        for word, pos in _index_terms(value, analyzer, kwargs):
            poses[word].append(pos)
        for word, poslist in poses.items():
            yield word, len(poslist), float(len(poslist)), array("I", poslist).tobytes()

    def encode(self, poslist) -> bytes:
        return array("I", poslist).tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return np.frombuffer(valuestring, dtype=_POSITION_DTYPE).tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // _POSITION_DTYPE.itemsize

    def decode_weight(self, valuestring: bytes) -> float:
        return float(self.decode_frequency(valuestring))


class NewsFrequency(Frequency):
    """Whoosh's ``Frequency`` (same values), fed by the analyzer's token-free fast path."""

    def word_values(self, value, analyzer, **kwargs):
        counts = Counter(word for word, _ in _index_terms(value, analyzer, kwargs))
        boost = self.field_boost
        return ((word, n, n * boost, pack_uint(n)) for word, n in counts.items())


def _index_terms(value, analyzer, kwargs) -> Iterable[tuple[str, int]]:
    """(term, position) pairs of an indexed value: NewsAnalyzer's list when it can give one,
    else Whoosh's token stream."""
    if isinstance(value, str) and hasattr(analyzer, "index_terms"):
        return analyzer.index_terms(value)
    kwargs["positions"] = True
    return [(t.text, t.pos) for t in tokens(value, analyzer, kwargs)]


#: zlib level of Whoosh's posting blocks. Queries read the flat copy; Whoosh's blocks are read by
#: merges, by the few queries this package leaves to Whoosh's matchers and for an index without
#: the copy. Pickled blocks shrink ~4.5x at level 1 (a third of the index on disk, BENCHMARKS.md)
#: for a few percent of indexing time.
BLOCK_COMPRESSION = 1


class NewsCodec(W3Codec):
    """Whoosh 3's codec, also writing the flat posting copy, stored fields compressed in blocks of
    chunks (``blocks.py``), and Whoosh's posting blocks at zlib level 1 (``BLOCK_COMPRESSION``)
    and without per-block length statistics, which Whoosh gathers by reading a document's length
    back from disk once per posting — a third of the writer's time — for a block-skipping
    optimisation of its own scorer, which scoring.py replaces."""

    length_stats = False

    def __init__(
        self, blocklimit: int = 128, compression: int = BLOCK_COMPRESSION, inlinelimit: int = 1
    ):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def field_writer(self, storage, segment):
        return _FieldWriter(self, storage, segment)

    def per_document_writer(self, storage, segment):
        return _PerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return _PerDocReader(storage, segment)


class _PerDocWriter(W3PerDocWriter):
    """Whoosh's per-document writer, with each chunk's stored fields in a ``StoredBlockColumn``
    (compressed with the chunks around it) instead of Whoosh's one-chunk-at-a-time column."""

    def _create_column(self, fieldname, column):
        if fieldname == "_stored":
            fieldname, column = STORED_COLUMN_NAME, STORED_COLUMN
        super()._create_column(fieldname, column)

    def add_column_value(self, fieldname, column, value):
        if fieldname == "_stored":
            fieldname, column = STORED_COLUMN_NAME, STORED_COLUMN
        super().add_column_value(fieldname, column, value)

    def add_documents(self, batch: DocumentBatch) -> None:
        """Documents ``batch.first`` onwards, written column by column: the same bytes as
        ``start_doc``, ``add_field``, ``add_column_value`` and ``finish_doc`` for each in turn,
        without the calls per field and document (a quarter of a file build's writer time)."""
        if self._indoc:
            raise RuntimeError("documents added in bulk while one is open")
        if batch.first != self._doccount:
            raise ValueError(f"documents from {batch.first}, expected {self._doccount}")
        first, count = batch.first, batch.count
        self._colwriters[STORED_COLUMN_NAME].add_many(first, batch.stored)
        for fieldname, lengths in batch.lengths.items():
            codes = _length_bytes(np.frombuffer(lengths, dtype=np.uint32)).tobytes()
            nonzero = codes.rstrip(b"\0")  # Whoosh writes a length column up to its last length
            if not nonzero:
                continue
            name = _lenfield(fieldname)
            if not self._has_column(name):
                self._create_column(name, LENGTHS_COLUMN)
            writer = self._colwriters[name]
            if first > writer._count:
                writer._dbfile.write(bytes(first - writer._count))
            writer._dbfile.write(nonzero)
            writer._count = first + len(nonzero)
            self._fieldlengths[fieldname] += int(np.frombuffer(lengths, dtype=np.uint32).sum())
        for fieldname, (column, values) in batch.columns.items():
            if not self._has_column(fieldname):
                self._create_column(fieldname, column)
            writer = self._colwriters[fieldname]
            if hasattr(writer, "add_many"):
                writer.add_many(first, values)
            else:
                for n, value in enumerate(values):
                    if value is not None:
                        writer.add(first + n, value)
        self._doccount = first + count
        self._docnum = first + count - 1 if count else self._docnum


class DocumentBatch:
    """What a run of consecutive documents gives the per-document files, gathered as they are
    added and written in one pass (``_PerDocWriter.add_documents``): each one's stored fields,
    and each field's lengths and column values, fields in the order Whoosh first meets them
    (its segment keeps their total lengths in that order)."""

    def __init__(self, first: int):
        self.first = first
        self.count = 0
        self.stored: list[dict | None] = []
        self.lengths: dict[str, array] = {}  # field -> a length per document, 0 for none
        self.columns: dict[str, tuple[object, list]] = {}  # field -> (column, value or None)

    def add(
        self,
        stored: dict | None,
        lengths: list[tuple[str, int]],
        columns: list[tuple[str, object, object]],
    ) -> None:
        """One document: its stored fields, (field, length) of its non-zero lengths and
        (field, column, value) of its column values."""
        n = self.count
        self.stored.append(stored)
        by_field = self.lengths
        for fieldname, length in lengths:
            of_field = by_field.get(fieldname)
            if of_field is None:
                of_field = by_field[fieldname] = array("I", bytes(4 * n))
            elif len(of_field) < n:
                of_field.frombytes(bytes(4 * (n - len(of_field))))
            of_field.append(length)
        for fieldname, column, value in columns:
            entry = self.columns.get(fieldname)
            if entry is None:
                entry = self.columns[fieldname] = (column, [None] * n)
            values = entry[1]
            if len(values) < n:
                values.extend([None] * (n - len(values)))
            values.append(value)
        self.count = n + 1


#: ``length_to_byte``'s table: a length's byte is the first entry not below it.
_LENGTH_TABLE = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


def _length_bytes(lengths: np.ndarray) -> np.ndarray:
    """Whoosh's one-byte code of each field length (``length_to_byte``), all at once."""
    codes = np.searchsorted(_LENGTH_TABLE, lengths, side="left")
    return np.minimum(codes, 255).astype(np.uint8)


class _PerDocReader(W3PerDocReader):
    """Reads the stored fields of either column: NewsCodec's blocks, or Whoosh's own in a
    segment written before them."""

    _blocks = None  # the block column's reader; False once found absent

    def stored_fields(self, docnum):
        if self._blocks is None:
            self._blocks = self._cached_reader(STORED_COLUMN_NAME, STORED_COLUMN) or False
        if self._blocks is False:
            return super().stored_fields(docnum)
        return self._blocks[docnum] or {}


class _FieldWriter(W3FieldWriter):
    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._ids = array("I")
        self._freqs = array("f")
        self._positions = array("I")
        self._table = (array("q"), array("q"), array("q"))
        self._hashes = (array("Q"), array("Q"))
        self._n_postings = 0
        self._n_positions = 0
        self._keep_positions = False

    def start_field(self, fieldname, fieldobj):
        super().start_field(fieldname, fieldobj)
        self._keep_positions = isinstance(fieldobj.format, NewsPositions)
        codec = self._codec
        self._postwriter = _PostingsWriter(
            self,
            self._postfile,
            blocklimit=codec._blocklimit,
            compression=codec._compression,
            inlinelimit=codec._inlinelimit,
        )

    def term_started(self) -> None:
        _, first_posting, first_position = self._table
        first_posting.append(self._n_postings)
        first_position.append(self._n_positions)

    def term_finished(self, terminfo) -> None:
        self._table[0].append(terminfo._offset if terminfo._offset is not None else -1)
        high, low = term_hash(self._fieldname, self._btext)
        self._hashes[0].append(high)
        self._hashes[1].append(low)

    def block(self, ids: array, weights: array, values: list[bytes]) -> None:
        """One finished block of the current term, as Whoosh's writer buffered it."""
        self._ids.extend(ids)
        self._freqs.extend(weights)
        self._n_postings += len(ids)
        if self._keep_positions:
            raw = b"".join(values)
            self._positions.frombytes(raw)
            self._n_positions += len(raw) // _POSITION_DTYPE.itemsize

    def add_terms(
        self,
        btexts: list[bytes],
        offsets: np.ndarray,
        bounds: np.ndarray,
        ids: np.ndarray,
        weights: np.ndarray,
        positions: np.ndarray | None,
    ) -> None:
        """Terms of the current field given all at once: what ``term_started``, ``block`` and
        ``term_finished`` record for each in turn. ``offsets``: each one's place in Whoosh's
        postings file; ``bounds``: where each one's postings start in ``ids`` and ``weights``
        (shifted by the first), and one past the last; ``positions``: theirs, in order."""
        table_offsets, first_posting, first_position = self._table
        starts = bounds[:-1] - bounds[0]
        first_posting.frombytes((starts + self._n_postings).astype("=i8").tobytes())
        if self._keep_positions and positions is not None:
            before = np.cumsum(weights.astype(np.int64)) - weights.astype(np.int64)
            first_position.frombytes((before[starts] + self._n_positions).astype("=i8").tobytes())
            self._positions.frombytes(positions.astype("=u4").tobytes())
            self._n_positions += len(positions)
        else:
            first_position.frombytes(np.full(len(starts), self._n_positions, "=i8").tobytes())
        table_offsets.frombytes(offsets.astype("=i8").tobytes())
        self._ids.frombytes(ids.astype("=u4").tobytes())
        self._freqs.frombytes(weights.astype("=f4").tobytes())
        self._n_postings += len(ids)
        high, low = self._hashes
        field = field_key(self._fieldname)
        for btext in btexts:
            h, lo = key_hash(field + btext)
            high.append(h)
            low.append(lo)

    def close(self):
        offsets, first_posting, first_position = self._table
        offsets.append(-1)
        first_posting.append(self._n_postings)
        first_position.append(self._n_positions)
        ids = np.frombuffer(self._ids, dtype=np.uint32)
        first_byte, first_id, deltas = delta_encode_terms(ids, np.frombuffer(first_posting, "=i8"))
        with self._create_file(DELTAS_EXT) as f:
            f.write(deltas)
        self._ids = deltas = None
        for values, choices in ((self._freqs, FREQS_NARROW), (self._positions, POSITIONS_NARROW)):
            ext, narrow = narrowest(np.frombuffer(values, dtype=values.typecode), choices)
            with self._create_file(ext) as f:
                f.write(narrow.tobytes())
        self._freqs = self._positions = None
        table = np.array([offsets, first_posting, first_position, first_byte, first_id], "=i8")
        with self._create_file(TABLE_EXT) as f:
            f.write(table.tobytes())
        high = np.frombuffer(self._hashes[0], dtype=np.uint64)
        low = np.frombuffer(self._hashes[1], dtype=np.uint64)
        order = np.lexsort((low, high))
        keys = np.array([high[order], low[order], order.astype(np.uint64)], dtype="=u8")
        with self._create_file(KEYS_EXT) as f:
            f.write(keys.tobytes())
        super().close()


class _PostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer, showing each term and each block to the field writer."""

    def __init__(self, owner: _FieldWriter, postfile, **kwargs):
        super().__init__(postfile, **kwargs)
        self._owner = owner

    def start_postings(self, format_, terminfo):
        super().start_postings(format_, terminfo)
        self._owner.term_started()

    def _write_block(self, last=False):
        self._owner.block(self._ids, self._weights, self._values)
        super()._write_block(last)

    def finish_postings(self):
        terminfo = super().finish_postings()
        self._owner.term_finished(terminfo)
        return terminfo


class SegmentPostings:
    """One segment's flat postings. The term table is memory-mapped (a lookup touches a few
    pages); posting ranges are read with ``pread`` into arrays the query owns and drops, so a
    worker's memory does not grow with the index: the kernel's page cache, shared by all workers,
    is what keeps them hot."""

    def __init__(self, folder: Path, segment_name: str):
        table = _map(folder / (segment_name + TABLE_EXT), np.dtype("=i8"))
        deltas = folder / (segment_name + DELTAS_EXT)
        rows = 5 if deltas.exists() else 3
        n = len(table) // rows
        self.offsets = table[: n - 1]  # ascending: Whoosh appends posting lists in term order
        self.first_posting = table[n : 2 * n]
        self.first_position = table[2 * n : 3 * n]
        if rows == 5:
            self.first_byte = table[3 * n : 4 * n]
            self.first_id = table[4 * n :]
            self.ids = _RangeFile(deltas, np.dtype("u1"))
        else:  # uint32 document numbers as they are
            self.first_byte = self.first_id = None
            self.ids = _RangeFile(folder / (segment_name + IDS_EXT), np.dtype("=u4"))
        self.freqs = _open_narrowest(folder, segment_name, FREQS_NARROW, np.dtype("=f4"))
        self.positions = _open_narrowest(folder, segment_name, POSITIONS_NARROW, None)
        keys_path = folder / (segment_name + KEYS_EXT)
        self.keys = _map(keys_path, np.dtype("=u8")).reshape(3, -1) if keys_path.exists() else None
        # (field, term) -> table row or None: Whoosh's term lookup walks a hash file in Python
        # (~10 µs), and a newsroom's queries repeat their words.
        self._rows: OrderedDict[tuple[str, object], int | None] = OrderedDict()
        self._lock = threading.Lock()
        self.check()

    def check(self) -> None:
        """Raise ValueError unless the files hold exactly what the term table says they do (a
        copy cut short, a file from another segment)."""
        n_postings = int(self.first_posting[-1]) if len(self.first_posting) else 0
        n_positions = int(self.first_position[-1]) if len(self.first_position) else 0
        n_ids = n_postings if self.first_byte is None else int(self.first_byte[-1])
        for f, want in ((self.ids, n_ids), (self.freqs, n_postings)):
            if f.length != want:
                raise ValueError(f"{f.path.name}: {f.length} values, the term table says {want}")
        if self.positions.length != n_positions:
            raise ValueError(
                f"{self.positions.path.name}: {self.positions.length} positions, "
                f"the term table says {n_positions}"
            )
        if len(self.offsets) and np.any(np.diff(self.offsets) <= 0):
            raise ValueError("term table offsets are not ascending")
        if self.keys is not None and self.keys.shape[1] != len(self.offsets):
            raise ValueError(f"{self.keys.shape[1]} term keys for {len(self.offsets)} terms")

    def find(self, leaf, fieldname: str, text) -> int | None:
        """The table row of a term of this segment (``leaf``), or None when it has no postings."""
        key = (fieldname, text)
        with self._lock:
            if key in self._rows:
                self._rows.move_to_end(key)
                return self._rows[key]
        row = self._lookup(leaf, fieldname, text)
        with self._lock:
            self._rows[key] = row
            if len(self._rows) > TERM_CACHE_SIZE:
                self._rows.popitem(last=False)
        return row

    def find_many(
        self, leaf, fieldname: str, texts: list, hashes: dict | None = None
    ) -> list[int | None]:
        """``find`` of many terms of one field at once: the ones not yet looked up are hashed
        and searched for in one ``searchsorted`` over the term keys, which costs about what one
        lookup does (each alone pays numpy's call overhead on the memory-mapped keys several
        times); a long question's words and its feedback terms are a hundred or more.
        ``hashes`` (``term_hashes``) spares hashing the same terms again in every segment."""
        with self._lock:
            rows = {t: self._rows[(fieldname, t)] for t in texts if (fieldname, t) in self._rows}
        missing = [t for t in dict.fromkeys(texts) if t not in rows]
        if missing and self.keys is None:
            for text in missing:
                rows[text] = self.find(leaf, fieldname, text)
        elif missing:
            known = hashes or {}
            unhashed = [text for text in missing if text not in known]
            if unhashed:
                known = {**known, **term_hashes(leaf, fieldname, unhashed)}
            hashes = [known[text] for text in missing]
            keys = np.asarray(self.keys)  # a plain array: no memmap object per access
            high = np.array([h[0] if h else 0 for h in hashes], dtype=np.uint64)
            low = np.array([h[1] if h else 0 for h in hashes], dtype=np.uint64)
            n = keys.shape[1]
            at = np.searchsorted(keys[0], high)
            inside = np.minimum(at, max(n - 1, 0))
            same_high = (at < n) & (keys[0][inside] == high) if n else np.zeros(len(at), bool)
            same = same_high & (keys[1][inside] == low) if n else same_high
            found = keys[2][inside].tolist() if n else [0] * len(at)
            for i, text in enumerate(missing):
                if hashes[i] is None:
                    rows[text] = None
                elif same[i]:
                    rows[text] = int(found[i])
                elif same_high[i]:
                    # Another term shares the high half: look further, as ``_lookup`` does.
                    rows[text] = self._lookup(leaf, fieldname, text)
                else:
                    rows[text] = None
            with self._lock:
                for text in missing:
                    self._rows[(fieldname, text)] = rows[text]
                while len(self._rows) > TERM_CACHE_SIZE:
                    self._rows.popitem(last=False)
        return [rows[t] for t in texts]

    def _lookup(self, leaf, fieldname: str, text) -> int | None:
        """Binary search of the term's 128-bit hash: a few µs, against ~10 µs of Python for
        Whoosh's on-disk hash table (which segments written without a key file still use)."""
        if self.keys is None:
            info = term_info(leaf, fieldname, text)
            return None if info is None else self._row(info)
        try:
            btext = leaf._text_to_bytes(fieldname, text)
        except (KeyError, ValueError, TypeError):
            return None
        high, low = term_hash(fieldname, btext)
        his = self.keys[0]
        at = int(np.searchsorted(his, np.uint64(high)))
        while at < len(his) and int(his[at]) == high:
            if int(self.keys[1][at]) == low:
                return int(self.keys[2][at])
            at += 1
        return None

    def close(self) -> None:
        for f in (self.ids, self.freqs, self.positions):
            f.close()

    def _row(self, terminfo) -> int | None:
        offset = terminfo._offset
        if offset is None:
            return None
        row = int(np.searchsorted(self.offsets, offset))
        if row >= len(self.offsets) or self.offsets[row] != offset:
            return None
        return row

    def term_postings(self, leaf, fieldname: str, text) -> tuple[np.ndarray, np.ndarray] | None:
        """(document numbers, frequencies) of a term of this segment, or None."""
        row = self.find(leaf, fieldname, text)
        return None if row is None else self.postings(row)

    def postings(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, frequencies) of the term at ``row``."""
        lo, hi = self.first_posting[row : row + 2].tolist()
        return self.doc_ids(row, lo, hi), self.freqs.read(lo, hi)

    def doc_ids(self, row: int, lo: int, hi: int) -> np.ndarray:
        """The uint32 document numbers of the term at ``row`` (postings ``lo`` to ``hi``): its
        first number and a running sum of its gaps, or, in a segment written before gaps, the
        numbers as stored."""
        if self.first_byte is None:
            return self.ids.read(lo, hi)
        out = np.empty(hi - lo, dtype=np.uint32)
        out[0] = self.first_id[row]
        if hi - lo > 1:
            b_lo, b_hi = self.first_byte[row : row + 2].tolist()
            gaps = self.ids.read_bytes(b_lo, b_hi)
            # Widened first, then summed in place: numpy's running sum casting on the way is
            # twice as slow.
            out[1:] = np.frombuffer(gaps, DELTA_WIDTHS[(b_hi - b_lo) // (hi - lo - 1)])
            np.add.accumulate(out, out=out)
        return out

    def positions_in(self, row: int, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(document number, position) pairs of the term at ``row`` in the ``wanted`` (sorted)
        documents; None when this segment has no positions for the term's field."""
        lo, hi = int(self.first_posting[row]), int(self.first_posting[row + 1])
        p_lo, p_hi = int(self.first_position[row]), int(self.first_position[row + 1])
        if p_hi == p_lo and hi > lo:
            return None
        ids = self.doc_ids(row, lo, hi)
        counts = self.freqs.read(lo, hi).astype(np.int64)
        at = np.searchsorted(ids, wanted)
        inside = at < len(ids)
        at = at[inside]
        at = at[ids[at] == wanted[inside]]
        if not len(at):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        ends = np.cumsum(counts)
        lens = counts[at]
        index = expand_ranges(ends[at] - lens, lens)  # within this term's positions
        positions = self.positions.read(p_lo, p_hi)
        return np.repeat(ids[at].astype(np.int64), lens), positions[index].astype(np.int64)


class _RangeFile:
    """A flat file of one dtype, read by element ranges (as ``as_dtype`` when given)."""

    def __init__(self, path: Path, dtype: np.dtype, as_dtype: np.dtype | None = None):
        self.path = path
        self.dtype = dtype
        self.as_dtype = None if as_dtype == dtype else as_dtype
        self._fd = os.open(path, os.O_RDONLY)
        self.length = os.fstat(self._fd).st_size // dtype.itemsize

    def read(self, lo: int, hi: int) -> np.ndarray:
        values = np.frombuffer(self.read_bytes(lo, hi), dtype=self.dtype)
        return values if self.as_dtype is None else values.astype(self.as_dtype)

    def read_bytes(self, lo: int, hi: int) -> bytes:
        """The raw bytes of values ``lo`` to ``hi``; a file cut short is an error, not zeros."""
        size = self.dtype.itemsize
        raw = os.pread(self._fd, (hi - lo) * size, lo * size)
        if len(raw) != (hi - lo) * size:
            raise OSError(f"posting file truncated: wanted {hi - lo} values from {lo}")
        return raw

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        self.close()


def delta_encode_terms(ids: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray, bytes]:
    """(first byte of each term and one past the last, first document number of each term and a
    0 after the last, the gaps' bytes) of document numbers ``ids`` whose terms start at
    ``bounds`` (one past the last posting at the end). Each term's gaps after its first number
    take the narrowest of ``DELTA_WIDTHS`` that holds its largest gap; a term with one posting
    takes no bytes at all."""
    starts = bounds[:-1]
    n = np.diff(bounds)
    first_id = np.append(ids[starts].astype(np.int64), 0) if len(starts) else np.zeros(1, "=i8")
    if not len(starts):
        return np.zeros(1, dtype=np.int64), first_id, b""
    gaps = np.diff(ids.astype(np.int64), prepend=0)
    gaps[starts] = 0
    largest = np.maximum.reduceat(gaps, starts)
    width = np.full(len(starts), 4, dtype=np.int64)
    for w in sorted(DELTA_WIDTHS, reverse=True)[1:]:
        width[largest <= np.iinfo(DELTA_WIDTHS[w]).max] = w
    first_byte = np.append(0, np.cumsum((n - 1) * width))
    out = np.zeros(int(first_byte[-1]), dtype=np.uint8)
    term = np.repeat(np.arange(len(starts)), n)  # posting -> its term
    nth = np.arange(len(ids)) - starts[term]  # place within its term
    for w, dtype in DELTA_WIDTHS.items():
        take = (width[term] == w) & (nth > 0)
        if not take.any():
            continue
        at = first_byte[term[take]] + (nth[take] - 1) * w
        raw = gaps[take].astype(dtype).view(np.uint8).reshape(-1, w)
        out[at[:, None] + np.arange(w)] = raw
    return first_byte, first_id, out.tobytes()


def narrowest(values: np.ndarray, choices) -> tuple[str, np.ndarray]:
    """(extension, values) in the first of ``choices`` — (extension, dtype) pairs, narrowest
    first, the last one able to hold anything — that holds every value exactly."""
    for ext, dtype in choices[:-1]:
        if not len(values):
            return ext, values.astype(dtype)
        info = np.iinfo(dtype)
        if values.min() >= info.min and values.max() <= info.max:
            narrow = values.astype(dtype)
            if np.array_equal(narrow, values):
                return ext, narrow
    ext, dtype = choices[-1]
    return ext, values.astype(dtype)


def _open_narrowest(folder: Path, segment_name: str, choices, as_dtype) -> _RangeFile:
    """The one file of ``choices`` a segment has (the narrowest type its writer could use)."""
    for ext, dtype in choices:
        path = folder / (segment_name + ext)
        if path.exists():
            return _RangeFile(path, dtype, as_dtype)
    ext, dtype = choices[-1]
    return _RangeFile(folder / (segment_name + ext), dtype, as_dtype)  # raises: none is there


def _map(path: Path, dtype: np.dtype) -> np.ndarray:
    if path.stat().st_size == 0:
        return np.zeros(0, dtype=dtype)
    # A plain array over the mapping: ``np.memmap``'s own indexing is Python code, ~2 µs a
    # lookup, and a term read takes a few.
    return np.memmap(path, dtype=dtype, mode="r").view(np.ndarray)


class PostingFiles:
    """The flat postings of each segment, opened once per process and kept while the segment
    lives; None for a segment written without them (or not in a directory)."""

    def __init__(self) -> None:
        self._segments: dict[str, SegmentPostings | None] = {}
        self._lock = threading.Lock()

    def of(self, leaf) -> SegmentPostings | None:
        segment = leaf.segment()
        segid = segment.segment_id()
        if segid in self._segments:
            return self._segments[segid]
        found = None
        try:
            found = open_segment(leaf)
        except (OSError, ValueError) as exc:  # Whoosh's own postings still answer correctly
            log.warning("flat postings of segment %s unusable, reading Whoosh's: %s", segid, exc)
        with self._lock:
            self._segments[segid] = found
        return found

    def forget_except(self, live_segments: set[str]) -> None:
        with self._lock:
            for key in [k for k in self._segments if k not in live_segments]:
                old = self._segments.pop(key)
                if old is not None:
                    old.close()


def open_segment(leaf) -> SegmentPostings | None:
    """The flat postings of a segment (checked), or None when it was written without them.
    Raises OSError or ValueError when they exist but are damaged."""
    table = segment_path(leaf, TABLE_EXT)
    if table is None or not table.exists():
        return None
    return SegmentPostings(table.parent, leaf.segment().segment_id())


def segment_path(leaf, ext: str) -> Path | None:
    """The path of a file kept beside a segment (named like Whoosh's own, so Whoosh deletes it
    with the segment); None for a segment not stored in a directory."""
    segment = leaf.segment()
    folder = getattr(getattr(leaf, "_storage", None), "folder", None)
    if segment is None or folder is None:
        return None
    return Path(folder) / segment.make_filename(ext)


def expand_ranges(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Every index of the ranges [start, start + len), in order: one array, no Python loop."""
    return np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))


def term_hash(fieldname: str, btext: bytes) -> tuple[int, int]:
    """128 bits of BLAKE2b over field and term, as two unsigned 64-bit halves: two distinct
    terms of one segment share it with odds of about 2^-88 even at a million terms."""
    return key_hash(field_key(fieldname) + btext)


def field_key(fieldname: str) -> bytes:
    """What a term's bytes follow in the key ``term_hash`` hashes (worked out once per field by
    a writer that hashes many of its terms)."""
    return fieldname.encode("utf-8") + b"\0"


def key_hash(key: bytes) -> tuple[int, int]:
    """``term_hash`` of the key ``field_key(fieldname) + btext``."""
    digest = hashlib.blake2b(key, digest_size=16).digest()
    return int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little")


def term_hashes(leaf, fieldname: str, texts: list) -> dict:
    """{text: its ``term_hash`` in ``fieldname``, None when it cannot be a term of the field};
    the same in every segment of an index, so worked out once for all of them."""
    out: dict = {}
    for text in texts:
        try:
            out[text] = term_hash(fieldname, leaf._text_to_bytes(fieldname, text))
        except (KeyError, ValueError, TypeError):
            out[text] = None
    return out


def term_info(leaf, fieldname: str, text):
    """Whoosh's term record of ``text`` in one segment, or None."""
    try:
        return leaf._terms.term_info(fieldname, leaf._text_to_bytes(fieldname, text))
    except (TermNotFound, KeyError):
        return None
