"""The Whoosh schema: one index document per chunk.

Searchable text lives in two flavours of the same words: ``text`` (stemmed) and ``exact`` (surface
forms); a query searches both, so a chunk with the very word scores in both fields and outranks one
that only shares a stem. ``title`` and ``speaker_t``/``source_t`` make document titles and speaker
names searchable (and reachable as ``title:``, ``speaker:`` and ``source:`` in queries).

Facet values are kept twice, for two different readers: a single ``facets`` column (one compact
string per chunk, see ``encode_facets``, compressed many chunks at a time by ``blocks.py``; an
index created before that keeps Whoosh's raw column, its schema says which) that ``columns.py``
loads into numpy arrays to count and filter fast, and ``STORED`` fields for rendering hits.
"""

from __future__ import annotations

from whoosh.analysis import IDTokenizer, LowercaseFilter
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema

from ..models import EXTRA_FACETS, FACETS
from .analyzer import NewsAnalyzer
from .blocks import BlockColumn
from .postings import NewsFrequency, NewsPositions

# Single-valued facets, then multi-valued ones, in column order.
SINGLE_FACETS = (*FACETS, "doc_id", "chunk_kind", "date")
MULTI_FACETS = EXTRA_FACETS
FIELD_SEP = "\x1e"
VALUE_SEP = "\x1f"


def build_schema() -> Schema:
    stemmed = NewsAnalyzer(stemming=True)
    surface = NewsAnalyzer(stemming=False)
    text = TEXT(analyzer=stemmed, stored=True, phrase=True)
    text.format = NewsPositions()  # flat positions, read by postings.py
    # Only ``text`` keeps positions (phrases are matched there); the other fields score words,
    # and leaving positions out of them halves what indexing writes and scoring reads.
    exact, title, speaker, source = (
        TEXT(analyzer=analyzer, phrase=False) for analyzer in (surface, stemmed, surface, surface)
    )
    for field in (exact, title, speaker, source):
        field.format = NewsFrequency()
    return Schema(
        # A chunk is looked up by its document's id (deletes, replacements, the document view,
        # ``related``); its own id and paragraph number are only read back with its stored
        # fields, so they are not indexed: as terms they were two thirds of the index's terms.
        # An index created before keeps its pickled schema, with both indexed.
        id=STORED,
        doc_id=ID(stored=True),
        paragraph=STORED,
        text=text,
        exact=exact,
        title=title,
        speaker_t=speaker,
        source_t=source,
        kind=ID(analyzer=_folded_id()),
        role=ID(analyzer=_folded_id()),
        facets=COLUMN(BlockColumn()),  # read in order (columns.py): compressed in big blocks
        chunk=STORED,  # {paragraph, start, end, speaker, role, kind, section}
        doc=STORED,  # document metadata, the same dict on every chunk of a document
    )


def _folded_id():
    """Whole-value, case-folded terms, so ``kind:Transcript`` finds ``transcript``."""
    return IDTokenizer() | LowercaseFilter()


def encode_facets(values: dict[str, object]) -> bytes:
    """Pack a chunk's facet values into one column value: fields by ``FIELD_SEP``, list values
    by ``VALUE_SEP``. Control characters are stripped from values so they cannot break the packing."""
    out = []
    for name in SINGLE_FACETS:
        out.append(_clean(values.get(name)))
    for name in MULTI_FACETS:
        vals = values.get(name) or []
        out.append(VALUE_SEP.join(_clean(v) for v in vals if _clean(v)))  # type: ignore[union-attr]
    return FIELD_SEP.join(out).encode("utf-8")


def decode_facets(raw: bytes) -> tuple[list[str], list[list[str]]]:
    parts = raw.decode("utf-8").split(FIELD_SEP)
    n = len(SINGLE_FACETS)
    single = parts[:n] + [""] * (n - len(parts[:n]))
    multi = [p.split(VALUE_SEP) if p else [] for p in parts[n : n + len(MULTI_FACETS)]]
    multi += [[] for _ in range(len(MULTI_FACETS) - len(multi))]
    return single, multi


def _clean(value: object) -> str:
    if value is None:
        return ""
    return str(value).replace(FIELD_SEP, " ").replace(VALUE_SEP, " ").strip()
