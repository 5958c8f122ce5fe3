"""The ranking rules beyond BM25 (``engine/ranking.py``), on the seeds and on small texts."""

from __future__ import annotations

from searchsvc.engine.ranking import bm25_idf, feedback_terms, wants_feedback


def test_idf_lets_a_word_in_most_chunks_fade():
    assert bm25_idf(1000, 990) < 0.02 < bm25_idf(1000, 500) < bm25_idf(1000, 3)


def test_feedback_is_for_questions_not_keywords():
    assert not wants_feedback(["vaccine"])
    assert not wants_feedback(
        ["what", "did", "they", "say", "about", "it"]
    )  # stopwords do not count
    assert wants_feedback(["president", "student", "loan", "forgiveness", "plan", "announcement"])


def test_feedback_terms_come_from_the_best_chunks_and_skip_the_question():
    hits = [
        ("Student debt relief: borrowers with federal loans will see balances cancelled.", 4.0),
        ("Debt relief applications open for federal borrowers next month.", 3.5),
        ("The weather was fine.", -20.0),
    ]
    terms = dict(feedback_terms(hits, ["student", "loan", "forgiveness", "plan", "announcement"]))
    assert {"debt", "relief", "borrowers", "federal"} <= set(terms)
    assert "student" not in terms and "loans" not in terms  # already asked for (same stem)
    assert "weather" not in terms or terms["weather"] < terms["debt"] / 100
    assert all(w > 0 for w in terms.values())
