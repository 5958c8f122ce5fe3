"""The index an OpenSearch backend creates: one OpenSearch document per story, its chunks nested.

Why nested: Lucene writes a parent and its nested children as one block, atomically, so replacing a
story is a single index operation — readers see all of the old chunks or all of the new ones, never
a mix, without any lock between searchsvc processes — and the story's version check is the same
operation's ``if_seq_no``/``if_primary_term``. Each chunk is still its own Lucene document, so BM25
statistics, facet counts and the ranking are per chunk, as with Whoosh.

Text fields hold pre-analysed token streams (``tokens.py``): the index analyzer only splits on
whitespace and separates same-position terms, the search analyzer only splits on whitespace.
BM25 uses Whoosh's parameters (``scoring.py``) so the two backends rank alike.
"""

from __future__ import annotations

from typing import Any

from ..models import EXTRA_FACETS, FACETS

PRE_ANALYSED = "searchsvc_terms"
# Whoosh's BM25F parameters (K1 and the per-field B of ``whoosh/scoring.py``; a test keeps them
# equal): one Lucene BM25 similarity per distinct B.
BM25_K1 = 2.6
FIELD_B = {"text": 0.9, "exact": 0.9, "title": 0.3, "speaker_t": 0.0, "source_t": 0.0}
# Facet values as stored (shown in counts), plus a case-folded copy that filters match against.
FACET_FIELDS = (*FACETS, *EXTRA_FACETS)
MAX_CHUNKS_PER_STORY = 100_000
MAX_INNER_HITS = 10_000


def _similarity(b: float) -> str:
    return f"searchsvc_bm25_b{int(b * 100)}"


def _text(field: str, index_options: str = "freqs") -> dict[str, Any]:
    return {
        "type": "text",
        "analyzer": PRE_ANALYSED,
        "search_analyzer": "whitespace",
        "similarity": _similarity(FIELD_B[field]),
        "index_options": index_options,
        "norms": True,
    }


def _facet() -> dict[str, Any]:
    return {
        "type": "keyword",
        "fields": {"folded": {"type": "keyword", "normalizer": "searchsvc_folded"}},
    }


def index_body(shards: int, replicas: int) -> dict[str, Any]:
    """Settings and mappings of a new index."""
    chunk_props: dict[str, Any] = {
        "id": {"type": "keyword"},
        "doc_id": {"type": "keyword"},
        "paragraph": {"type": "integer"},
        "text": _text("text", "positions"),
        "exact": _text("exact"),
        "title": _text("title"),
        "speaker_t": _text("speaker_t"),
        "source_t": _text("source_t"),
        "kind": {"type": "keyword", "normalizer": "searchsvc_folded"},
        "role": {"type": "keyword", "normalizer": "searchsvc_folded"},
        # What /suggest completes from: only ever aggregated (doc values), never searched, so
        # the node builds no inverted index of it.
        "terms": {"type": "keyword", "index": False},
        "date": {"type": "date", "format": "strict_date"},
        "chunk_kind": {"type": "keyword"},
        "facet": {"properties": {f: _facet() for f in FACET_FIELDS}},
        "stored": {"type": "object", "enabled": False},
    }
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "mapping.nested_objects.limit": MAX_CHUNKS_PER_STORY,
                "max_inner_result_window": MAX_INNER_HITS,
                "similarity": {
                    _similarity(b): {"type": "BM25", "k1": BM25_K1, "b": b}
                    for b in set(FIELD_B.values())
                },
                "analysis": {
                    "filter": {
                        "searchsvc_same_position": {
                            "type": "pattern_capture",
                            "preserve_original": False,
                            "patterns": ["([^|]+)"],
                        }
                    },
                    "analyzer": {
                        PRE_ANALYSED: {
                            "type": "custom",
                            "tokenizer": "whitespace",
                            "filter": ["searchsvc_same_position"],
                        }
                    },
                    "normalizer": {
                        "searchsvc_folded": {"type": "custom", "filter": ["lowercase", "trim"]}
                    },
                },
            }
        },
        "mappings": {
            "dynamic": "strict",
            "_source": {
                "excludes": ["chunks.text", "chunks.exact", "chunks.title", "chunks.terms"]
            },
            "properties": {
                "doc_id": {"type": "keyword"},
                "version": {"type": "keyword"},
                "origin": {"type": "keyword"},
                "stamp": {"type": "long"},
                "date": {"type": "date", "format": "strict_date"},
                "n_chunks": {"type": "integer"},
                "doc": {"type": "object", "enabled": False},
                "chunks": {"type": "nested", "properties": chunk_props},
            },
        },
    }
