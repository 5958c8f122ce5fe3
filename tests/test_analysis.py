"""The analyzer keeps the tokens newsroom users type (README "How it works")."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from searchsvc.engine.text.analysis import index_terms, iter_terms
from searchsvc.engine.whoosh.analyzer import NewsAnalyzer


def terms(text: str, **kw) -> list[str]:
    return [t.text for t in iter_terms(text, **kw)]


def query(text: str, stemming: bool = True) -> list[str]:
    return [t.text for t in NewsAnalyzer(stemming)(text, mode="query")]


def test_who_the_organisation_survives_but_who_the_pronoun_goes():
    assert terms("WHO said who knows") == ["who", "said", "knows"]
    assert query("who") == []
    assert query("WHO") == ["who"]


def test_thousands_separators_fold():
    assert terms("76,000 and 76000") == ["76000", "76000"]
    assert terms("4.44 million") == ["4.44", "million"]
    assert terms("1,2,3") == ["1", "2", "3"]


def test_compounds_index_whole_and_parts_but_query_whole():
    indexed = [(t.text, t.pos) for t in iter_terms("the 2019-nCoV RT-PCR panel")]
    assert ("2019-ncov", 0) in indexed and ("2019", 0) in indexed and ("ncov", 0) in indexed
    assert ("rt-pcr", 1) in indexed and ("panel", 2) in indexed
    assert query("2019-nCoV") == ["2019-ncov"]


def test_ampersand_apostrophes_acronyms_mrna():
    assert terms("S&T cooperation") == ["s&t", "cooperation"]
    assert terms("China's int'l U.S. mRNA") == ["china", "int'l", "us", "mrna"]


def test_diacritics_kept_and_case_folded():
    assert terms("Müller São Paulo") == ["müller", "são", "paulo"]


def test_chinese_is_searchable_by_bigrams():
    indexed = {t.text for t in iter_terms("中华人民共和国科学技术部")}
    assert {"科学", "技术", "科"} <= indexed
    assert query("科学技术") == ["科学", "学技", "技术"]


def test_stemming_only_in_the_stemmed_flavour():
    assert query("sharing", stemming=True) == ["share"]
    assert query("sharing", stemming=False) == ["sharing"]


@given(st.text())
def test_any_unicode_tokenizes_to_spans_of_the_input(text):
    for t in iter_terms(text):
        assert 0 <= t.start < t.end <= len(text)
        assert t.text
    list(NewsAnalyzer()(text, positions=True, chars=True))
    list(NewsAnalyzer()(text, mode="query"))


_NEWSROOM_TEXT = st.lists(
    st.sampled_from([*"aZé1 0,.-&'’_WHOthe中国한글", "U.S.", "76,000", "2019-nCoV", "the"])
).map("".join)


@given(st.one_of(st.text(), _NEWSROOM_TEXT))
def test_indexing_a_word_at_a_time_gives_every_term_and_position(text):
    # Writers analyse each distinct word once (index_terms); a document must index exactly
    # the terms and positions of the token-by-token analysis.
    assert index_terms(text) == [(t.text, t.pos) for t in iter_terms(text)]
