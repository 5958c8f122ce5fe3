"""A Whoosh segment writer that builds a batch's postings in bulk instead of one by one.

Whoosh's ``SegmentWriter`` turns every chunk into a stream of per-term generator items, puts each
posting into a sorting pool as a tuple, and at the commit hands them one by one to the codec,
which buffers them into 128-posting blocks: most of indexing time was that per-posting Python
(BENCHMARKS.md, "Indexing profile"). ``BatchSegmentWriter`` is the same writer — same locks,
deletes, merges, per-document files, TOC and commit — with the postings of the chunks it adds
kept apart: each text field's words become ids of a per-batch vocabulary (one dict lookup per
token; a distinct word is stemmed once per batch, at the commit), numpy sorts each field's tokens
by term and document, and each term's blocks are written in one go, with the bytes Whoosh's
postings writer gives them, through NewsCodec's field writer (which adds the flat copy): a run of
terms at a time, their blocks pickled in one loop and their term records, table rows and flat
ranges worked out with numpy. A chunk's per-document data — stored fields, field lengths, column
values — is gathered as it is added and handed to NewsCodec's per-document writer column by
column in one pass (``DocumentBatch``), before anything else writes per-document data (a document
left to Whoosh, a merged segment) and when the segment is closed. The segment is byte for byte
the one Whoosh's writer would write (``tests/test_batch_writer.py``), so Whoosh's readers, parser
and term statistics read it as ever.

Postings that still reach Whoosh's pool — a merge's (Whoosh re-posts the merged segments into it
at the commit) and those of a document this writer leaves to Whoosh (boosts, custom stored
values) — are read out of the pool at the commit and merged term by term with the batch's, so a
commit that merges is written a block at a time too. As with Whoosh's writer, a document that
fails half-way leaves the writer unfit to commit: the store abandons it.
"""

from __future__ import annotations

import hashlib
import zlib
from array import array
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC as _BLOCK_MAGIC
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.compat import dumps
from whoosh.filedb.filetables import _lengths as _HASH_LENGTHS
from whoosh.filedb.filetables import md5_hash
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.util.numlists import delta_encode
from whoosh.writing import SegmentWriter

from ..text.analysis import stem, surface_tokens, word_terms
from .analyzer import NewsAnalyzer
from .postings import DocumentBatch, NewsFrequency, NewsPositions

#: Postings per block: Whoosh's default, which NewsCodec keeps.
BLOCK = 128
#: Values remembered per writer (analysed text, other fields' terms), forgotten past this.
MEMO = 1024
#: What Whoosh's pool counts for one posting besides its field name, term and value bytes.
_POOL_POSTING = 28 + 4 * 5 + 21 + 26 + 18 + 16 + 21


class _Words:
    """The distinct words of a batch's text, shared by its text fields: each surface word is
    analysed once (``word_terms``) into folded-term ids and position offsets, kept as flat
    arrays so that a field's tokens are expanded into terms and positions by numpy at the
    commit."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}  # surface word -> word id
        self.terms: dict[str, int] = {}  # folded term -> term id
        self.folded: list[tuple[int, ...]] = []  # word id -> its term ids
        self.sizes = array("I")  # word id -> number of terms
        self.advance = array("I")  # word id -> positions taken
        self.first = array("I")  # word id -> its first entry in the two arrays below
        self.flat_terms = array("I")
        self.flat_offsets = array("I")
        self.single: list[int] = []  # word id -> its one term id, -1 when it has not one
        self.irregular: set[int] = set()  # the ids of words that do not index one term

    def add(self, word: str) -> int:
        """The id of a word not seen before, analysed."""
        wid = self.ids[word] = len(self.ids)
        pairs, advance = word_terms(word)
        terms = self.terms
        setdefault = terms.setdefault
        tids = tuple(setdefault(term, len(terms)) for term, _ in pairs)
        self.folded.append(tids)
        self.sizes.append(len(tids))
        self.advance.append(advance)
        self.first.append(len(self.flat_terms))
        self.flat_terms.extend(tids)
        self.flat_offsets.extend([offset for _, offset in pairs])
        if len(tids) == 1:
            self.single.append(tids[0])
        else:
            self.single.append(-1)
            self.irregular.add(wid)
        return wid

    def of(self, text: str) -> tuple[array, int, int]:
        """(word ids, number of terms, number of distinct terms) of a text's tokens."""
        ids = self.ids
        words = surface_tokens(text)
        wids = list(map(ids.get, words))
        if None in wids:  # new words: analysed in order, a repeated one once
            wids = [ids[w] if w in ids else self.add(w) for w in words]
        distinct_words = set(wids)
        # Every word one term: names and titles, mostly (a sentence nearly always holds a
        # stopword, which indexes none).
        if self.irregular.isdisjoint(distinct_words):
            n_terms = len(wids)
            distinct = len(set(map(self.single.__getitem__, distinct_words)))
        else:
            n_terms = sum(map(self.sizes.__getitem__, wids))
            folded = map(self.folded.__getitem__, distinct_words)
            distinct = len(set(chain.from_iterable(folded)))
        return array("I", wids), n_terms, distinct


class _TextPostings:
    """One analysed text field's tokens in the batch: the word ids of each chunk that indexes a
    term, and the chunks' numbers."""

    def __init__(self, words: _Words, positions: bool, stemmed: bool):
        self.words = words
        self.positions = positions
        self.stemmed = stemmed  # the vocabulary holds surface words, stemmed once each at the end
        self.wids = array("I")
        self.docnums = array("I")
        self.counts = array("I")  # words per chunk, in docnums order

    def add(self, docnum: int, wids: array) -> None:
        self.wids.extend(wids)
        self.docnums.append(docnum)
        self.counts.append(len(wids))

    def _tokens(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(folded term id, document number, position) of every term token, in the order the
        chunks were added and, within a chunk, in ``iter_terms`` order. Everything is uint32
        (a batch is cut long before 2**32 tokens) and dropped once used: these arrays are as
        long as the batch's text, the largest the writer holds."""
        u4 = np.uint32
        words = self.words
        wids = np.frombuffer(self.wids, dtype=u4)
        sizes = np.frombuffer(words.sizes, dtype=u4)[wids]
        owner = np.repeat(np.arange(len(wids), dtype=u4), sizes)  # token -> its word
        word_start = np.cumsum(sizes, dtype=u4) - sizes  # first token of each word
        del sizes
        entry = np.arange(len(owner), dtype=u4) - word_start[owner]  # place within its word
        del word_start
        entry += np.frombuffer(words.first, dtype=u4)[wids][owner]
        tids = np.frombuffer(words.flat_terms, dtype=u4)[entry]
        counts = np.frombuffer(self.counts, dtype=u4)
        docs = np.repeat(np.frombuffer(self.docnums, dtype=u4), counts)[owner]
        if not self.positions:
            return tids, docs, np.zeros(0, dtype=u4)
        # A word's position: the positions its chunk's earlier words take.
        advance = np.frombuffer(words.advance, dtype=u4)[wids]
        before = np.cumsum(advance, dtype=u4) - advance
        del advance
        chunk_start = np.cumsum(counts, dtype=np.int64) - counts
        before -= np.repeat(before[chunk_start], counts)
        positions = before[owner]
        del before, owner
        positions += np.frombuffer(words.flat_offsets, dtype=u4)[entry]
        return tids, docs, positions

    def sorted_postings(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(terms in byte order, first posting of each term and one past the last, posting
        document numbers, posting frequencies, positions posting by posting)."""
        tids, docs, token_positions = self._tokens()
        used = np.unique(tids)
        folded = list(self.words.terms)  # in id order
        surface = [folded[t] for t in used.tolist()]
        keys = [stem(w) for w in surface] if self.stemmed else surface
        terms = sorted(set(keys))  # str order is UTF-8 byte order
        place = {t: i for i, t in enumerate(terms)}
        rank = np.zeros(len(folded), dtype=np.int32)  # folded term id -> term of the segment
        rank[used] = np.fromiter((place[k] for k in keys), np.int32, len(keys))
        by_term = rank[tids]
        # Tokens come chunk by chunk in position order: a stable sort by term keeps each
        # term's tokens in (document, position) order.
        order = np.argsort(by_term, kind="stable")
        by_term, docs = by_term[order], docs[order]
        n = len(order)
        starts = np.ones(n, dtype=bool)
        starts[1:] = (by_term[1:] != by_term[:-1]) | (docs[1:] != docs[:-1])
        first = np.flatnonzero(starts)
        freqs = np.diff(np.append(first, n))
        post_terms = by_term[first]
        term_first = np.flatnonzero(np.diff(post_terms, prepend=-1))
        bounds = np.append(term_first, len(first))
        positions = token_positions[order] if self.positions else token_positions
        return terms, bounds, docs[first], freqs, positions


@dataclass(frozen=True)
class _Text:
    """How a text field analysed a word at a time is indexed."""

    positions: bool
    stemmed: bool
    scorable: bool
    pool_cost: int  # what Whoosh's pool counts per distinct term of a value, besides its bytes


def _text_field(fieldname: str, field: Any) -> _Text | None:
    """How ``field`` is indexed a word at a time, or None when Whoosh's ``index`` must take
    its values."""
    fmt = type(field.format)
    if fmt not in (NewsPositions, NewsFrequency) or not isinstance(field.analyzer, NewsAnalyzer):
        return None
    return _Text(
        positions=fmt is NewsPositions,
        stemmed=field.analyzer.stemming,
        scorable=bool(field.scorable),
        pool_cost=_POOL_POSTING + len(fieldname) + 12,
    )


@dataclass
class _Plan:
    """What a document with a given set of field names gives: its indexed fields in Whoosh's
    (sorted) order, its stored fields in the order its stored dict has them, and its columns
    with each one's value conversion."""

    indexed: list[tuple[str, Any, _Text | None]]
    stored: tuple[str, ...]
    columns: list[tuple[str, Any, Any]]


class BatchSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with the postings and per-document data of added chunks written
    in bulk at the commit (module docstring). Everything else — deletes, merges, the TOC — is
    Whoosh's own."""

    def __init__(self, ix: Any, **kwargs: Any):
        super().__init__(ix, **kwargs)
        if self.codec.length_stats or self.codec._inlinelimit > 1:  # NewsCodec has neither
            raise ValueError("the batch writer needs a codec without length stats or inlining")
        # Spelling words and term vectors go through Whoosh's own path, for the whole segment.
        self._bulk = not any(f.separate_spelling() or f.vector for _, f in self.schema.items())
        self._text: dict[str, _TextPostings] = {}
        # Other indexed fields (ids, kinds, the paragraph number): term -> postings in order.
        self._other: dict[str, dict[bytes, list[tuple[int, float, bytes]]]] = {}
        self.buffered = 0  # bytes Whoosh's pool would count for these postings
        # Values analysed or indexed lately: a chunk's text is indexed as ``text`` and as
        # ``exact``, and a document's title, speaker, kind and paragraph numbers recur.
        self._words = _Words()
        self._surface: dict[str, tuple[array, int, int]] = {}
        # (field, value) -> (its (term, weight, value) postings, its length, the bytes they count)
        self._indexed: dict[
            tuple[str, object], tuple[list[tuple[bytes, float, bytes]], int, int]
        ] = {}
        # Stored fields, lengths and columns of the chunks added, written in one pass.
        self._documents: DocumentBatch | None = None
        self._plans: dict[tuple[str, ...], _Plan] = {}

    def add_document(self, **fields: Any) -> None:
        plan = self._plans.get(tuple(fields)) if self._bulk else None
        if plan is None:
            plan = self._plan(fields) if self._bulk else None
            if plan is None:  # boosts, stored_ values, spelling, vectors: Whoosh's own path
                self._hand_over()
                super().add_document(**fields)
                return
        self._check_state()
        docnum = self.docnum
        if self._documents is None:
            self._documents = DocumentBatch(docnum)
        lengths = []
        surface, texts = self._surface, self._text
        for fieldname, field, how in plan.indexed:
            value = fields[fieldname]
            if value is None:
                continue
            if how is None or type(value) is not str:
                length = self._index(fieldname, field, value, docnum)
            else:  # a text analysed a word at a time, often the same as a field before it
                analysed = surface.get(value)
                if analysed is None:
                    analysed = self._analyse(value)
                    surface = self._surface
                wids, n_terms, distinct = analysed
                if not n_terms:
                    continue
                postings = texts.get(fieldname)
                if postings is None:
                    postings = texts[fieldname] = _TextPostings(
                        self._words, how.positions, how.stemmed
                    )
                postings.add(docnum, wids)
                self.buffered += distinct * how.pool_cost + 4 * n_terms
                length = n_terms if how.scorable else 0
            if length:
                lengths.append((fieldname, length))
        stored = {name: fields[name] for name in plan.stored if fields[name] is not None}
        columns = [
            (name, column, to_value(fields[name]))
            for name, column, to_value in plan.columns
            if fields[name] is not None
        ]
        self._documents.add(stored or None, lengths, columns)
        self._added = True
        self.docnum += 1

    def _plan(self, fields: dict[str, Any]) -> _Plan | None:
        """How a document with these field names is written, worked out once per set of names
        (in the order ``add_document`` was given them); None when Whoosh's own path must take
        it."""
        if any(name.startswith("_") for name in fields):
            return None
        schema = self.schema
        names = sorted(fields)
        self._check_fields(schema, names)
        fieldobjs = [(name, schema[name]) for name in names]
        plan = _Plan(
            indexed=[(name, f, _text_field(name, f)) for name, f in fieldobjs if f.indexed],
            stored=tuple(name for name, f in fieldobjs if f.stored),
            columns=[
                (name, f.column_type, f.to_column_value) for name, f in fieldobjs if f.column_type
            ],
        )
        self._plans[tuple(fields)] = plan
        return plan

    def _hand_over(self) -> None:
        """Write the per-document data of the chunks added so far (stored fields, lengths,
        columns), before anything else writes per-document data or the segment is closed."""
        if self._documents is not None:
            documents, self._documents = self._documents, None
            self.perdocwriter.add_documents(documents)

    def add_reader(self, reader: Any) -> None:
        self._hand_over()  # a merged segment's documents come after the batch's
        super().add_reader(reader)

    def _partial_segment(self) -> Any:
        self._hand_over()
        return super()._partial_segment()

    def _close_segment(self) -> None:
        self._documents = None  # only a cancel gets here with documents not handed over
        super()._close_segment()

    def _analyse(self, value: str) -> tuple[array, int, int]:
        """A text's word ids, terms and distinct terms (``_Words.of``), remembered for the
        values that follow."""
        analysed = self._surface[value] = self._words.of(value)
        if len(self._surface) > MEMO:
            self._surface = {value: analysed}
        return analysed

    def _index(self, fieldname: str, field: Any, value: Any, docnum: int) -> int:
        """Buffers one field value's postings; returns the length Whoosh stores for it."""
        key = (fieldname, value)
        memo = type(value) in (str, int)
        indexed = self._indexed.get(key) if memo else None
        if indexed is None:
            postings = list(field.index(value))
            items = [(tbytes, weight * 1.0, vbytes) for tbytes, _, weight, vbytes in postings]
            length = sum(freq for _, freq, _, _ in postings) if field.scorable else 0
            size = sum(_POOL_POSTING + len(fieldname) + 2 * len(t) + len(v) for t, _, v in items)
            indexed = (items, length, size)
            if memo:
                if len(self._indexed) > MEMO:
                    self._indexed = {}
                self._indexed[key] = indexed
        items, length, size = indexed
        other = self._other.get(fieldname)
        if other is None:
            other = self._other[fieldname] = {}
        for tbytes, weight, vbytes in items:
            other.setdefault(tbytes, []).append((docnum, weight, vbytes))
        self.buffered += size
        return length

    def pending_bytes(self) -> int:
        """What Whoosh's pool would hold for the postings added so far (segments are cut at
        the same size as with Whoosh's writer)."""
        return self.buffered + self.pool.currentsize

    # --- the commit ------------------------------------------------------------------------
    def _flush_segment(self) -> None:
        self._hand_over()
        self.perdocwriter.close()
        pooled = self._pooled_postings()
        fw = self.fieldwriter
        for fieldname in sorted({*self._text, *self._other, *pooled}):
            fieldobj = self.schema[fieldname]
            fw.start_field(fieldname, fieldobj)
            out = _TermWriter(fw)
            extra = pooled.get(fieldname, {})
            if fieldname in self._text:
                self._write_text_field(out, fieldobj, self._text[fieldname], extra)
            else:
                other = self._other.get(fieldname, {})
                for tbytes in sorted({*other, *extra}):
                    _write_term(out, tbytes, _in_order(other.get(tbytes), extra.get(tbytes)))
            out.flush()
            fw.finish_field()
        fw.close()

    def _pooled_postings(self) -> dict[str, dict[bytes, list[tuple[int, float, bytes]]]]:
        """What is in Whoosh's pool — a merged segment's postings, or those of documents given
        to Whoosh's own ``add_document`` — by field and term, each term's in document order."""
        out: dict[str, dict[bytes, list[tuple[int, float, bytes]]]] = {}
        if not (self.pool.current or self.pool.runs):
            return out
        field = terms = None
        last = None
        postings: list[tuple[int, float, bytes]] = []
        for fieldname, btext, docnum, weight, value in self.pool.iter_postings():
            if docnum == -1:  # a spelling word, which Whoosh's codec does not write either
                continue
            if fieldname != field:
                field, last = fieldname, None
                terms = out.setdefault(fieldname, {})
            if btext != last:
                last = btext
                postings = terms.setdefault(btext, [])  # type: ignore[union-attr]
            postings.append((docnum, weight, value or b""))
        return out

    def _write_text_field(
        self,
        out: _TermWriter,
        fieldobj: Any,
        text: _TextPostings,
        extra: dict[bytes, list[tuple[int, float, bytes]]],
    ) -> None:
        """A text field's terms in byte order, runs of them at a time straight from the sorted
        arrays; a term the pool also has (``extra``) is merged with it posting by posting."""
        terms, bounds, docs, freqs, positions = text.sorted_postings()
        packed = b""
        if text.positions:
            weights = freqs.astype(np.float64)  # NewsPositions: a posting weighs its positions
            raw = positions.astype("=u4").tobytes()
            ends = (np.cumsum(freqs) * 4).tolist()
            starts = [0, *ends[:-1]]
            values: list[bytes] = [raw[a:b] for a, b in zip(starts, ends, strict=True)]
        else:
            # Whoosh's Frequency value: the frequency as a big-endian uint32, fixed size.
            packed = freqs.astype(">u4").tobytes()
            values = [packed[i : i + 4] for i in range(0, len(packed), 4)] if extra else []
            weights = freqs * fieldobj.format.field_boost
        if (out.fixed is None) != text.positions or out.fixed not in (None, 4):
            raise ValueError(f"{fieldobj.format!r}: not a format the batch writer writes")
        field = _SortedField(
            [term.encode("utf-8") for term in terms],
            bounds,
            docs,
            weights,
            positions if text.positions else None,
            values,
            packed,
        )
        if not extra:
            for lo in range(0, len(terms), _RUN):
                out.own_terms(field, lo, min(lo + _RUN, len(terms)))
            return
        bounds_list = field.bounds
        weight_list = weights.tolist()
        row = field.row
        run: list[int] = []  # own terms between two the pool also has, written together
        for btext in sorted({*field.btexts, *extra}):
            if btext not in extra:
                run.append(row[btext])
                continue
            if run:
                out.own_terms(field, run[0], run[-1] + 1)
                run = []
            t = row.get(btext)
            mine = None
            if t is not None:
                lo, hi = bounds_list[t], bounds_list[t + 1]
                mine = list(
                    zip(field.doc_list[lo:hi], weight_list[lo:hi], values[lo:hi], strict=True)
                )
            _write_term(out, btext, _in_order(mine, extra[btext]))
        if run:
            out.own_terms(field, run[0], run[-1] + 1)


#: Terms written by one ``own_terms`` call at most (their bytes are held until then).
_RUN = 2048


class _SortedField:
    """A text field's sorted postings as the term writer takes them, a run of terms at a time
    (``_TermWriter.own_terms``): each term's postings, their document numbers, weights and
    positions, each posting's value and every block's figures (``_BlockFacts``)."""

    def __init__(
        self,
        btexts: list[bytes],
        bounds: np.ndarray,
        docs: np.ndarray,
        weights: np.ndarray,
        positions: np.ndarray | None,
        values: list[bytes],
        packed: bytes,
    ):
        self.btexts = btexts
        self.row = {btext: t for t, btext in enumerate(btexts)}
        self.bounds_array = bounds
        self.bounds = bounds.tolist()
        self.docs = docs
        self.doc_list = docs.tolist()
        self.weights = weights
        self.weights32 = weights.astype("=f4")  # the codec keeps weights as float32
        self.positions = positions
        self.position_ends = None if positions is None else np.cumsum(weights.astype(np.int64))
        self.values = values
        self.packed = packed
        self.facts = _BlockFacts(docs, weights, self.weights32, bounds)
        # Whole-number weights (term counts) sum to the same float in any order, so a term's
        # total can be a numpy sum; any other weight is summed block by block as Whoosh does.
        self.whole = bool(np.all(self.weights32 == np.round(self.weights32)))


class _BlockFacts:
    """What the postings writer needs of every 128-posting block of a field's sorted postings,
    worked out for all blocks at once: document-number deltas, the top weight, the weights'
    sum and their pickled form (None when all are 1.0, one number when all are equal)."""

    def __init__(self, docs: np.ndarray, weights: np.ndarray, weights32: np.ndarray, bounds):
        lo, hi = bounds[:-1], bounds[1:]
        per_term = (hi - lo + BLOCK - 1) // BLOCK
        first_block = np.append(0, np.cumsum(per_term))
        self.first_block = first_block.tolist()
        edge = np.zeros(int(first_block[-1]), dtype=bool)
        edge[first_block[:-1]] = True
        self.opens = edge.tolist()  # a term's first block
        edge[:] = False
        edge[first_block[1:] - 1] = True
        self.closes = edge.tolist()  # a term's last block
        owner = np.repeat(np.arange(len(lo)), per_term)
        nth = np.arange(len(owner)) - np.repeat(self.first_block[:-1], per_term)
        starts = lo[owner] + BLOCK * nth
        self.starts = starts.tolist()
        self.ends = np.minimum(starts + BLOCK, hi[owner]).tolist()
        deltas = docs.astype(np.int64)
        deltas[1:] -= docs[:-1]
        deltas[starts] = docs[starts]  # a block's first delta is its first document number
        self.deltas = deltas.tolist()
        if len(starts):
            self.top = np.maximum.reduceat(weights, starts).tolist()
            low32 = np.minimum.reduceat(weights32, starts)
            high32 = np.maximum.reduceat(weights32, starts)
        else:
            self.top = []
            low32 = high32 = weights32[:0]
        self.ones = ((low32 == 1.0) & (high32 == 1.0)).tolist()
        self.equal = (low32 == high32).tolist()
        self.weights32 = weights32.tolist()  # as Python floats: what an array("f") gives


def _in_order(
    own: list[tuple[int, float, bytes]] | None, pooled: list[tuple[int, float, bytes]] | None
) -> list[tuple[int, float, bytes]]:
    """One term's postings from the batch and from the pool, in document order."""
    if not pooled:
        return own or []
    if not own:
        return pooled
    return sorted(own + pooled, key=lambda p: p[0])


def _write_term(out: _TermWriter, btext: bytes, postings: list[tuple[int, float, bytes]]) -> None:
    """One term's (docnum, weight, value) postings, a block at a time."""
    blocks = []
    for lo in range(0, len(postings), BLOCK):
        part = postings[lo : lo + BLOCK]
        ids = array("I", [p[0] for p in part])
        weights = array("f", [p[1] for p in part])
        if all(w == 1.0 for w in weights):
            mini: Any = None
        elif all(w == weights[0] for w in weights):
            mini = weights[0]
        else:
            mini = tuple(weights)
        blocks.append(
            (
                ids,
                weights,
                [p[2] for p in part if p[2]],
                max(p[1] for p in part),
                tuple(delta_encode(ids)),
                mini,
                sum(weights),
            )
        )
    out.term(btext, blocks)


_NO_LENGTHS = (length_to_byte(None), length_to_byte(0))  # NewsCodec keeps no length statistics
#: Whoosh 3's term record (``W3TermInfo``) of a term whose postings are not inlined.
_TERM_RECORD = np.dtype(
    [
        ("inlined", "u1"),
        ("weight", ">f4"),
        ("df", ">u4"),
        ("minlength", "u1"),
        ("maxlength", "u1"),
        ("maxweight", ">f4"),
        ("minid", ">u4"),
        ("maxid", ">u4"),
        ("offset", ">i8"),
        ("length", ">i4"),
    ]
)


class _TermWriter:
    """One field's terms, each written as Whoosh's postings writer writes it when handed the
    postings one by one: each block's pickled (deltas, weights, values) behind its pickled
    summary and signed length (negative for the last), the term's statistics in its term
    record, and the flat copy (NewsCodec's ``block`` and ``term_*`` hooks). The postings file
    and Whoosh's term table (``OrderedHashWriter``: a length header, the key, the record, the
    key's hash in its bucket and the record's place in the index) are written many terms at a
    time, with the bytes one write per term gives: three small writes, a ``tell`` and an md5
    hex string per term were a third of a commit's per-term time."""

    #: Postings bytes held before they are written out (a full corpus's field is far larger).
    HOLD = 1 << 20

    def __init__(self, fw: Any):
        self.fw = fw
        self.postfile = fw._postfile
        self.fixed = fw._format.fixed_value_size()
        self.compression = fw._codec._compression
        self.prefix = pack_ushort(fw._fieldid)
        self.start = self.postfile.tell()  # where the held bytes go
        self.held: list[bytes] = []
        self.size = 0
        self.rows: list[tuple[bytes, bytes]] = []  # (term key, term record)

    def term(self, btext: bytes, blocks: list[tuple[Any, ...]]) -> None:
        """One term's postings, given as (document numbers, weights, values, top weight,
        document number deltas, weights as pickled, weights' sum) blocks."""
        fw = self.fw
        fw._btext = btext
        fw.term_started()
        fixed = self.fixed
        compression = self.compression
        info = W3TermInfo()
        out = self.held
        out.append(_BLOCK_MAGIC)
        size = len(_BLOCK_MAGIC)
        last = len(blocks) - 1
        for n, (ids, weights, values, top, deltas, mini_weights, weight) in enumerate(blocks):
            fw.block(ids, weights, values)
            info._weight += weight
            info._df += len(ids)
            info._maxweight = max(info._maxweight, top)
            if info._minid is None:
                info._minid = ids[0]
            info._maxid = ids[-1]
            if fixed is None or fixed < 0:
                mini_values: Any = tuple(values)
            elif fixed == 0:
                mini_values = None
            else:
                mini_values = b"".join(values)
            data = dumps((deltas, mini_weights, mini_values), 2)
            if compression:
                data = zlib.compress(data, compression)
            summary = dumps((len(ids), ids[-1], top, compression, *_NO_LENGTHS), 2)
            length = len(summary) + len(data)
            out += (pack_int(-length if n == last else length), summary, data)
            size += 4 + length
        info.set_extent(self.start + self.size, size)
        self.size += size
        fw.term_finished(info)
        self.rows.append((self.prefix + btext, info.to_bytes()))
        if self.size > self.HOLD:
            self.flush()

    def own_terms(self, field: _SortedField, t0: int, t1: int) -> None:
        """Terms ``t0`` to ``t1`` of a sorted text field, with the bytes ``term`` writes for
        each in turn: their blocks pickled one after the other in one loop, their term records,
        the flat copy's rows and posting ranges worked out for the run with numpy."""
        if t0 >= t1:
            return
        facts = field.facts
        compression = self.compression
        positions = field.positions is not None
        b0, b1 = facts.first_block[t0], facts.first_block[t1]
        starts, ends, deltas, top = facts.starts, facts.ends, facts.deltas, facts.top
        ones, equal, weights32 = facts.ones, facts.equal, facts.weights32
        opens, closes = facts.opens, facts.closes
        doc_list, values, packed = field.doc_list, field.values, field.packed
        out = self.held
        sizes = []  # each term's bytes
        size = 0
        for n in range(b0, b1):
            b, e = starts[n], ends[n]
            if opens[n]:
                out.append(_BLOCK_MAGIC)
                size = len(_BLOCK_MAGIC)
            if ones[n]:
                mini: Any = None
            elif equal[n]:
                mini = weights32[b]
            else:
                mini = tuple(weights32[b:e])
            data = dumps(
                (
                    tuple(deltas[b:e]),
                    mini,
                    tuple(values[b:e]) if positions else packed[4 * b : 4 * e],
                ),
                2,
            )
            if compression:
                data = zlib.compress(data, compression)
            summary = dumps((e - b, doc_list[e - 1], top[n], compression, *_NO_LENGTHS), 2)
            length = len(summary) + len(data)
            if closes[n]:
                out += (pack_int(-length), summary, data)
                sizes.append(size + 4 + length)
            else:
                out += (pack_int(length), summary, data)
                size += 4 + length
        term_sizes = np.array(sizes, dtype=np.int64)
        offsets = self.start + self.size + np.cumsum(term_sizes) - term_sizes
        self.size += int(term_sizes.sum())
        bounds = field.bounds_array[t0 : t1 + 1]
        lo, hi = int(bounds[0]), int(bounds[-1])
        firsts = bounds[:-1] - lo
        docs = field.docs[lo:hi]
        if field.whole:
            total = np.add.reduceat(field.weights32[lo:hi].astype(np.float64), firsts)
        else:  # block by block, in Whoosh's order of additions
            block_sums = [sum(weights32[starts[n] : ends[n]]) for n in range(b0, b1)]
            total = np.array(
                [
                    sum(block_sums[a - b0 : z - b0], 0.0)
                    for a, z in zip(
                        facts.first_block[t0:t1], facts.first_block[t0 + 1 : t1 + 1], strict=True
                    )
                ]
            )
        records = np.zeros(t1 - t0, dtype=_TERM_RECORD)
        records["weight"] = total
        records["df"] = np.diff(bounds)
        records["maxlength"] = _NO_LENGTHS[1]
        records["maxweight"] = np.maximum(np.maximum.reduceat(field.weights[lo:hi], firsts), 0)
        records["minid"] = docs[firsts]
        records["maxid"] = docs[bounds[1:] - lo - 1]
        records["offset"] = offsets
        records["length"] = term_sizes
        raw = records.tobytes()
        step = _TERM_RECORD.itemsize
        btexts = field.btexts[t0:t1]
        prefix = self.prefix
        self.rows += [
            (prefix + btext, raw[i : i + step])
            for btext, i in zip(btexts, range(0, len(raw), step), strict=True)
        ]
        if positions:
            p_lo = int(field.position_ends[lo - 1]) if lo else 0
            p_hi = int(field.position_ends[hi - 1])
            term_positions = field.positions[p_lo:p_hi]
        else:
            term_positions = None
        self.fw.add_terms(btexts, offsets, bounds, docs, field.weights32[lo:hi], term_positions)
        if self.size > self.HOLD:
            self.flush()

    def flush(self) -> None:
        """Write what is held: the postings, then the terms' rows of Whoosh's term table."""
        if self.postfile.tell() != self.start:
            raise RuntimeError("the postings file moved under a held write")
        self.postfile.write(b"".join(self.held))
        self.start = self.postfile.tell()
        self.held, self.size = [], 0
        rows, self.rows = self.rows, []
        if not rows:
            return
        tindex = self.fw._tindex
        last = tindex.lastkey
        dbfile = tindex.dbfile
        pos = dbfile.tell()
        buckets, index = tindex.buckets, tindex.index
        md5 = tindex.hashfn is md5_hash
        hashfn = tindex.hashfn
        parts: list[bytes] = []
        for key, value in rows:
            if key <= last:
                raise ValueError(f"Keys must increase: {last!r}..{key!r}")
            last = key
            index.append(pos)
            if md5:  # md5_hash's low 32 bits of the hex digest: the digest's last four bytes
                h = int.from_bytes(hashlib.md5(key, usedforsecurity=False).digest()[-4:], "big")
            else:
                h = hashfn(key)
            buckets[h & 255].append((h, pos))
            head = _HASH_LENGTHS.pack(len(key), len(value))
            parts += (head, key, value)
            pos += len(head) + len(key) + len(value)
        dbfile.write(b"".join(parts))
        tindex.lastkey = last
