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
from dataclasses import dataclass

from ..boilerplate import is_boilerplate, is_page_mark, strip_trailing
from ..labels import strong_at_line_start as starts_with_inline_label
from .layout import reflow

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_LIST_ITEM = re.compile(r"^(?:[-*•·▪]\s|\d{1,2}[.)]\s)")
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
    """Normalise ``raw`` and cut it into paragraphs (boilerplate already removed)."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    raw = _INVISIBLE.sub("", raw)
    if not markdown:
        flowed = reflow(raw)
        if flowed is not None:
            raw = flowed
    if markdown:
        raw = strip_markdown(raw)
    raw_lines = raw.split("\n")
    lines: list[str] = []
    hard_break: list[bool] = []
    for rl in raw_lines:
        if is_page_mark(rl):
            rl = ""  # furniture; a rule under a heading also ends the heading's paragraph
        # a Markdown hard break: two trailing spaces (or no-break spaces), or a backslash
        hb = len(rl) - len(rl.rstrip(" \t\u00a0")) >= 2 or rl.endswith("\\")
        line = normalise_line(rl)
        if markdown and line:
            if line[0] == "#":
                line = _MD_HEADING.sub("", line)
            if "*" in line:
                line = _MD_EMPHASIS.sub("", line)
            if "\\" in line:
                line = _MD_ESCAPE.sub(r"\1", line)
            line = line.strip()
        lines.append(line)
        hard_break.append(hb)

    # Boilerplate: every line of a one-paragraph-per-line text, but only the lines at the edges of
    # blocks of a hard-wrapped one (furniture stands alone; a wrapped paragraph's middle never is).
    n = len(lines)
    wrapped_guess = _looks_wrapped(lines)
    for k in range(n):
        line = lines[k]
        if not line:
            continue
        edge = not wrapped_guess or k == 0 or k == n - 1 or not lines[k - 1] or not lines[k + 1]
        if edge and is_boilerplate(line):
            lines[k] = ""
        else:
            lines[k] = strip_trailing(line)

    # blocks of consecutive non-blank lines
    blocks: list[tuple[int, int]] = []  # [start, end) line indexes
    i = 0
    while i < n:
        if not lines[i]:
            i += 1
            continue
        j = i
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
        if wrapped:
            groups: list[list[int]] = [[a]]
            for k in range(a + 1, b):
                prev = lines[k - 1]
                cur = lines[k]
                new = (
                    starts_with_inline_label(cur)
                    or bool(_LIST_ITEM.match(cur))
                    or (markdown and hard_break[k - 1] and prev[-1] in _SENTENCE_FINAL)
                )
                if new:
                    groups.append([k])
                else:
                    groups[-1].append(k)
        else:
            groups = [[k] for k in range(a, b)]
        for gi, g in enumerate(groups):
            text = " ".join(lines[k] for k in g)
            paras.append(
                Para(
                    text=text,
                    blank_before=before if gi == 0 else 0,
                    blank_after=after if gi == len(groups) - 1 else 0,
                    line=g[0],
                )
            )
    return _rejoin_broken(paras)


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
