"""Analysis: how text becomes index terms, for documents and for queries alike.

Newsroom users type tokens a generic English analyzer mangles, so this module tokenizes with one
regular expression and then applies a few rules, in this order:

1. **CJK** runs (Chinese, Japanese, Korean) have no spaces: they are indexed as single characters
   *and* overlapping bigrams; a query of two or more characters searches its bigrams, a single
   character its unigram. Chinese stays searchable without a dictionary.
2. **Numbers**: thousands separators go ("76,000" and "76000" are the same term); decimals stay
   ("4.44").
3. **Compounds** joined by ``-`` or ``.`` ("2019-nCoV", "China.org.cn") are indexed whole *and* by
   their parts at the same position, so both "2019-nCoV" and "nCoV" match; a query keeps the
   compound whole, so "2019-nCoV" does not match every "2019". ``&`` and apostrophes bind without
   splitting ("S&T", "int'l"); a possessive "'s" is dropped; dotted acronyms lose their dots
   ("U.S." → "us").
4. **Stopwords** (NLTK's English list, shipped in ``data/``) are dropped *unless written in capitals*:
   "WHO" the organisation stays a term while every "who" in prose goes, so WHO is findable and is not
   drowned out. Dropped words do not advance the position, so phrases skip them.
5. **Case** is folded; diacritics are kept (names like "Müller" match as typed).
6. **Stemming** (NLTK's data-free Snowball English stemmer) for the ``text`` field only; the
   ``exact`` field keeps surface forms, which is how exact matches outrank stem-only ones.

Nothing here knows a storage engine: every backend indexes what ``iter_terms`` and ``stem``
produce, and the highlighter marks the same terms. Changing the rules means rebuilding the index.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from importlib.resources import files
from typing import NamedTuple

from .stemmer import SnowballStemmer

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK_RE = re.compile(f"[{_CJK}]+")
# A word: letters/digits joined by - & ' ’ . or by a thousands comma between digits.
_TOKEN_RE = re.compile(r"[^\W_]+(?:(?:[-&'’.]|(?<=\d),(?=\d{3}(?!\d)))[^\W_]+)*")
_ACRONYM_RE = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")
_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")
_SPLIT_RE = re.compile(r"[-.]")

STOPWORDS: frozenset[str] = frozenset(
    line.strip()
    for line in files("searchsvc.engine.text.data")
    .joinpath("stopwords-en.txt")
    .read_text("utf-8")
    .split("\n")
    if line.strip() and not line.startswith("#")
)

_stemmer = SnowballStemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball-stem a folded term; CJK, numbers and compounds with digits pass through."""
    if not word.isalpha() or (not word.isascii() and _CJK_RE.search(word)):
        return word
    return _stemmer.stem(word)


class Term(NamedTuple):
    """One term of a text: folded (unstemmed) form, position, and character span of its source."""

    text: str
    pos: int
    start: int
    end: int
    part: bool  # a part of a compound (or a CJK unigram), indexed but not produced for queries


def surface_tokens(text: str) -> list[str]:
    """The words of ``text`` that ``iter_terms`` analyses, as written. The terms (and the number
    of positions) ``iter_terms`` yields for one of them depend on that word alone, never on its
    neighbours, so a caller may analyse each distinct word once and reuse the result."""
    return _TOKEN_RE.findall(text)


#: What a document indexes for one word: its (folded term, position offset) pairs and the number
#: of positions the word takes (0 for a stopword).
WordTerms = tuple[tuple[tuple[str, int], ...], int]


@lru_cache(maxsize=65_536)  # words repeat; ≈ 360 bytes a word, ≤ 24 MB per process
def word_terms(word: str) -> WordTerms:
    """What ``iter_terms`` indexes for one word of ``surface_tokens``, analysed once per distinct
    word: a writer maps a text's words through this instead of analysing token by token. Every
    position a word takes holds one of its terms, so it takes one more than its last."""
    terms = tuple((t.text, t.pos) for t in iter_terms(word))
    return terms, max(pos for _, pos in terms) + 1 if terms else 0


def index_terms(text: str) -> list[tuple[str, int]]:
    """(folded term, position) of every term ``iter_terms`` indexes for a document's ``text``, in
    the same order, built a distinct word at a time (``word_terms``)."""
    out: list[tuple[str, int]] = []
    pos = 0
    for word in _TOKEN_RE.findall(text):
        terms, advance = word_terms(word)
        if not advance:
            continue
        if len(terms) == 1:
            out.append((terms[0][0], pos))
        else:
            out += [(term, pos + offset) for term, offset in terms]
        pos += advance
    return out


@lru_cache(maxsize=65_536)
def _word_terms_at(word: str) -> tuple[tuple[Term, ...], int]:
    """``iter_terms`` of one word of ``surface_tokens`` (positions and character spans counted
    from the word) and the number of positions it takes."""
    terms = tuple(iter_terms(word))
    return terms, max(t.pos for t in terms) + 1 if terms else 0


def words_with_terms(text: str) -> Iterator[tuple[int, int, tuple[Term, ...]]]:
    """(character offset, position, terms) of each word of ``text`` that has terms, its terms
    as ``_word_terms_at`` gives them: shifted by that offset and position, they are exactly the
    terms ``iter_terms(text)`` yields, analysed once per distinct word and with no object made
    per term. The highlighter reads the whole text of every hit of a page, and the words of a
    newsroom's paragraphs repeat from hit to hit and page to page."""
    pos = 0
    for m in _TOKEN_RE.finditer(text):
        terms, advance = _word_terms_at(m.group())
        if advance:
            yield m.start(), pos, terms
            pos += advance


def iter_terms(text: str, *, query: bool = False, keep_stops: bool = False) -> Iterator[Term]:
    """Tokenize ``text`` into folded terms, applying every rule in the module docstring but stemming.

    ``query=True`` produces what a query string should search for (compounds whole, CJK bigrams);
    otherwise what a document indexes (compounds whole and split, CJK unigrams and bigrams).
    """
    pos = 0
    for m in _TOKEN_RE.finditer(text):
        surface = m.group()
        start = m.start()
        if not surface.isascii() and _CJK_RE.search(surface):
            for piece_start, piece_end, is_cjk in _split_cjk(surface):
                piece = surface[piece_start:piece_end]
                if is_cjk:
                    yield from _cjk_terms(piece, pos, start + piece_start, query)
                    pos += len(piece)
                else:
                    term = _fold(piece, keep_stops)
                    if term is not None:
                        yield Term(term, pos, start + piece_start, start + piece_end, False)
                        pos += 1
            continue
        term = _fold(surface, keep_stops)
        if term is None:
            continue
        yield Term(term, pos, start, m.end(), False)
        if not query and ("-" in term or "." in term) and not _NUMBER_RE.match(term):
            offset = 0
            for part in _SPLIT_RE.split(surface):
                if part:
                    idx = surface.index(part, offset)
                    offset = idx + len(part)
                    folded = _fold(part, True)
                    if folded and folded != term:
                        yield Term(folded, pos, start + idx, start + idx + len(part), True)
        pos += 1


def _fold(surface: str, keep_stops: bool) -> str | None:
    """Case-fold one token and apply the number, possessive, acronym and stopword rules."""
    if surface.isalnum():  # the common case: no joiners, nothing but folding and stopwords
        low = surface.lower()
        if low in STOPWORDS and not keep_stops and not (len(surface) > 1 and surface.isupper()):
            return None
        return low
    word = surface.replace("’", "'")
    if "," in word:
        word = word.replace(",", "")
    low = word.lower()
    if low.endswith("'s"):
        low = low[:-2]
    elif low.endswith("'"):
        low = low[:-1]
    if "." in low and _ACRONYM_RE.match(low):
        low = low.replace(".", "")
    if not low:
        return None
    if low in STOPWORDS and not keep_stops and not (len(word) > 1 and word.isupper()):
        return None
    return low


def _split_cjk(surface: str) -> Iterator[tuple[int, int, bool]]:
    last = 0
    for m in _CJK_RE.finditer(surface):
        if m.start() > last:
            yield last, m.start(), False
        yield m.start(), m.end(), True
        last = m.end()
    if last < len(surface):
        yield last, len(surface), False


def _cjk_terms(run: str, pos: int, start: int, query: bool) -> Iterator[Term]:
    """Unigrams and bigrams each at the position of their first character, so a phrase of bigrams
    (a quoted Chinese query) lines up with the index."""
    if query and len(run) > 1:
        for i in range(len(run) - 1):
            yield Term(run[i : i + 2], pos + i, start + i, start + i + 2, False)
        return
    for i, ch in enumerate(run):
        yield Term(ch, pos + i, start + i, start + i + 1, False)
        if not query and i + 1 < len(run):
            yield Term(run[i : i + 2], pos + i, start + i, start + i + 2, True)
