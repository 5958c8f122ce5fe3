"""Synonym rules: the Solr/Elasticsearch file format, and how a parsed query is expanded."""

from __future__ import annotations

import pytest

from searchsvc.engine.query.synonyms import (
    SYNONYM_WEIGHT,
    InvalidSynonyms,
    count_terms,
    expand,
    parse_synonyms,
)
from searchsvc.engine.query.tree import And, Not, Or, Phrase, Word

RULES = """
# the outbreak's many names
COVID-19, 2019-nCoV, novel coronavirus pneumonia, NCP
jab => vaccine
WHO, World Health Organization
"""
W = SYNONYM_WEIGHT


def test_equivalence_finds_every_other_term():
    syn = parse_synonyms(RULES)
    tree, used = expand(Word("ncp"), syn)
    assert tree == Or(
        (
            Word("ncp"),
            Word("COVID-19", boost=W, synonym_of="ncp"),
            Word("2019-nCoV", boost=W, synonym_of="ncp"),
            Phrase("novel coronavirus pneumonia", boost=W),
        )
    )
    assert [u.as_dict() for u in used] == [
        {"term": "ncp", "synonyms": ["COVID-19", "2019-nCoV", "novel coronavirus pneumonia"]}
    ]


def test_one_way_rule_does_not_run_backwards():
    syn = parse_synonyms(RULES)
    tree, _ = expand(Word("jab"), syn)
    assert tree == Or((Word("jab"), Word("vaccine", boost=W, synonym_of="jab")))
    assert expand(Word("vaccine"), syn) == (Word("vaccine"), [])


def test_matching_is_on_analysed_terms():
    _tree, used = expand(Word("Vaccines"), parse_synonyms("vaccine, immunisation"))
    assert used and used[0].synonyms == ("immunisation",)
    # Capitals keep a stopword meaningful: "WHO" is the organisation, "who" is nothing.
    syn = parse_synonyms(RULES)
    assert expand(Word("WHO"), syn)[1]
    assert expand(Word("who"), syn)[1] == []


def test_multi_word_source_matches_a_run_of_plain_words_longest_first():
    syn = parse_synonyms(RULES)
    q = And((Word("novel"), Word("coronavirus"), Word("pneumonia"), Word("Wuhan")))
    tree, used = expand(q, syn)
    assert isinstance(tree, And) and tree.children[-1] == Word("Wuhan")
    first = tree.children[0]
    assert isinstance(first, Or)
    assert first.children[0] == And((Word("novel"), Word("coronavirus"), Word("pneumonia")))
    assert Word("NCP", boost=W, synonym_of="novel coronavirus pneumonia") in first.children
    assert used[0].term == "novel coronavirus pneumonia"


def test_phrases_and_negations_expand_fielded_words_do_not():
    syn = parse_synonyms(RULES)
    tree, _ = expand(Phrase("World Health Organization"), syn)
    assert isinstance(tree, Or)
    assert Word("WHO", boost=W, synonym_of="World Health Organization") in tree.children
    tree, _ = expand(Not(Word("jab")), syn)
    assert tree == Not(Or((Word("jab"), Word("vaccine", boost=W, synonym_of="jab"))))
    assert expand(Word("jab", field="speaker"), syn) == (Word("jab", field="speaker"), [])


def test_count_terms_sees_the_expansion():
    assert count_terms(expand(Word("ncp"), parse_synonyms(RULES))[0]) == 4


@pytest.mark.parametrize(
    "text, where",
    [
        ("a => b => c", "line 1"),
        ("alone", "line 1"),
        ("# ok\na, , b", "line 2"),
        ("x =>", "line 1"),
        ("the, of", "line 1"),
    ],
)
def test_malformed_rules_name_their_line(text: str, where: str):
    with pytest.raises(InvalidSynonyms, match=where):
        parse_synonyms(text)
