"""The OpenSearch backend indexes searchsvc's own analysis as token streams: what it sends must be
exactly the terms and positions the Whoosh index holds, and rank with the same parameters."""

from __future__ import annotations

from searchsvc.engine.opensearch import mapping, tokens, translate
from searchsvc.engine.query import tree as t
from searchsvc.engine.text.analysis import iter_terms, stem
from searchsvc.engine.whoosh import query as whoosh_query
from searchsvc.engine.whoosh import scoring


def _positions(stream: str) -> list[tuple[int, str]]:
    """What the index analyzer (whitespace tokenizer + ``|`` split) makes of a stream."""
    return [
        (pos, term)
        for pos, token in enumerate(stream.split())
        for term in token.split(tokens.SAME_POSITION)
    ]


def test_streams_hold_every_term_at_its_position() -> None:
    text = "WHO said who counted 76,000 cases of 2019-nCoV at S&T and mRNA labs 新冠肺炎"
    stemmed, surface = tokens.streams(text)
    expected = sorted((term.pos, term.text) for term in iter_terms(text))
    assert sorted(_positions(surface)) == expected
    assert sorted(_positions(stemmed)) == sorted(
        {(term.pos, stem(term.text)) for term in iter_terms(text)}
    )
    words = surface.split()
    assert "who" in words and words.count("who") == 1  # "WHO" kept, prose "who" dropped
    assert "76000" in words and "s&t" in words and "mrna" in words
    assert "2019-ncov|2019|ncov" in words


def test_query_terms_keep_compounds_whole_and_cjk_as_bigrams() -> None:
    assert tokens.query_terms("2019-nCoV", stemming=False) == ["2019-ncov"]
    assert tokens.query_terms("新冠肺炎", stemming=False) == ["新冠", "冠肺", "肺炎"]
    assert tokens.query_terms("Vaccines", stemming=True) == [stem("vaccines")]


def test_ranking_parameters_are_the_whoosh_backends() -> None:
    assert mapping.BM25_K1 == scoring.K1
    assert mapping.FIELD_B == scoring.FIELD_B
    assert translate.FIELD_BOOSTS == whoosh_query.FIELD_BOOSTS
    assert translate.SEARCH_FIELDS == whoosh_query.SEARCH_FIELDS
    assert translate.INDEX_FIELDS == whoosh_query.INDEX_FIELDS


def test_the_dsl_never_carries_query_string_syntax() -> None:
    tree = t.AndNot(
        t.And((t.Word("genome"), t.Phrase(("press", "briefing")), t.Prefix("vacc"))),
        t.Word("virus"),
    )
    translation = translate.Translator(max_expansion=16).translate(tree)
    text = repr(translation.query)
    assert "query_string" not in text and "simple_query_string" not in text
    assert "'match_phrase': {'chunks.text': {'query': 'press brief'" in text
    assert translation.marks.phrases == frozenset({(stem(stem("press")), stem(stem("briefing")))})
    assert "virus" not in translation.marks.exact  # a negated word is not marked
