"""The parser's fast path for plain words (``QueryParser._plain``) builds exactly the query
Whoosh's parser builds, or declines and leaves the query to Whoosh."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from searchsvc.engine.whoosh.query import QueryParser, _normalize
from searchsvc.engine.whoosh.schema import build_schema

PARSER = QueryParser(build_schema())
QUERIES = json.loads((Path(__file__).resolve().parents[1] / "bench" / "queries.json").read_text())

# Words that stress analysis: stopwords, acronyms, possessives, compounds, numbers with commas,
# diacritics, CJK, punctuation at the end, Whoosh syntax.
WORDS = [
    "genome", "Sequence", "the", "WHO", "who", "U.S.", "Zelenskyy's", "2019-nCoV", "76,000",
    "S&T", "mRNA", "café", "中国", "政府", "president,", "House.", "call;", "it's", "“quoted”",
    "'single'", "-minus", "+plus", "title:genome", "pre*", "colo?r", "(paren", "a", "I", "x-ray",
    "e.g.", "over-the-counter", "3.5", "COVID-19", "Xu", "ní", "naïve", "don’t", "OR", "AND",
    "NOT", "or", "ANDMAYBE",
]  # fmt: skip


def _whoosh(words: list[str], group) -> object:
    parser = PARSER._strict if group is wq.And else PARSER._loose
    return _normalize(parser.parse(" ".join(words)))


def _check(words: list[str]) -> bool:
    """True when the fast path took the words (and then agreed with Whoosh)."""
    took = False
    for group in (wq.And, wq.Or):
        plain = PARSER._plain(words, group)
        if plain is not None:
            took = True
            assert _normalize(plain) == _whoosh(words, group), (words, group)
    return took


def test_the_benchmark_queries_agree_and_most_take_the_fast_path():
    taken = sum(_check(q["q"].replace("?", "").split()) for q in QUERIES["queries"])
    assert taken > len(QUERIES["queries"]) // 2


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6))
def test_random_word_lists_agree(words):
    _check(words)


def test_syntax_and_multi_term_words_go_to_whoosh():
    for words in (["title:genome"], ['"genome'], ["pre*"], ["中国政府"], ["(genome"], ["-genome"]):
        assert PARSER._plain(words, wq.And) is None, words
