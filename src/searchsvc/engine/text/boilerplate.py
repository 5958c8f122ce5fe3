"""Pipeline step 2 of ingest: boilerplate removal, between reading a file and chunking it.

Scraped pages carry page furniture that is not part of the story: navigation ("Nav Search",
"Home > News"), share bars ("Print E-mail Bookmark and Share"), pagers ("<  1  2  3 … 16  >",
"Page 2 of 16"), table-of-contents stubs ("Content" alone on a line) and end marks ("###").
Left in, they would be indexed in every document and a phrase search for them would find hits.
Readers call :func:`is_boilerplate` on each line (after whitespace normalisation) and drop the
matches before paragraphs are built, so the boilerplate never reaches ``Document.text``.

The patterns are general shapes (a line made only of share words, only of page numbers and arrows,
only of navigation words), not the exact strings of the seeds. Everything here is precompiled and
works on one line at a time, so it costs a couple of regex matches per line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .wordlist import words as _words

# Words a share/tool bar is made of. A line consisting only of these (and at least one "strong" one)
# is a share bar: "Print E-mail Bookmark and Share", "Share this: Facebook Twitter", "Tweet | Email".
_SHARE_WORDS = _words("""print e-mail email mail bookmark and share this article page story on via tweet facebook
    twitter x linkedin whatsapp weibo wechat reddit pinterest telegram copy link save comment
    comments font size text a to friend send recommend favorites favourites sharing""")
_SHARE_STRONG = _words(
    """print e-mail email bookmark share tweet facebook twitter linkedin whatsapp weibo wechat"""
)
# Words a navigation line is made of: "Nav Search", "Home | About | Contact", "Skip to main content".
_NAV_WORDS = _words("""nav navigation menu search home skip to main content back top sitemap site map login log in
    sign subscribe close open toggle go about contact us newsletter rss more""")
_NAV_STRONG = _words("""nav navigation menu search skip sitemap login toggle""")
_BAR_WORDS = _SHARE_WORDS | _NAV_WORDS

_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")
# Only letters, spaces and separators: candidates for the share/nav word tests.
_WORDISH_LINE = re.compile(r"^[A-Za-z\s|/:·•,\-–—+>»]+$")
# Pagers: numbers with optional arrows/ellipses, e.g. "<  1  2  3 … 16  >", "« Prev 1 2 Next »".
_PAGER = re.compile(
    r"""^(?:[<‹«←]+[\s|·]*)?(?:(?:first|prev(?:ious)?|back)\b)?[\s|·]*
        (?:(?:\d{1,3}(?!\d)|…|\.\.\.)[\s|·]*){2,}
        (?:(?:next|last|more)\b)?[\s|·]*(?:[>›»→]+)?[\s|·]*$""",
    re.IGNORECASE | re.VERBOSE,
)
_PAGER_ARROWS = re.compile(
    r"^(?:[<‹«←]+\s*(?:prev(?:ious)?(?:\s+page)?)?|(?:next(?:\s+page)?)?\s*[>›»→]+|"
    r"[<‹«←]+\s*\d{1,4}\s*[>›»→]+)\s*$",
    re.IGNORECASE,
)
_PAGE_OF = re.compile(r"^(?:page\s+)?\d{1,4}\s*(?:of|/)\s*\d{1,4}(?:\s+pages?)?$", re.IGNORECASE)
# Page markers anywhere in a text: "[[Page 12]]" (GPO), "- 4 -", "Page 7", "_page : 148" and other
# underscore-keyed lines a transcription tool leaves ("_tape :").
PAGE_MARK = re.compile(
    r"^\s*(?:\[\[\s*page\s+\d+\s*\]\]|-\s*\d{1,4}\s*-|_?page\s*[:#]?\s*\d{1,4}(?:\s*of\s*\d{1,4})?"
    r"|_[a-z]+\s*:.*|[^\n]{0,30}\bcol(?:umn|\.)\s+\d{1,5}(?:\s*[-–]\s*\d{1,5})?)\s*$",
    re.IGNORECASE,
)
# The characters without which a pager pattern cannot match (a cheap pre-check, with "...": a
# class alone lets the regex engine scan in C instead of trying an alternation at every position).
_PAGER_CHARS = re.compile(r"[\d<>‹›«»←→…]")
# What a pager line can open with (besides a digit): an arrow, a separator, an ellipsis, or
# "first", "prev", "previous", "back", "next", "page" in any case.
_PAGER_HEADS = frozenset("<‹«←>›»→|·….fpbnFPBN")
# What a line of share or navigation words can open with (``_WORDISH_LINE``).
_WORDISH_HEADS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ|/:·•,-–—+>»")
_RULE_CHARS = frozenset("=-~^*#")
# A setext/RST heading underline, or a rule: "=====", "-----", "~~~~".
UNDERLINE = re.compile(r"^\s*(?:={3,}|-{3,}|~{3,}|\^{3,}|\*{3,}|#{3,})\s*$")
# Table-of-contents stubs and end marks.
_STUB = re.compile(
    r"^(?:contents?|table of contents|in this (?:issue|article)|toc|\\?#{3,}|-{3,}|\*{3,}|"
    r"advertisement|related(?: articles| stories| news)?|read more|source:?|top|back to top)$",
    re.IGNORECASE,
)
# A share bar glued to the end of a paragraph: "… Thank you. Print E-mail Bookmark and Share".
_TRAILING_SHARE = re.compile(
    r"\s*(?:\bPrint\s*\|?\s*)?\bE-?mail\s*\|?\s*Bookmark\s+and\s+Share\s*$", re.IGNORECASE
)


# Site furniture every page carries: a copyright notice ("© 2024 Example News. All rights
# reserved."), breadcrumbs ("Home > News > Briefings", "You are here: …") and a lone "Home".
_COPYRIGHT_LINE = re.compile(
    r"^(?:©|\(c\)|copyright\s*(?:©|\(c\))?\s*(?:(?:19|20)\d{2}\b|©))[^\n]{0,160}$"
    r"|^[^\n]{0,120}\ball rights reserved\b\.?$",
    re.IGNORECASE,
)
_BREADCRUMB = re.compile(
    r"^(?:(?:home\s*(?:[>»›]|$))|you are here\b|"
    r"[^>»›.!?\d]{1,40}(?:\s[>»›]\s[^>»›.!?\d]{1,60}){2,}$)",
    re.IGNORECASE,
)


def _only_words(
    words: list[str], vocabulary: frozenset[str], strong: frozenset[str], most: int
) -> bool:
    return (
        0 < len(words) <= most
        and all(w in vocabulary for w in words)
        and any(w in strong for w in words)
    )


def is_boilerplate(line: str) -> bool:
    """True when a whole (stripped, whitespace-normalised) line is page furniture."""
    s = line.strip()
    if not s:
        return False
    # Every line of every document passes here: each pattern runs only when the words or
    # characters it needs are in the line (a plain substring test costs far less than a match).
    low = s.lower()
    if (low.startswith(("©", "(c)", "copyright")) or "reserved" in low) and _COPYRIGHT_LINE.match(
        s
    ):
        return True
    crumbs = ">" in s or "»" in s or "›" in s or low.startswith(("home", "you are here"))
    if crumbs and len(s) <= 120 and _BREADCRUMB.match(s):
        return True
    if len(s) > 120 or (len(s) > 30 and s[-1] in '.,;:?!"”’'):
        return False  # furniture is short and does not end like a sentence
    if (len(s) <= 20 or s[0] in "-*#\\") and _STUB.match(s):
        return True
    head = s[0]
    pager = (head in _PAGER_HEADS or head.isdigit()) and (
        "..." in s or _PAGER_CHARS.search(s) is not None
    )
    if pager and (_PAGER.match(s) or _PAGER_ARROWS.match(s) or _PAGE_OF.match(s)):
        return True
    # A share or navigation bar is made of its words only: a line whose first word is neither
    # (most lines of prose) is not one, and needs no full word list.
    if head not in _WORDISH_HEADS:
        return False
    first = _WORD.search(low)
    if first is None or first.group() not in _BAR_WORDS or not _WORDISH_LINE.match(s):
        return False
    words = _WORD.findall(low)
    return _only_words(words, _SHARE_WORDS, _SHARE_STRONG, 12) or _only_words(
        words, _NAV_WORDS, _NAV_STRONG, 8
    )


def is_page_mark(line: str) -> bool:
    """A page marker or a rule: furniture wherever it stands, even inside a wrapped paragraph."""
    head = line.lstrip()[:1]
    if not head:
        return False
    if head in _RULE_CHARS and UNDERLINE.match(line):
        return True
    low = line.lower()
    marked = head in "-_" or "page" in low or "col" in low or "[[" in line
    return marked and PAGE_MARK.match(line) is not None


def strip_trailing(line: str) -> str:
    """Remove a share bar glued to the end of a text line (keeps the rest of the line)."""
    if "ookmark" not in line:  # cheap pre-check: the pattern needs "Bookmark"
        return line
    return _TRAILING_SHARE.sub("", line)


def clean_lines(lines: Iterable[str]) -> Iterator[str]:
    """Drop boilerplate lines; boilerplate lines become blank lines so paragraph breaks survive."""
    for line in lines:
        if is_boilerplate(line):
            yield ""
        else:
            yield strip_trailing(line)
