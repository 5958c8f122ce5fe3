"""The ranking rules beyond BM25 (``engine/ranking.py``), on the seeds and on small texts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from searchsvc.config import Settings
from searchsvc.engine.models import SearchRequest
from searchsvc.engine.ranking import bm25_idf, coverage_terms, feedback_terms, wants_feedback
from searchsvc.engine.service import Engine

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> Engine:
    eng = Engine(Settings.from_env(index_dir=tmp_path_factory.mktemp("ix")))
    eng.index_paths([SEEDS])
    return eng


@pytest.mark.parametrize("q", ["coronavirus vaccine", "vaccine"])
def test_someone_talking_about_vaccines_comes_before_photo_captions(seeds: Engine, q: str):
    """The seeds' photo captions of vaccine labs are short and full of the words; the reporter
    wants the paragraph where someone talks about vaccines first."""
    hits = seeds.search(SearchRequest(q=q, facets=False)).hits
    assert hits[0].kind == "paragraph" and "vaccine" in hits[0].text.lower(), hits[0].text
    captions = [i for i, h in enumerate(hits) if h.kind == "caption"]
    talking = [i for i, h in enumerate(hits) if h.kind == "paragraph" and "vaccine" in h.text]
    assert not captions or talking[0] < captions[0]


@pytest.mark.parametrize(
    ("q", "caption"),
    [
        ("Pittsburgh researcher", "University of Pittsburgh"),
        ("CSIRO scientists pre-clinical", "CSIRO"),
        ("mRNA vaccine experimental process", "experimental process of the mRNA vaccine"),
        ("medical experts depart for Russia", "depart for Russia"),
    ],
)
def test_a_caption_that_is_the_best_match_still_comes_first(seeds: Engine, q: str, caption: str):
    """The kind prior lowers captions, it does not bury one: a query naming what the photo
    shows finds that photo's caption first."""
    first = seeds.search(SearchRequest(q=q, facets=False)).hits[0]
    assert first.kind == "caption" and caption in first.text, first.text


def test_idf_lets_a_word_in_most_chunks_fade():
    assert bm25_idf(1000, 990) < 0.02 < bm25_idf(1000, 500) < bm25_idf(1000, 3)


def test_feedback_is_for_questions_not_keywords():
    assert not wants_feedback(["vaccine"])
    assert not wants_feedback(
        ["what", "did", "they", "say", "about", "it"]
    )  # stopwords do not count
    assert wants_feedback(["president", "student", "loan", "forgiveness", "plan", "announcement"])


def _frequencies(df: dict[str, int], chunks: int):
    return lambda stems: ({t: df.get(t, 0) for t in stems}, chunks)


def test_feedback_terms_come_from_the_best_chunks_and_reweigh_the_question():
    hits = [
        ("Student debt relief: borrowers with federal loans will see balances cancelled.", 4.0),
        ("Debt relief applications open for federal borrowers next month.", 3.5),
        ("The weather was fine.", -20.0),
    ]
    words = ["student", "loan", "forgiveness", "plan", "announcement"]
    terms = dict(feedback_terms(hits, words, _frequencies({}, 1000)))
    assert {"debt", "relief", "borrowers", "federal"} <= set(terms)
    assert "weather" not in terms or terms["weather"] < terms["debt"] / 100
    assert all(w > 0 for w in terms.values())
    # The question's words the best chunks use are in the model too (as those chunks write
    # them); the ones they never use ("forgiveness", "plan") get nothing on top of their own.
    assert {"student", "loans"} <= set(terms)
    assert not {"forgiveness", "plan", "announcement"} & set(terms)
    new = set(terms) - {"student", "loans"}
    assert len(new) == 5  # as many new words as the question has content words


def test_feedback_prefers_the_words_few_chunks_use():
    """A word every chunk uses says nothing about the question's subject, however often the
    best chunks use it: terms are chosen by the relevance model times idf."""
    hits = [("Officials said the pipeline ransom was paid; officials said so twice.", 5.0)]
    words = ["colonial", "pipeline", "hackers", "payment", "bitcoin"]
    common = _frequencies({"offici": 900, "said": 990, "ransom": 3}, 1000)
    terms = dict(feedback_terms(hits, words, common))
    assert "ransom" in terms
    assert terms["ransom"] > terms.get("officials", 0) and terms["ransom"] > terms.get("said", 0)


def test_coverage_is_for_short_queries():
    assert coverage_terms(["vaccine", "trials"]) == ["vaccin", "trial"]
    assert coverage_terms(["president", "student", "loan", "forgiveness", "plan"]) == []


def test_a_chunk_saying_every_word_comes_before_one_matched_through_its_title(tmp_path):
    """A word matches every chunk of a document through its title; the paragraph that says
    all the words itself outranks the one that says one of them and leans on the headline."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text(
        "Pipeline update\n\nThe ransomware gang was paid, officials said again and again "
        "today.\n\nWeather was fine.\n",
        "utf-8",
    )
    (tmp_path / "docs" / "b.txt").write_text(
        "Briefing notes\n\nThe ransomware attack shut the pipeline for six long days, "
        "officials said today at the briefing.\n",
        "utf-8",
    )
    eng = Engine(Settings.from_env(index_dir=tmp_path / "ix"))
    eng.index_paths([tmp_path / "docs"])
    hits = eng.search(SearchRequest(q="ransomware pipeline", facets=False)).hits
    assert hits[0].document["id"].startswith("b"), [(h.id, h.score) for h in hits]


def test_feedback_hears_several_documents_not_one_long_one(tmp_path):
    """The relevance model takes one chunk per document: a transcript whose every paragraph
    matches the question would otherwise fill the first pass and lend only its own words."""
    long_one = "\n\n".join(
        f"Paragraph {i}: the ransomware attack on the fuel pipeline and gasoline supply, the "
        f"briefer said; the pipeline attack, gasoline, ransomware. Then jobs and wages."
        for i in range(15)
    )
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a-briefing.txt").write_text(f"Briefing\n\n{long_one}\n", "utf-8")
    for name in ("b-report", "c-report", "d-report"):
        (tmp_path / "docs" / f"{name}.txt").write_text(
            f"Report {name}\n\nAfter the ransomware attack on the fuel pipeline cut gasoline supply, "
            f"the hackers' bitcoin ransom was paid: bitcoin ransom.\n",
            "utf-8",
        )
    eng = Engine(Settings.from_env(index_dir=tmp_path / "ix"))
    eng.index_paths([tmp_path / "docs"])
    q = "ransomware attack fuel pipeline gasoline supply"
    request = SearchRequest(q=q, facets=False)
    request = eng._with_feedback(dataclasses.replace(request, parsed=eng.parse(q)))
    assert request.parsed is not None and request.parsed.bonus is not None
    terms = {w.text for w in request.parsed.bonus.children}
    assert {"bitcoin", "ransom"} & terms, terms
