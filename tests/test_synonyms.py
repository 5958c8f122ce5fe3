"""Synonym rules: the Solr/Elasticsearch file format, and how a parsed query is expanded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from searchsvc.config import Settings
from searchsvc.engine.models import SearchRequest
from searchsvc.engine.query.synonyms import (
    SYNONYM_WEIGHT,
    InvalidSynonyms,
    count_terms,
    expand,
    parse_synonyms,
    synonyms_pattern,
)
from searchsvc.engine.query.tree import And, Not, Or, Phrase, Word
from searchsvc.engine.service import Engine
from searchsvc.errors import InvalidParameter

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
            Word("COVID-19", boost=W),
            Word("2019-nCoV", boost=W),
            Phrase(("novel", "coronavirus", "pneumonia"), boost=W),
        )
    )
    assert [u.as_dict() for u in used] == [
        {"term": "ncp", "synonyms": ["COVID-19", "2019-nCoV", "novel coronavirus pneumonia"]}
    ]


def test_one_way_rule_does_not_run_backwards():
    syn = parse_synonyms(RULES)
    tree, _ = expand(Word("jab"), syn)
    assert tree == Or((Word("jab"), Word("vaccine", boost=W)))
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
    assert Word("NCP", boost=W) in first.children
    assert used[0].term == "novel coronavirus pneumonia"


def test_phrases_and_negations_expand_fielded_words_do_not():
    syn = parse_synonyms(RULES)
    tree, _ = expand(Phrase(("World", "Health", "Organization")), syn)
    assert isinstance(tree, Or)
    assert Word("WHO", boost=W) in tree.children
    tree, _ = expand(Not(Word("jab")), syn)
    assert tree == Not(Or((Word("jab"), Word("vaccine", boost=W))))
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


@pytest.mark.parametrize(
    "text",
    [
        "covid-19, ncp\n# a comment\n\nncp => novel coronavirus # why\n",
        "cat==>dog",  # the first "=>" is the arrow
        "dog=, cat",  # "=" alone is part of a term
        "½, ¾\r\nжурнал, газета\u2028x1 => y2",  # any script; every line break splitlines knows
        "   ",
        "alone",
        "a,,b",
        "cat, dog,",
        "x1 =>",
        "=> y2",
        "a => b => c",
        "—, …",  # no letter or digit
    ],
)
def test_the_documented_pattern_is_the_parsers_grammar(text: str):
    """What ``/openapi.json`` states as the body's pattern is what the parser reads."""
    try:
        parse_synonyms(text)
        parsed = True
    except InvalidSynonyms:
        parsed = False
    assert bool(re.search(synonyms_pattern(), text)) is parsed


# --- through the engine, on the seeds -------------------------------------------------------------
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    ix = tmp_path_factory.mktemp("syn")
    eng = Engine(Settings.from_env(index_dir=ix / "index", synonyms=ix / "synonyms.txt"))
    eng.index_paths([SEEDS])
    eng.synonyms.replace("inoculation => vaccine\ngenome, genetic code\n")
    return eng


def test_engine_reports_and_applies_expansions(engine: Engine):
    plain = engine.search(SearchRequest(q="vaccine"))
    syn = engine.search(SearchRequest(q="inoculation"))
    assert syn.expansions == [{"term": "inoculation", "synonyms": ["vaccine"]}]
    assert syn.total == plain.total > 0  # nobody says "inoculation": every hit is via the synonym
    assert all("<mark>" in h.snippet for h in syn.hits), "synonym matches are highlighted"
    off = engine.search(SearchRequest(q="inoculation", synonyms=False))
    assert off.total == 0 and off.expansions == []


def test_literal_matches_rank_above_synonym_matches(engine: Engine):
    result = engine.search(SearchRequest(q="genome", per_page=100))
    literal = [h.rank for h in result.hits if "genome" in h.text.lower()]
    via_synonym = [h.rank for h in result.hits if "genome" not in h.text.lower()]
    assert via_synonym, "the seeds speak of the genetic code too"
    assert result.hits[0].rank in literal
    assert sum(literal) / len(literal) < sum(via_synonym) / len(via_synonym)


def test_a_set_that_expands_past_the_term_limit_is_a_clear_400(tmp_path):
    eng = Engine(Settings.from_env(index_dir=tmp_path / "ix", max_query_terms=4))
    eng.synonyms.replace("a1, a2, a3, a4, a5, a6\n")
    with pytest.raises(InvalidParameter, match="synonyms expand q") as exc:
        eng.search(SearchRequest(q="a1"))
    assert exc.value.code == "too_many_terms"


def test_a_bad_set_is_refused_whole_and_the_old_one_stays(engine: Engine):
    before = engine.synonyms.path.read_text()
    with pytest.raises(InvalidSynonyms):
        engine.synonyms.replace("ok, fine\nbroken =>\n")
    assert engine.synonyms.path.read_text() == before
    assert engine.search(SearchRequest(q="inoculation")).expansions
