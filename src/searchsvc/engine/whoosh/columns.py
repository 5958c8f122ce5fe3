"""Facet columns: every chunk's facet values as numpy arrays, for counting and filtering fast.

Counting facets through Whoosh's ``groupedby`` decodes stored values per hit and, combined with
highlighting, costs seconds on common words (measured on the briefings corpus). Real engines count from
column data instead, and so do we: each segment's ``facets`` column is decoded once into integer
codes (one array per single-valued facet, CSR arrays for multi-valued ones), cached by segment id,
and concatenated per reader generation. Counting a result set is then ``numpy.bincount`` over the
matching document numbers; a filter is a boolean mask built from the codes of the wanted values.

Decoding a big segment's column takes seconds of Python, and every gunicorn worker used to pay it
at start-up. The first process to decode a segment therefore saves the result beside it (a
``.fcols`` file, codes into the segment's own value lists); every later one loads that and maps
the segment's codes to its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..ranking import KIND_PRIOR
from .postings import expand_ranges, segment_path
from .schema import MULTI_FACETS, SINGLE_FACETS, VALUE_SEP, decode_facets

log = logging.getLogger(__name__)

_EPOCH = dt.date(1970, 1, 1)


class Vocabulary:
    """Value ↔ code for one facet field; codes are stable for the life of the process."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.codes: dict[str, int] = {}
        self._folded: dict[str, list[int]] = {}
        self._ranks: np.ndarray | None = None

    def code(self, value: str) -> int:
        if not value:
            return -1
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
            self._folded.setdefault(value.casefold(), []).append(code)
        return code

    def ranks(self) -> np.ndarray:
        """Each code's place among the values in sorted order (remade when values were added):
        codes are given in the order values are first met, which depends on how the index is
        cut into segments, so ties are ordered by value instead."""
        cached = self._ranks
        if cached is None or len(cached) != len(self.values):
            values = self.values
            cached = np.empty(len(values), dtype=np.int32)
            cached[sorted(range(len(values)), key=values.__getitem__)] = np.arange(
                len(values), dtype=np.int32
            )
            self._ranks = cached
        return cached

    def lookup(self, value: str) -> list[int]:
        """Codes matching ``value`` case-insensitively (filters are typed by people)."""
        return self._folded.get(value.strip().casefold(), [])


@dataclass
class SegmentColumns:
    single: dict[str, np.ndarray]  # field -> int32 codes, -1 = none
    multi: dict[str, tuple[np.ndarray, np.ndarray]]  # field -> (offsets[n+1], codes)
    date: np.ndarray  # int32 days since epoch, -1 = none

    @property
    def size(self) -> int:
        return len(self.date)


class Columns:
    """The columns of one reader generation, with the live-document mask."""

    def __init__(self, segments: list[tuple[SegmentColumns, int, set[int]]], vocab: dict):
        self.vocab: dict[str, Vocabulary] = vocab
        size = sum(seg.size for seg, _, _ in segments)
        self.size = size
        self.live = np.ones(size, dtype=bool)
        for _seg, offset, deleted in segments:
            if deleted:
                self.live[offset + np.fromiter(deleted, dtype=np.int64)] = False
        parts = [seg for seg, _, _ in segments]
        self.single = {
            f: _concat([p.single[f] for p in parts], np.int32) for f in SINGLE_FACETS if f != "date"
        }
        self.date = _concat([p.date for p in parts], np.int32)
        self.multi: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        value_starts: dict[str, list[int]] = {}
        for f in MULTI_FACETS:
            offsets = [np.zeros(1, dtype=np.int64)]
            codes = []
            base = 0
            value_starts[f] = []
            for p in parts:
                off, cod = p.multi[f]
                value_starts[f].append(base)
                offsets.append(off[1:] + base)
                codes.append(cod)
                base += len(cod)
            dtype = np.int32 if base < 2**31 else np.int64
            self.multi[f] = (np.concatenate(offsets).astype(dtype), _concat(codes, np.int32))
        # The segments' own code arrays become views into these: one copy of the columns in
        # memory, not two, while the segment cache still rebuilds the next generation quickly.
        for k, (seg, offset, _) in enumerate(segments):
            n = seg.size
            seg.single = {f: self.single[f][offset : offset + n] for f in seg.single}
            seg.date = self.date[offset : offset + n]
            for f in MULTI_FACETS:
                off, cod = seg.multi[f]
                start = value_starts[f][k]
                seg.multi[f] = (off, self.multi[f][1][start : start + len(cod)])
        # The chunk each multi-value belongs to (for filters), built once per generation.
        self.owner = {
            f: np.repeat(np.arange(self.size), np.diff(self.multi[f][0])) for f in MULTI_FACETS
        }

    def kind_prior(self) -> np.ndarray:
        """Each chunk's ranking prior by its kind (``ranking.KIND_PRIOR``), built once per
        generation: captions and headings rank below paragraphs that match as well."""
        prior = getattr(self, "_kind_prior", None)
        if prior is None:
            vocab = self.vocab["chunk_kind"]
            by_code = np.ones(len(vocab.values) + 1, dtype=np.float32)  # last slot: no kind (-1)
            for kind, weight in KIND_PRIOR.items():
                for code in vocab.lookup(kind):
                    by_code[code] = weight
            prior = self._kind_prior = by_code[self.single["chunk_kind"]]
        return prior

    def document_order(self) -> np.ndarray:
        """Each chunk's document's place among the documents sorted by id, built once per
        generation: equal scores and dates are ordered by document id, then paragraph (a
        document's chunks are written together, in paragraph order), so a result keeps one
        order from page to page and is the order the other backends give."""
        order = getattr(self, "_document_order", None)
        if order is None:
            values = self.vocab["doc_id"].values
            rank = np.empty(len(values) + 1, dtype=np.int32)  # last slot: no document (-1)
            rank[np.array(sorted(range(len(values)), key=values.__getitem__), dtype=np.int64)] = (
                np.arange(len(values), dtype=np.int32)
            )
            rank[-1] = len(values)
            order = self._document_order = rank[self.single["doc_id"]]
        return order

    # --- filters ---------------------------------------------------------------------------
    def value_mask(self, field: str, values: Iterable[str]) -> np.ndarray:
        """Chunks whose ``field`` has any of ``values`` (OR within a field)."""
        vocab = self.vocab[field]
        wanted = np.array(sorted({c for v in values for c in vocab.lookup(v)}), dtype=np.int32)
        if field in self.single:
            return np.isin(self.single[field], wanted)
        _, codes = self.multi[field]
        hit = np.isin(codes, wanted)
        mask = np.zeros(self.size, dtype=bool)
        mask[self.owner[field][hit]] = True
        return mask

    def date_mask(self, date_from: dt.date | None, date_to: dt.date | None) -> np.ndarray:
        mask = self.date >= 0
        if date_from is not None:
            mask &= self.date >= (date_from - _EPOCH).days
        if date_to is not None:
            mask &= self.date <= (date_to - _EPOCH).days
        return mask

    # --- counting --------------------------------------------------------------------------
    def counts(
        self,
        field: str,
        rows: np.ndarray,
        by_document: bool = False,
        limit: int | None = None,
        keep: Iterable[str] = (),
    ) -> list[dict]:
        """[{"value", "count"}] for the chunks (or documents) at ``rows`` (sorted chunk numbers),
        most frequent first, equal counts by value (as OpenSearch's terms aggregation orders
        them, and whatever the index's segments): the ``limit`` first, plus the ``keep`` values (a
        selected filter stays listed, with its count, even when it is rare or absent). Work is in
        proportion to the rows, not to the index."""
        vocab = self.vocab[field]
        if field in self.single:
            codes = self.single[field][rows]
            docs = self.single["doc_id"][rows] if by_document else None
        else:
            offsets, all_codes = self.multi[field]
            first = offsets[rows]
            lens = offsets[rows + 1] - first
            codes = all_codes[expand_ranges(first, lens)]  # each row's values
            docs = np.repeat(self.single["doc_id"][rows], lens) if by_document else None
        if docs is not None:
            present = codes >= 0
            codes = codes[present]
            pairs = _distinct(docs[present].astype(np.int64) * (len(vocab.values) + 1) + codes)
            codes = (pairs % (len(vocab.values) + 1)).astype(np.int32)
        tally = _tally(codes, len(vocab.values))
        nz = np.nonzero(tally)[0]
        rank = vocab.ranks()
        if limit is not None and len(nz) > limit:
            cut = -np.partition(-tally[nz], limit - 1)[limit - 1]
            nz = nz[tally[nz] >= cut]  # every value tied with the last one kept, then by value
            nz = nz[np.lexsort((rank[nz], -tally[nz]))[:limit]]
        kept = {c for v in keep for c in vocab.lookup(v)}
        extra = np.array(sorted(kept - set(nz.tolist())), dtype=np.int64)
        nz = np.concatenate([nz, extra]) if len(extra) else nz
        order = np.lexsort((rank[nz], -tally[nz]))
        values, counts = vocab.values, tally[nz[order]].tolist()
        out = [
            {"value": values[c], "count": n}
            for c, n in zip(nz[order].tolist(), counts, strict=True)
        ]
        found = {vocab.values[c].casefold() for c in kept}
        out.extend({"value": v, "count": 0} for v in keep if v.strip().casefold() not in found)
        return out

    def documents(self, rows: np.ndarray) -> int:
        """How many documents the chunks ``rows`` (or a mask) belong to."""
        codes = self.single["doc_id"][rows]
        return len(_distinct(codes[codes >= 0]))


def _tally(codes: np.ndarray, n_values: int) -> np.ndarray:
    """How many of ``codes`` hold each of ``n_values`` values (``-1``: none, not counted).

    Shifted by one so the absent ones fall into a bin of their own and need no pass to drop
    them, and as numpy's native integer: ``bincount`` converts any other one itself, at twice
    the cost of the conversion here (a common word's facets count 200,000 chunks each)."""
    shifted = codes.astype(np.intp)
    shifted += 1
    return np.bincount(shifted, minlength=n_values + 1)[1:]


def _distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)``, sorting only what differs from its neighbour: a document's
    chunks are neighbours in chunk order, so per-document values mostly repeat in runs and
    the sort shrinks from every matching chunk to about one entry per document."""
    if len(values) > 1:
        values = values[np.concatenate(([True], values[1:] != values[:-1]))]
    return np.unique(values)


class ColumnCache:
    """Decoded segments by segment id, shared by every generation a process reads."""

    def __init__(self) -> None:
        self.vocab = {f: Vocabulary() for f in (*SINGLE_FACETS, *MULTI_FACETS) if f != "date"}
        self._segments: dict[str, SegmentColumns] = {}
        self._lock = threading.Lock()

    def for_reader(self, reader) -> Columns:
        with self._lock:
            parts = []
            seen = set()
            for leaf, offset in reader.leaf_readers():
                segment = leaf.segment()
                if segment is None:  # an empty index has an EmptyReader and no segments
                    continue
                segid = segment.segment_id()
                seen.add(segid)
                cols = self._segments.get(segid)
                if cols is None:
                    cols = self._segments[segid] = self._decode(leaf)
                deleted = set(segment.deleted_docs()) if segment.has_deletions() else set()
                parts.append((cols, offset, deleted))
            for stale in set(self._segments) - seen:
                del self._segments[stale]
            return Columns(parts, self.vocab)

    def segment_ids(self) -> set[str]:
        return set(self._segments)

    def _decode(self, leaf) -> SegmentColumns:
        """A segment's columns in this process's codes: from the segment's column file when an
        earlier process wrote one, else decoded from Whoosh's ``facets`` column (seconds on a big
        segment, in every worker) and written for the next process."""
        path = segment_path(leaf, COLUMNS_EXT)
        local = _read_column_file(path) if path is not None else None
        if local is None:
            local = _decode_segment(leaf)
            if path is not None:
                _write_column_file(path, local)
        return local.in_codes_of(self.vocab)


def write_column_file(leaf) -> None:
    """Decode a segment's facet column and write its column file now, so that no process has to
    (a parallel build's builders do it for their own segments, at the same time)."""
    path = segment_path(leaf, COLUMNS_EXT)
    if path is not None:
        _write_column_file(path, _decode_segment(leaf))


@dataclass
class _LocalColumns:
    """A segment's columns with codes into its own value lists: what the column file holds."""

    values: dict[str, list[str]]  # field -> values, code = index
    single: dict[str, np.ndarray]
    multi: dict[str, tuple[np.ndarray, np.ndarray]]
    date: np.ndarray

    def in_codes_of(self, vocab: dict[str, Vocabulary]) -> SegmentColumns:
        def recode(field: str, codes: np.ndarray) -> np.ndarray:
            table = np.array([vocab[field].code(v) for v in self.values[field]] + [-1], np.int32)
            return table[codes]  # -1 (no value) indexes the table's last entry, -1

        return SegmentColumns(
            single={f: recode(f, c) for f, c in self.single.items()},
            multi={f: (off, recode(f, c)) for f, (off, c) in self.multi.items()},
            date=self.date,
        )


_SINGLE_NAMES = [f for f in SINGLE_FACETS if f != "date"]
COLUMNS_EXT = ".fcols"  # beside the segment (``postings.segment_path``)


def _decode_segment(leaf) -> _LocalColumns:
    n = leaf.doc_count_all()
    vocab = {f: Vocabulary() for f in (*_SINGLE_NAMES, *MULTI_FACETS)}
    single = {f: np.full(n, -1, dtype=np.int32) for f in _SINGLE_NAMES}
    date = np.full(n, -1, dtype=np.int32)
    multi_offsets = {f: np.zeros(n + 1, dtype=np.int64) for f in MULTI_FACETS}
    multi_codes: dict[str, list[int]] = {f: [] for f in MULTI_FACETS}
    if leaf.has_column("facets"):
        column = leaf.column_reader("facets", translate=False)
        date_codes: dict[str, int] = {}
        date_index = SINGLE_FACETS.index("date")
        for docnum in range(n):
            raw = column[docnum]
            if not raw:
                continue
            values, multis = decode_facets(raw)
            for name, value in zip(
                _SINGLE_NAMES, (v for i, v in enumerate(values) if i != date_index), strict=True
            ):
                if value:
                    single[name][docnum] = vocab[name].code(value)
            day = values[date_index]
            if day:
                if day not in date_codes:
                    date_codes[day] = _days(day)
                date[docnum] = date_codes[day]
            for name, vals in zip(MULTI_FACETS, multis, strict=True):
                multi_codes[name].extend(vocab[name].code(v) for v in vals)
                multi_offsets[name][docnum + 1] = len(vals)
    multi = {
        f: (_offsets(np.cumsum(multi_offsets[f])), np.array(multi_codes[f], dtype=np.int32))
        for f in MULTI_FACETS
    }
    return _LocalColumns(
        values={f: v.values for f, v in vocab.items()}, single=single, multi=multi, date=date
    )


def _offsets(cumulative: np.ndarray) -> np.ndarray:
    return cumulative.astype(np.int32 if cumulative[-1] < 2**31 else np.int64)


def _read_column_file(path: Path) -> _LocalColumns | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            values = {f: _split_values(z[f"values_{f}"]) for f in (*_SINGLE_NAMES, *MULTI_FACETS)}
            return _LocalColumns(
                values=values,
                single={f: z[f"single_{f}"] for f in _SINGLE_NAMES},
                multi={f: (z[f"offsets_{f}"], z[f"codes_{f}"]) for f in MULTI_FACETS},
                date=z["date"],
            )
    except FileNotFoundError:
        return None
    # Damaged, cut short (it is not fsynced, so a power cut can leave it empty or torn: EOFError,
    # BadZipFile), or from another version: redo it.
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        log.warning("ignoring column file %s: %s", path, exc)
        return None


def _write_column_file(path: Path, cols: _LocalColumns) -> None:
    """Written under a dot-name, then renamed: a concurrent reader sees all of it or none."""
    arrays = {f"values_{f}": _join_values(v) for f, v in cols.values.items()}
    arrays.update({f"single_{f}": c for f, c in cols.single.items()})
    for f, (offsets, codes) in cols.multi.items():
        arrays[f"offsets_{f}"], arrays[f"codes_{f}"] = offsets, codes
    arrays["date"] = cols.date
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with tmp.open("wb") as f:
            np.savez_compressed(f, **arrays)  # codes repeat chunk after chunk: ~10x smaller
        os.replace(tmp, path)
    except OSError as exc:  # a read-only index still searches, decoding in each process
        log.info("could not write column file %s: %s", path, exc)
        tmp.unlink(missing_ok=True)


# Facet values never hold the schema's separators (``schema._clean`` strips them).
def _join_values(values: list[str]) -> np.ndarray:
    return np.frombuffer(VALUE_SEP.join(values).encode("utf-8"), dtype=np.uint8)


def _split_values(raw: np.ndarray) -> list[str]:
    text = raw.tobytes().decode("utf-8")
    return text.split(VALUE_SEP) if text else []


def _days(iso: str) -> int:
    try:
        return (dt.date.fromisoformat(iso[:10]) - _EPOCH).days
    except ValueError:
        return -1


def _concat(arrays: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype=dtype)
