"""Ingest helper: raw body text → normalised paragraphs (before metadata heuristics and chunking).

Every text-bearing reader (plain text, Markdown, JSON bodies, HTML after extraction) funnels its
body through :func:`split_paragraphs`, so the cleaned ``Document.text`` has one shape whatever the
format: whitespace and no-break spaces collapsed, boilerplate lines dropped
(:mod:`searchsvc.engine.text.boilerplate`), hard-wrapped lines joined, one paragraph per line, and
paragraphs separated by exactly one blank line (:func:`join_paragraphs`).

Hard wrap or one-paragraph-per-line? The scraped seeds put a paragraph on each (long) line, with or
without blank lines between; wh-briefings wraps at ~72 columns with blank lines between paragraphs.
A text is *hard-wrapped* when at least half of its lines that are followed by another line end
mid-sentence (no final punctuation); then the lines of a block are joined, except before a line
that opens a speaker turn ("MS. PSAKI:", "Q") or a list item, and after a Markdown hard break (two
trailing spaces) that ends a sentence. Otherwise every non-blank line is its own paragraph.
Markdown bodies also lose image markup, link targets (the link text stays) and stray HTML tags.

Each paragraph remembers how many blank lines surrounded it and its line number: photo captions in
scraped pages sit between runs of blank lines where the image was, which the metadata heuristics
use.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from ..boilerplate import is_boilerplate, is_page_mark, strip_trailing
from ..labels import strong_at_line_start as starts_with_inline_label
from .layout import reflow

_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_LIST_ITEM = re.compile(r"^(?:[-*•·▪]\s|\d{1,2}[.)]\s)")
_LIST_HEADS = frozenset("-*•·▪")  # what a list item opens with, or a digit
_MARK_HEADS = frozenset("=-~^*#_")  # what a rule or a page mark may open with (is_page_mark)
_SENTENCE_FINAL = '.?!:"”’)'
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
# An HTML tag (possibly spanning lines), e.g. an <img …> a scraper left in a Markdown body.
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_MD_EMPHASIS = re.compile(r"(?<![\\*])\*{1,3}(?!\*)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


@dataclass
class Para:
    text: str
    blank_before: int = 0
    blank_after: int = 0
    line: int = 0


def normalise_line(line: str) -> str:
    """Collapse all Unicode whitespace (no-break spaces included) to single spaces."""
    return " ".join(line.split())


def _looks_wrapped(lines: list[str]) -> bool:
    """Hard-wrapped text breaks lines mid-sentence; one-paragraph-per-line text does not.

    Looks at the lines followed by another non-blank line: wrapped when at least half of them
    end without sentence-final punctuation.
    """
    followed = 0
    open_ended = 0
    for k in range(len(lines) - 1):
        line = lines[k]
        if line and lines[k + 1]:
            followed += 1
            if line[-1] not in _SENTENCE_FINAL:
                open_ended += 1
    return followed >= 1 and open_ended * 2 >= followed


def strip_markdown(raw: str) -> str:
    """Markdown/HTML markup that must not be indexed: images, link targets, inline tags."""
    if "](" in raw:
        raw = _MD_IMAGE.sub("", raw)
        raw = _MD_LINK.sub(r"\1", raw)
    if "<" in raw:
        raw = _HTML_TAG.sub("", raw)
    return raw


def split_paragraphs(raw: str, *, markdown: bool = False) -> list[Para]:
    """Normalise ``raw`` and cut it into paragraphs (boilerplate already removed).

    Every line of every document passes here, so each step is one pass over the lines, and a
    step whose characters the whole text lacks (page-mark words, Markdown markup, a share bar)
    is not run line by line at all."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if any(c in raw for c in _INVISIBLE_CHARS):  # a scan per character beats the pattern's
        raw = _INVISIBLE.sub("", raw)
    if not markdown:
        flowed = reflow(raw)
        if flowed is not None:
            raw = flowed
    if markdown:
        raw = strip_markdown(raw)
    raw_lines = raw.split("\n")
    lines = [" ".join(rl.split()) for rl in raw_lines]
    for k in _page_mark_candidates(raw, raw_lines, lines):
        if is_page_mark(raw_lines[k]):
            lines[k] = raw_lines[k] = ""  # furniture; a rule under a heading also ends it
    if markdown and ("#" in raw or "*" in raw or "\\" in raw):
        for k, line in enumerate(lines):
            if line and (line[0] == "#" or "*" in line or "\\" in line):
                if line[0] == "#":
                    line = _MD_HEADING.sub("", line)
                if "*" in line:
                    line = _MD_EMPHASIS.sub("", line)
                if "\\" in line:
                    line = _MD_ESCAPE.sub(r"\1", line)
                lines[k] = line.strip()

    # Boilerplate: every line of a one-paragraph-per-line text, but only the lines at the edges of
    # blocks of a hard-wrapped one (furniture stands alone; a wrapped paragraph's middle never is).
    # A line found to be furniture is blanked before the next is looked at: it makes an edge.
    n = len(lines)
    wrapped_guess = _looks_wrapped(lines)
    # what strip_trailing needs ("Book*mark" is "Bookmark" once emphasis is gone)
    share_bar = "ookmark" in raw or (markdown and "*" in raw)
    last = n - 1
    for k in range(n):
        line = lines[k]
        if not line:
            continue
        edge = not wrapped_guess or k == 0 or k == last or not lines[k - 1] or not lines[k + 1]
        if edge and is_boilerplate(line):
            lines[k] = ""
        elif share_bar:
            lines[k] = strip_trailing(line)

    # blocks of consecutive non-blank lines
    blocks: list[tuple[int, int]] = []  # [start, end) line indexes
    i = 0
    while i < n:
        if not lines[i]:
            i += 1
            continue
        j = i + 1
        while j < n and lines[j]:
            j += 1
        blocks.append((i, j))
        i = j

    wrapped = _looks_wrapped(lines)

    paras: list[Para] = []
    prev_end = 0
    for bi, (a, b) in enumerate(blocks):
        before = a - prev_end
        after = (blocks[bi + 1][0] if bi + 1 < len(blocks) else n) - b
        prev_end = b
        if b - a == 1:
            paras.append(Para(lines[a], before, after, a))
            continue
        if wrapped:
            starts = [a]
            for k in range(a + 1, b):
                cur = lines[k]
                if (
                    starts_with_inline_label(cur)
                    or (
                        (cur[0] in _LIST_HEADS or cur[0].isdigit())
                        and _LIST_ITEM.match(cur) is not None
                    )
                    or (
                        markdown
                        and lines[k - 1][-1] in _SENTENCE_FINAL
                        and _hard_break(raw_lines[k - 1])
                    )
                ):
                    starts.append(k)
            starts.append(b)
        else:
            starts = list(range(a, b + 1))
        last_group = len(starts) - 2
        for gi in range(last_group + 1):
            g0, g1 = starts[gi], starts[gi + 1]
            text = lines[g0] if g1 - g0 == 1 else " ".join(lines[g0:g1])
            paras.append(Para(text, before if gi == 0 else 0, after if gi == last_group else 0, g0))
    return _rejoin_broken(paras)


def _hard_break(raw_line: str) -> bool:
    """A Markdown hard break: two trailing spaces (or no-break spaces), or a backslash."""
    return len(raw_line) - len(raw_line.rstrip(" \t\u00a0")) >= 2 or raw_line.endswith("\\")


def _page_mark_candidates(raw: str, raw_lines: list[str], lines: list[str]) -> list[int]:
    """The lines ``is_page_mark`` may say yes to (its own pre-checks): those opening with a rule or
    dash character, or holding "page", "col" or "[[", the words found by scanning the lower-cased
    text once rather than line by line."""
    low = raw.lower()
    if len(low) != len(raw):  # a letter that lowers to two: look at every line
        return list(range(len(raw_lines)))
    found = {k for k, line in enumerate(lines) if line[:1] in _MARK_HEADS}
    starts: list[int] | None = None
    for word in ("page", "col", "[["):
        at = low.find(word)
        if at >= 0 and starts is None:
            starts = list(accumulate((len(x) + 1 for x in raw_lines), initial=0))
        while at >= 0:
            found.add(bisect_right(starts, at) - 1)
            at = low.find(word, at + len(word))
    return sorted(found)


def _rejoin_broken(paras: list[Para]) -> list[Para]:
    """A paragraph the page furniture cut in two ("… of the Iranian leadership" / column heading /
    "on this that it has …"): a paragraph that opens in lower case after one that ends without
    sentence punctuation continues it."""
    out: list[Para] = []
    for p in paras:
        prev = out[-1] if out else None
        if (
            prev is not None
            and p.text[:1].islower()
            and len(prev.text) >= 40
            and prev.text[-1] not in _SENTENCE_FINAL + ";"
            and not _LIST_ITEM.match(p.text)
        ):
            prev.text = prev.text + " " + p.text
            prev.blank_after = p.blank_after
            continue
        out.append(p)
    return out


def join_paragraphs(texts: list[str]) -> str:
    """The cleaned document text: paragraphs separated by exactly one blank line."""
    return "\n\n".join(texts)
