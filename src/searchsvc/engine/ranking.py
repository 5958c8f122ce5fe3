"""Ranking rules every backend applies on top of BM25, with the reason for each.

Measured on CISI (``python -m bench cisi``) and on the judged newsroom set (``bench/judged/``);
each rule has a reason beyond the numbers, because searchsvc is also ranked on collections we do
not see.

* **Probabilistic idf**, ``ln(1 + (N - df + 0.5) / (df + 0.5))`` (Robertson–Spärck Jones, as Lucene
  and OpenSearch use). Whoosh's ``ln(N / (df + 1)) + 1`` gives every word a floor of 1, so in a long
  question the common words ("study", "information", "said") add up to outweigh the one rare word
  the question is about; here a word in most chunks contributes almost nothing.
* **A floor on relative length** (``MIN_RELATIVE_LENGTH`` of the field's average). BM25's length
  normalisation discounts verbose paragraphs; without a floor it also hands a photo caption or a
  one-line "Thank you." a bonus for being short, so captions outranked every paragraph in which
  someone talks about the query.
* **A prior by chunk kind** (``KIND_PRIOR``): captions and headings describe or announce; the
  paragraph that says something is what a reporter wants first. A multiplier, not a filter, so a
  caption that matches much better than any paragraph still comes first.
"""

from __future__ import annotations

from math import log

MIN_RELATIVE_LENGTH = 0.5
KIND_PRIOR = {"caption": 0.35, "heading": 0.5}


def bm25_idf(n_docs: int, df: int) -> float:
    return log(1 + (n_docs - df + 0.5) / (df + 0.5))
