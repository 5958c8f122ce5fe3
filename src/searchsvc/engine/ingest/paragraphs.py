"""Ingest helper: raw body text → normalised paragraphs (before metadata heuristics and chunking).

Every text-bearing reader (plain text, Markdown, JSON bodies, HTML after extraction) funnels its
body through :func:`split_paragraphs`, so the cleaned ``Document.text`` has one shape whatever the
format: whitespace and no-break spaces collapsed, boilerplate lines dropped
(:mod:`searchsvc.engine.boilerplate`), hard-wrapped lines joined, one paragraph per line, and
paragraphs separated by exactly one blank line (:func:`join_paragraphs`).

Hard wrap or one-paragraph-per-line? The scraped seeds put a paragraph on each (long) line, with or
without blank lines between; wh-briefings wraps at ~72 columns with blank lines between paragraphs.
A text is *hard-wrapped* when it has multi-line blocks and (almost) no line longer than 100
characters; then the lines of a block are joined, except before a line that opens a speaker turn
("MS. PSAKI:", "Q") or a list item, and after a Markdown hard break (two trailing spaces) that ends
a sentence. Otherwise every non-blank line is its own paragraph.

Each paragraph remembers how many blank lines surrounded it and its line number: photo captions in
scraped pages sit between runs of blank lines where the image was, which the metadata heuristics
use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..boilerplate import is_boilerplate, strip_trailing
from ..speakers import starts_with_inline_label

WRAP_MAX = 100

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_HARD_BREAK = re.compile(r"(?:[ \t\u00a0]{2,}|\\)$")
_LIST_ITEM = re.compile(r"^(?:[-*•·▪]\s|\d{1,2}[.)]\s)")
_SENTENCE_FINAL = '.?!:"”’)'
_MD_HEADING = re.compile(r"^#{1,6}\s+")
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


def split_paragraphs(raw: str, *, markdown: bool = False) -> list[Para]:
    """Normalise ``raw`` and cut it into paragraphs (boilerplate already removed)."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    raw = _INVISIBLE.sub("", raw)
    raw_lines = raw.split("\n")
    lines: list[str] = []
    hard_break: list[bool] = []
    for rl in raw_lines:
        hb = bool(_HARD_BREAK.search(rl))
        line = normalise_line(rl)
        if markdown and line:
            line = _MD_HEADING.sub("", line)
            if "\\" in line:
                line = _MD_ESCAPE.sub(r"\1", line)
            line = line.strip()
        lines.append(line)
        hard_break.append(hb)

    # Boilerplate: every line of a one-paragraph-per-line text, but only the lines at the edges of
    # blocks of a hard-wrapped one (furniture stands alone; a wrapped paragraph's middle never is).
    n = len(lines)
    long_lines = sum(1 for line in lines if len(line) > WRAP_MAX)
    nonblank = sum(1 for line in lines if line)
    wrapped_guess = long_lines <= max(1, nonblank // 50)
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

    nonblank = [len(line) for line in lines if line]
    multi = any(b - a > 1 for a, b in blocks)
    long_lines = sum(1 for x in nonblank if x > WRAP_MAX)
    wrapped = multi and long_lines <= max(1, len(nonblank) // 50)

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
                    or (hard_break[k - 1] and prev[-1] in _SENTENCE_FINAL)
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
    return paras


def join_paragraphs(texts: list[str]) -> str:
    """The cleaned document text: paragraphs separated by exactly one blank line."""
    return "\n\n".join(texts)
