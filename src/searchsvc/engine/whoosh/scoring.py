"""Scoring: BM25F over whole match sets with numpy, one posting block at a time.

Whoosh scores matches one document at a time in Python (``score()`` → ``doc_field_length()`` →
column lookups per posting), which is what makes common words and the OR of a natural-language
question cost hundreds of milliseconds on a few hundred thousand chunks (BENCHMARKS.md).
Real engines score postings in bulk; this module does the same with the data Whoosh already keeps:

* a term's postings are read block by block (ids are delta-coded, term frequencies are arrays)
  straight into numpy;
* each segment's per-field lengths (Whoosh's one-byte length column) are decoded once into a
  float array, cached by segment id;
* the query tree is evaluated bottom-up into a dense (match mask, score) pair: AND intersects and
  adds, OR unions and adds, NOT and AND NOT subtract, a field boost multiplies. Phrases need
  positions, so their match set comes from Whoosh's phrase matcher and their score is the BM25 of
  their words on those chunks.

The formula is BM25F with per-field B and K1, the probabilistic idf and a floor on relative length
(``engine/ranking.py`` says why). Whoosh remains the storage and, for anything but
consecutive-word phrases, the matcher; the query comes from ``query.py``'s translation of the
parsed tree, and this module only replaces Whoosh's per-document scoring loop.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from ...errors import QueryTooExpensive
from ..pacing import give_way, paced
from ..ranking import MIN_RELATIVE_LENGTH, bm25_idf
from .postings import PostingFiles, term_hashes

# BM25 parameters, tuned on CISI together with the field boosts in query.py: term frequency
# saturates slowly (K1) and long paragraphs are normalised firmly (B).
K1 = 2.6
FIELD_B = {"text": 0.9, "exact": 0.9, "title": 0.3, "speaker_t": 0.0, "source_t": 0.0}
_BYTE_LENGTHS = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)


@dataclass
class Scored:
    mask: np.ndarray  # bool, chunks that match
    score: np.ndarray | None  # float32, meaningful where mask; None when the subtree only filters


class LengthCache:
    """Per-segment field lengths as Whoosh's one-byte codes (``_BYTE_LENGTHS`` maps them to
    lengths), read once per segment: a byte per chunk and field instead of a float."""

    def __init__(self) -> None:
        self._lengths: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def codes(self, leaf, fieldname: str) -> np.ndarray:
        segment = leaf.segment()
        key = (segment.segment_id(), fieldname)
        cached = self._lengths.get(key)
        if cached is not None:
            return cached
        n = leaf.doc_count_all()
        out = np.zeros(n, dtype=np.uint8)  # no length column: no postings in this field either
        reader = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if reader is not None:
            count = min(reader._count, n)
            raw = reader._dbfile.get(reader._basepos, count)
            out[:count] = np.frombuffer(bytes(raw), dtype=np.uint8)
        with self._lock:
            self._lengths[key] = out
        return out

    def forget_except(self, live_segments: set[str]) -> None:
        with self._lock:
            for key in [k for k in self._lengths if k[0] not in live_segments]:
                del self._lengths[key]


class PostingCache:
    """A term's postings in one segment: read from the flat files when the segment has them
    (postings.py), else decoded from Whoosh's blocks and kept, least recently used first out,
    bounded in bytes.

    Segments never change once written, so an entry stays true as long as its segment exists;
    deleted chunks are masked out by the caller. Frequent words are the expensive ones to decode
    and the ones every other query asks for again."""

    def __init__(self, max_bytes: int = 96 * 1024 * 1024):
        self.files = PostingFiles()
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[tuple, tuple[np.ndarray, np.ndarray] | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, leaf, fieldname: str, text) -> tuple[np.ndarray, np.ndarray] | None:
        files = self.files.of(leaf)
        if files is not None:  # flat files: one read, nothing to decode or to keep
            return files.term_postings(leaf, fieldname, text)
        key = (leaf.segment().segment_id(), fieldname, text)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = read_postings(leaf, fieldname, text)
        size = 64 + (value[0].nbytes + value[1].nbytes if value is not None else 0)
        with self._lock:
            self._items[key] = value
            self.bytes += size
            while self.bytes > self.max_bytes and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self.bytes -= 64 + (old[0].nbytes + old[1].nbytes if old is not None else 0)
        return value

    def forget_except(self, live_segments: set[str]) -> None:
        self.files.forget_except(live_segments)
        with self._lock:
            for key in [k for k in self._items if k[0] not in live_segments]:
                old = self._items.pop(key)
                self.bytes -= 64 + (old[0].nbytes + old[1].nbytes if old is not None else 0)


TERM_SCORES_BYTES = 12 * 1024 * 1024  # per index generation and process


class TermScores:
    """A term's ids over all segments and its BM25F contributions, remembered for one index
    generation (a ``View`` holds one), least recently used first out, bounded in bytes.

    The contributions depend only on the term, its boost and the generation's statistics
    (chunk count, average field lengths), so a remembered array is exactly what reading and
    scoring the postings again would give. What makes that worth keeping: the words people
    search for recur (the newsroom's "president", "white", "house"), a long question is
    evaluated several times over (a feedback pass, then its words with the feedback terms,
    then the partial top-up), and reading a common word's postings and scoring them is most
    of such a search's time. The arrays are shared, so they are read-only."""

    def __init__(self, max_bytes: int = TERM_SCORES_BYTES):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[tuple, tuple[np.ndarray, np.ndarray | None] | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[tuple[np.ndarray, np.ndarray | None] | None, bool]:
        """(the remembered value, whether there was one)."""
        with self._lock:
            if key not in self._items:
                return None, False
            self._items.move_to_end(key)
            return self._items[key], True

    def put(self, key: tuple, value: tuple[np.ndarray, np.ndarray | None] | None) -> None:
        if value is not None:
            for array in value:
                if array is not None:
                    array.flags.writeable = False
        size = _size(value)
        if size > self.max_bytes // 4:  # one huge term must not flush every other
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self.bytes += size
            while self.bytes > self.max_bytes and self._items:
                _, old = self._items.popitem(last=False)
                self.bytes -= _size(old)


# More terms than a word has fields: a question's OR, feedback terms or a prefix's expansions,
# whose rows are looked up together; a word's own few fields gain nothing from it.
LOOK_UP_TOGETHER = 4
EVALUATIONS_KEPT = 3  # dense results per index generation and process (≈ 5 bytes per chunk each)
MIN_TERMS_KEPT = 16  # only trees this big are asked for again (a question: 5+ words × 4 fields)


class Evaluations:
    """The dense results of the last few big ANDs and ORs, for one index generation.

    A long question is searched twice (a feedback pass, then with the feedback terms), and
    each pass evaluates its words twice (all of them, then any of them for the partial
    top-up) and the feedback terms twice (with each): the same subtrees, each an OR of dozens
    of terms over every chunk. A result is handed out as a copy, since the evaluation consumes
    its parts' arrays in place."""

    def __init__(self, kept: int = EVALUATIONS_KEPT):
        self.kept = kept
        self._items: OrderedDict[tuple, Scored] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Scored | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
        return Scored(found.mask.copy(), None if found.score is None else found.score.copy())

    def put(self, key: tuple, value: Scored) -> None:
        kept = Scored(value.mask.copy(), None if value.score is None else value.score.copy())
        with self._lock:
            self._items[key] = kept
            while len(self._items) > self.kept:
                self._items.popitem(last=False)


def _size(value: tuple[np.ndarray, np.ndarray | None] | None) -> int:
    if value is None:
        return 64
    return 64 + sum(a.nbytes for a in value if a is not None)


class Scorer:
    """Evaluates one query over one searcher into dense arrays of ``size`` chunks."""

    def __init__(
        self,
        searcher,
        size: int,
        lengths: LengthCache,
        postings: PostingCache,
        deadline: float | None = None,
        remembered: TermScores | None = None,
        evaluations: Evaluations | None = None,
    ):
        self.searcher = searcher
        self.postings = postings
        self.remembered = remembered
        self.evaluations = evaluations
        self.deadline = deadline
        self.size = size
        self.lengths = lengths
        self.leaves = [
            (leaf, offset)
            for leaf, offset in searcher.reader().leaf_readers()
            if leaf.segment() is not None
        ]
        self.n_docs = max(searcher.doc_count_all(), 1)
        # Per segment and field, for this search: a question reads a few hundred terms in each
        # segment, and asking Whoosh for a segment's id to find them costs as much as reading a
        # rare term's postings.
        self._files = [postings.files.of(leaf) for leaf, _ in self.leaves]
        self._codes: dict[tuple[int, str], np.ndarray] = {}
        self._norms: dict[str, np.ndarray] = {}

    def evaluate(self, q: wq.Query, scored: bool = True) -> Scored:
        """The query's matches and scores over every chunk, in arrays the caller owns (built
        for it, or copies of a remembered result), so it may change them in place."""
        if (
            self.evaluations is not None
            and isinstance(q, wq.And | wq.Or)
            and sum(isinstance(leaf, wq.Term) for leaf in q.leaves()) >= MIN_TERMS_KEPT
        ):
            key = (q, scored)
            found = self.evaluations.get(key)
            if found is None:
                found = self._evaluate(q, scored)
                self.evaluations.put(key, found)
            return found
        return self._evaluate(q, scored)

    def _evaluate(self, q: wq.Query, scored: bool) -> Scored:
        if q is wq.NullQuery or isinstance(q, wq.qcore._NullQuery):
            return Scored(self._none(), None)
        if isinstance(q, wq.Every):
            return Scored(np.ones(self.size, dtype=bool), None)
        if isinstance(q, wq.Term):
            return self._terms([q], 1.0, scored)
        if isinstance(q, wq.Or) and not getattr(q, "minmatch", 0):
            # Per-field alternatives and prefix expansions are ORs of plain terms: gather all
            # their postings and make one dense pass, instead of one dense array per term.
            terms = [sub for sub in q.subqueries if isinstance(sub, wq.Term)]
            parts = [
                self.evaluate(sub, scored) for sub in q.subqueries if not isinstance(sub, wq.Term)
            ]
            if terms:
                parts.append(self._terms(terms, 1.0, scored))
            if not parts:
                return Scored(self._none(), None)
            mask = parts[0].mask  # owned, like every part's arrays (see ``_sum``)
            for p in parts[1:]:
                mask |= p.mask
            return Scored(mask, _sum(parts, q.boost))
        if isinstance(q, wq.And):
            parts = [self.evaluate(sub, scored) for sub in q.subqueries]
            mask = parts[0].mask
            for p in parts[1:]:
                mask &= p.mask
            return Scored(mask, _sum(parts, q.boost))
        if isinstance(q, wq.AndNot):
            a = self.evaluate(q.a, scored)
            b = self.evaluate(q.b, False)
            return Scored(a.mask & ~b.mask, a.score)
        if isinstance(q, wq.AndMaybe):
            a = self.evaluate(q.a, scored)
            b = self.evaluate(q.b, scored)
            return Scored(a.mask, _sum([a, Scored(b.mask, b.score)], 1.0))
        if isinstance(q, wq.Not):
            return Scored(~self.evaluate(q.query, False).mask, None)
        if isinstance(q, wq.Phrase):
            return self._phrase(q, scored)
        # Anything else: Whoosh's own matcher for the match set, unscored.
        return Scored(self._whoosh_mask(q), None)

    # --- leaves ----------------------------------------------------------------------------
    def _terms(self, terms: list[wq.Term], boost: float, scored: bool) -> Scored:
        """The OR of plain terms: a scatter for the mask and a scatter-add for the scores."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTooExpensive(
                "the query took longer than the time budget; use fewer or rarer terms"
            )
        if len(terms) > LOOK_UP_TOGETHER:
            self._look_up(terms)
        ids_parts: list[np.ndarray] = []
        score_parts: list[np.ndarray | None] = []  # None: a field that is not scored
        for term in terms:
            give_way()  # between two terms' postings (a prefix may expand to a hundred)
            found = self._postings_of(term, scored)
            if found is not None:
                ids_parts.append(found[0])
                score_parts.append(found[1])
        mask = self._none()
        if not ids_parts:
            return Scored(mask, np.zeros(self.size, dtype=np.float32) if scored else None)
        if len(ids_parts) > LOOK_UP_TOGETHER:
            return self._scatter_together(mask, ids_parts, score_parts, boost, scored)
        # Postings are 32-bit; numpy converts any other index to its own integer on every fancy
        # access, so convert once for the mask and the scores (a third of the scatter's time).
        ids_parts = [ids.astype(np.intp, copy=False) for ids in ids_parts]
        for ids in ids_parts:
            mask[ids] = True
        if not scored:
            return Scored(mask, None)
        # A term's ids are unique within one field of one segment, so each part can be added
        # in place: work in proportion to the postings, not to the whole index.
        score = np.zeros(self.size, dtype=np.float32)
        for ids, contribution in zip(ids_parts, score_parts, strict=True):
            if contribution is not None:
                score[ids] += contribution
        if boost != 1.0:
            score *= boost
        return Scored(mask, score)

    def _scatter_together(
        self,
        mask: np.ndarray,
        ids_parts: list[np.ndarray],
        score_parts: list[np.ndarray | None],
        boost: float,
        scored: bool,
    ) -> Scored:
        """``_terms``' scatters for many terms at once (a question's OR, its feedback terms, a
        prefix's expansions): one scatter for the mask and one unbuffered add for the scores,
        instead of two numpy calls per term, most of them for a rare term's few postings.
        ``np.add.at`` adds a chunk's contributions one after another in the order given, which
        is the terms' order: the float32 sums of the term-by-term loop, to the last bit."""
        mask[np.concatenate(ids_parts).astype(np.intp, copy=False)] = True
        if not scored:
            return Scored(mask, None)
        pairs = [(i, c) for i, c in zip(ids_parts, score_parts, strict=True) if c is not None]
        score = np.zeros(self.size, dtype=np.float32)
        if pairs:
            ids = np.concatenate([i for i, _ in pairs]).astype(np.intp, copy=False)
            np.add.at(score, ids, np.concatenate([c for _, c in pairs]))
        if boost != 1.0:
            score *= boost
        return Scored(mask, score)

    def _look_up(self, terms: list[wq.Term]) -> None:
        """Find the terms' rows in each segment's flat postings all at once, a field at a time
        (``SegmentPostings.find_many``), before they are read one by one."""
        by_field: dict[str, list] = {}
        for term in terms:
            if term.fieldname in self.searcher.schema:
                by_field.setdefault(term.fieldname, []).append(term.text)
        hashes: dict[str, dict] = {}
        for (leaf, _), files in zip(self.leaves, self._files, strict=True):
            if files is not None:
                for fieldname, texts in by_field.items():
                    if fieldname not in hashes:
                        hashes[fieldname] = term_hashes(leaf, fieldname, texts)
                    files.find_many(leaf, fieldname, texts, hashes[fieldname])

    def _postings_of(
        self, term: wq.Term, scored: bool
    ) -> tuple[np.ndarray, np.ndarray | None] | None:
        """(global ids, BM25F contributions or None) of one term over all segments at once, so
        the arithmetic and the scatter that follow are a few numpy calls however many segments
        the index has; None when no segment has the term."""
        fieldname, text = term.fieldname, term.text
        if fieldname not in self.searcher.schema:
            return None
        scored = scored and self.searcher.schema[fieldname].scorable
        if self.remembered is None:
            return self._read_postings(term, scored)
        key = (fieldname, text, term.boost if scored else None)
        value, known = self.remembered.get(key)
        if not known and not scored:  # the ids of a scored entry serve as well
            value, known = self.remembered.get((fieldname, text, 1.0))
            value = None if value is None else (value[0], None)
        if not known:
            value = self._read_postings(term, scored)
            self.remembered.put(key, value)
        return value

    def _read_postings(
        self, term: wq.Term, scored: bool
    ) -> tuple[np.ndarray, np.ndarray | None] | None:
        fieldname, text = term.fieldname, term.text
        ids_parts, tf_parts, codes_parts = [], [], []
        for i, (leaf, offset) in enumerate(self.leaves):
            files = self._files[i]
            if files is None:
                postings = self.postings.get(leaf, fieldname, text)
            else:  # the segment's flat files, found once for this search
                postings = files.term_postings(leaf, fieldname, text)
            if postings is not None:
                ids, tf = postings
                ids_parts.append(ids + offset)
                if scored:
                    tf_parts.append(tf)
                    # ``take``, not fancy indexing: a plain gather, much faster for 32-bit ids.
                    codes_parts.append(np.take(self._segment_codes(i, leaf, fieldname), ids))
        if not ids_parts:
            return None
        ids = np.concatenate(ids_parts) if len(ids_parts) > 1 else ids_parts[0]
        if not scored:
            return ids, None
        tf = np.concatenate(tf_parts) if len(tf_parts) > 1 else tf_parts[0]
        codes = np.concatenate(codes_parts) if len(codes_parts) > 1 else codes_parts[0]
        # Document frequency as Whoosh counts it (postings, deleted chunks included), from the
        # postings in hand rather than a second term lookup per segment.
        idf = bm25_idf(self.n_docs, len(ids))
        norm = tf + np.take(self._length_norms(fieldname), codes)
        return ids, term.boost * idf * (tf * (K1 + 1)) / norm

    def _segment_codes(self, i: int, leaf, fieldname: str) -> np.ndarray:
        codes = self._codes.get((i, fieldname))
        if codes is None:
            codes = self._codes[(i, fieldname)] = self.lengths.codes(leaf, fieldname)
        return codes

    def _length_norms(self, fieldname: str) -> np.ndarray:
        norms = self._norms.get(fieldname)
        if norms is None:
            avg = self.searcher.avg_field_length(fieldname, 1.0) or 1.0
            norms = _length_norms(FIELD_B.get(fieldname, 0.75), avg)
            self._norms[fieldname] = norms
        return norms

    def _phrase(self, q: wq.Phrase, scored: bool) -> Scored:
        # Only chunks with every word can hold the phrase: check positions on those alone.
        words = [wq.Term(q.fieldname, w) for w in q.words]
        parts = [self._terms([t], 1.0, scored) for t in words]
        candidates = parts[0].mask.copy()
        for p in parts[1:]:
            candidates &= p.mask
        mask = self._phrase_mask(q, candidates)
        if not scored:
            return Scored(mask, None)
        score = _sum(parts, q.boost)
        return Scored(mask, None if score is None else score * mask)

    def _phrase_mask(self, q: wq.Phrase, candidates: np.ndarray) -> np.ndarray:
        """Chunks among ``candidates`` (which hold every word) where the words are consecutive.

        Positions are decoded only for candidate chunks, and only posting blocks that contain a
        candidate are read at all — Whoosh's phrase matcher decodes every co-occurrence."""
        out = self._none()
        if not candidates.any() or q.fieldname not in self.searcher.schema:
            return out
        if q.slop != 1 or not self.searcher.schema[q.fieldname].format.supports("positions"):
            return self._whoosh_mask(q) & candidates
        for leaf, offset in paced(self.leaves):
            local = np.flatnonzero(candidates[offset : offset + leaf.doc_count_all()])
            if not len(local):
                continue
            # (chunk, position) pairs as one integer each, shifted back by the word's place in
            # the phrase: the phrase starts wherever every word's set holds the same key.
            starts = None
            for i, word in enumerate(q.words):
                keys = self._positions(leaf, q.fieldname, word, local) - i
                starts = (
                    keys if starts is None else np.intersect1d(starts, keys, assume_unique=True)
                )
                if not len(starts):
                    break
            if starts is not None and len(starts):
                out[np.unique(starts >> _POS_BITS) + offset] = True
        return out

    def _positions(self, leaf, fieldname: str, text, wanted: np.ndarray) -> np.ndarray:
        files = self.postings.files.of(leaf)
        if files is not None:
            row = files.find(leaf, fieldname, text)
            if row is None:
                return np.zeros(0, dtype=np.int64)
            found = files.positions_in(row, wanted)
            if found is not None:
                return _keys(*found)
        return _keys(*_positions(leaf, fieldname, text, wanted))

    def _whoosh_mask(self, q: wq.Query) -> np.ndarray:
        out = self._none()
        ids = np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)
        out[ids] = True
        return out

    def _none(self) -> np.ndarray:
        return np.zeros(self.size, dtype=bool)


def _length_norms(b: float, avg: float) -> np.ndarray:
    """BM25's length part of the denominator, ``K1 × (1 − b + b × relative length)``, for each
    of the 256 one-byte length codes: the same float32 arithmetic as per posting, done once per
    code instead of once per posting, so a common word's scores are the same to the last bit."""
    relative = np.maximum(_BYTE_LENGTHS / avg, MIN_RELATIVE_LENGTH)
    return K1 * ((1 - b) + b * relative)


def _sum(parts: list[Scored], boost: float) -> np.ndarray | None:
    """The parts' scores added into the first one's array: every ``Scored`` owns its arrays
    (each node builds fresh ones and its parent consumes them), so no copy is needed."""
    scores = [p.score for p in parts if p.score is not None]
    if not scores:
        return None
    total = scores[0]
    for more in scores[1:]:
        total += more
    if boost != 1.0:
        total *= boost
    return total


_NONE = np.zeros(0, dtype=np.int64)
_POS_BITS = 24  # positions below 16 M per chunk; a chunk is at most a few hundred words


def _positions(leaf, fieldname: str, text, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(chunk, position) of every position of one term in the ``wanted`` (sorted, segment-local)
    chunks of one segment, from Whoosh's blocks; only blocks holding a wanted chunk are decoded."""
    chunks: list[int] = []
    positions: list[int] = []
    if (fieldname, text) not in leaf:
        return _NONE, _NONE
    fmt = leaf.schema[fieldname].format
    try:
        m = leaf._terms.matcher(fieldname, leaf._text_to_bytes(fieldname, text), fmt)
    except TermNotFound:
        return _NONE, _NONE
    previous_max = -1
    while m.is_active():
        block_max = m._maxid if hasattr(m, "_maxid") else m.id()
        lo = np.searchsorted(wanted, previous_max, side="right")
        hi = np.searchsorted(wanted, block_max, side="right")
        if hi > lo and hasattr(m, "_read_data"):  # this block may hold candidates: decode it
            if m._data is None:
                m._read_data()
            raw = np.asarray(m._data[0], dtype=np.int64)
            ids = raw if m._byteids else np.cumsum(raw)
            values = m._data[2]
            want = wanted[lo:hi]
            idx = np.searchsorted(ids, want)
            idx = idx[idx < len(ids)]
            for k in idx[np.isin(ids[idx], want)].tolist():
                found = fmt.decode_positions(values[k])
                chunks.extend([int(ids[k])] * len(found))
                positions.extend(found)
        elif hi > lo:  # not a block matcher: step through it
            if m.id() in wanted:
                found = list(m.value_as("positions"))
                chunks.extend([m.id()] * len(found))
                positions.extend(found)
            m.next()
            previous_max = block_max
            continue
        previous_max = block_max
        m._next_block()
    return np.array(chunks, dtype=np.int64), np.array(positions, dtype=np.int64)


def _keys(chunks: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``chunk << _POS_BITS | position``, unique and sorted: one integer per occurrence."""
    return np.unique((chunks << _POS_BITS) | positions)


def read_postings(leaf, fieldname: str, text) -> tuple[np.ndarray, np.ndarray] | None:
    """(ids, term frequencies) of one term in one segment, read a block at a time."""
    if (fieldname, text) not in leaf:
        return None
    btext = leaf._text_to_bytes(fieldname, text)
    try:
        m = leaf._terms.matcher(fieldname, btext, leaf.schema[fieldname].format)
    except TermNotFound:
        return None
    if not hasattr(m, "_read_data"):  # not a Whoosh 3 block matcher: step through it
        ids, tfs = [], []
        while m.is_active():
            ids.append(m.id())
            tfs.append(m.weight())
            m.next()
        return np.array(ids, dtype=np.int64), np.array(tfs, dtype=np.float32)
    id_blocks, tf_blocks = [], []
    while m.is_active():
        if m._data is None:
            m._read_data()
        raw_ids, weights = m._data[0], m._data[1]
        ids = np.asarray(raw_ids, dtype=np.int64)
        id_blocks.append(ids if m._byteids else np.cumsum(ids))
        n = len(ids)
        if weights is None:
            tf_blocks.append(np.ones(n, dtype=np.float32))
        elif isinstance(weights, float):
            tf_blocks.append(np.full(n, weights, dtype=np.float32))
        else:
            tf_blocks.append(np.asarray(weights, dtype=np.float32))
        m._next_block()
    if not id_blocks:
        return None
    return np.concatenate(id_blocks), np.concatenate(tf_blocks)
