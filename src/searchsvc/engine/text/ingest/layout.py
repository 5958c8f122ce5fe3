"""Printed-page text and caption tracks → paragraphs separated by blank lines.

PDF text layers (``pdftotext -layout`` or ``-raw``), GPO ``<pre>`` text and court transcripts
print one line per printed line: a paragraph shows only as an indented first line, a short last
line, or a line ending a sentence followed by a capitalised line, and page furniture interrupts
sentences. :func:`reflow` finds that layout and rebuilds the paragraphs:

* **Pages** end at form feeds, where printed line numbers start again at 1, or at a block of bare
  line numbers (``-raw`` prints a page's 1–25 as a column of their own).
* **Furniture** goes: printed line numbers at line starts, bare numbers (page numbers, number
  blocks), page markers ("Page 4 of 28", ``[[Page 12]]``, ``- 4 -``, ``_page : 148``) and
  lines that repeat at the top or bottom of page after page (running heads, a reporter's
  footer). A sentence broken by a page then simply continues on the next page's first line.
* **Double spacing** (a blank line after every printed line) carries no meaning and is dropped.
* **Paragraph breaks**: an indented line (deeper than the page's usual margin), a line that
  opens with a strong speaker label, a line after one that ends a sentence well short of the
  page's width, and the edges of a line in capitals (a section head such as "ORAL ARGUMENT OF …").

:func:`caption_track` does the same for WebVTT captions: cue timings and settings go, cue text is
joined, and a new paragraph starts at each ``>>`` speaker-change mark.

Text in none of these layouts is returned as it came (None), for the usual paragraph builder.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..boilerplate import PAGE_MARK
from ..labels import LabelSet, read_label

_LINE_NUMBER = re.compile(r"^\s{0,8}(\d{1,2})(?:\s{2,}|\s*$)")
_BARE_NUMBER = re.compile(r"^\s*\d{1,4}\s*$")
_PAGE_MARK = PAGE_MARK
_SENTENCE_END = '.?!:"”’)'
_CAPS = re.compile(r"^[^a-z]*[A-Z][^a-z]*[A-Z][^a-z]*$")
_VTT_TIMING = re.compile(r"^\s*(?:\d{1,2}:)?\d{2}:\d{2}[.,]\d{3}\s+-->\s+")
_TURN_MARK = re.compile(r"\s*!?>>\s*")


@dataclass
class _Line:
    text: str  # stripped
    indent: int
    page: int
    width: int  # indent + len(text)


def reflow(raw: str) -> str | None:
    """Paragraphs of page-layout text joined by blank lines, or None when it is not one."""
    if raw.lstrip("\ufeff").startswith("WEBVTT"):
        return caption_track(raw)
    lines = raw.split("\n")
    if not _is_page_text(raw, lines):
        return None
    kept = _strip_furniture(lines)
    if not kept:
        return ""
    return "\n\n".join(_paragraphs(kept))


def _is_page_text(raw: str, lines: list[str]) -> bool:
    if "\f" in raw:
        return True
    nonblank = [x for x in lines if x.strip()]
    if sum(1 for x in nonblank if _PAGE_MARK.match(x)) >= 2:
        return True
    if len(nonblank) < 20:
        return False
    numbered = sum(1 for x in nonblank if _LINE_NUMBER.match(x))
    bare = sum(1 for x in nonblank if _BARE_NUMBER.match(x))
    if numbered * 3 >= len(nonblank) or bare * 6 >= len(nonblank):
        return True
    return _indent_starts(lines) * 12 >= len(nonblank)


def _indent_starts(lines: list[str]) -> int:
    """Lines that open a paragraph by indentation: indented deeper than the usual margin, after
    a line that ends a sentence (GPO ``<pre>`` text, typescript)."""
    margins = Counter(len(x) - len(x.lstrip()) for x in lines if len(x.strip()) > 20)
    if not margins:
        return 0
    margin = margins.most_common(1)[0][0]
    count = 0
    prev = ""
    for x in lines:
        s = x.strip()
        if not s:
            continue
        indent = len(x) - len(x.lstrip())
        if margin + 2 < indent <= margin + 12 and prev[-1:] in _SENTENCE_END and prev:
            count += 1
        prev = s
    return count


def _strip_furniture(lines: list[str]) -> list[_Line | None]:
    """The printed lines without furniture; None marks a blank line that may end a paragraph."""
    numbered = sum(1 for x in lines if _LINE_NUMBER.match(x) and not _BARE_NUMBER.match(x))
    has_numbers = numbered * 4 >= sum(1 for x in lines if x.strip())
    page = 0
    last_no = 0
    rows: list[tuple[str, int]] = []  # (line without its number, page)
    for raw_line in lines:
        if "\f" in raw_line:
            page += 1
            last_no = 0
            raw_line = raw_line.replace("\f", "")
        line = raw_line.rstrip()
        if has_numbers:
            m = _LINE_NUMBER.match(line)
            if m:
                no = int(m.group(1))
                if no < last_no:
                    page += 1
                last_no = no
                line = " " * m.end() + line[m.end() :]
        elif _PAGE_MARK.match(line):
            page += 1  # "Page 4 of 28" closes a page
        elif _BARE_NUMBER.match(line):
            no = int(line)
            if no == 1 and last_no != 0:
                page += 1  # a -raw page opens with its column of line numbers 1, 2, 3, …
            last_no = no
        rows.append((line, page))
    # running heads and footers: recurring at a page's edge on many pages
    edges: Counter[str] = Counter()
    by_page: dict[int, list[str]] = {}
    for line, pg in rows:
        if line.strip() and not _BARE_NUMBER.match(line):
            by_page.setdefault(pg, []).append(line.strip())
    for texts in by_page.values():
        for key in {_key(t) for t in texts[:3] + texts[-3:]}:
            edges[key] += 1
    n_pages = max(1, len(by_page))
    furniture = {k for k, n in edges.items() if n >= 2 and n * 10 >= n_pages * 3 and len(k) <= 80}
    out: list[_Line | None] = []
    for line, pg in rows:
        text = line.strip()
        if not text:
            out.append(None)
            continue
        if _BARE_NUMBER.match(text) or _PAGE_MARK.match(text) or _key(text) in furniture:
            while out and out[-1] is None:
                out.pop()  # the blank lines around furniture go with it
            out.append(_FURNITURE)
            continue
        indent = len(line) - len(line.lstrip())
        out.append(_Line(" ".join(text.split()), indent, pg, len(line)))
    kept: list[_Line | None] = []
    for x in out:
        if x is _FURNITURE or (x is None and kept and kept[-1] is _FURNITURE):
            if x is _FURNITURE and (not kept or kept[-1] is not _FURNITURE):
                kept.append(_FURNITURE)
            continue
        kept.append(x)
    out = [x for x in kept if x is not _FURNITURE]
    # double spacing: blank lines between nearly all printed lines say nothing
    texts = [x for x in out if x is not None]
    singles = sum(
        1
        for k in range(1, len(out) - 1)
        if out[k] is None and out[k - 1] is not None and out[k + 1] is not None
    )
    if texts and singles * 2 >= len(texts):
        out = [x for x in out if x is not None]
    return out


_FURNITURE = _Line("", 0, 0, 0)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split())).casefold()


def _paragraphs(lines: list[_Line | None]) -> list[str]:
    texts = [x for x in lines if x is not None]
    indents = Counter(x.indent for x in texts if len(x.text) > 20)
    margin = indents.most_common(1)[0][0] if indents else 0
    widths = sorted(x.width for x in texts)
    width = widths[int(len(widths) * 0.9)] if widths else 0
    labels = LabelSet(read_label(x.text) for x in texts)
    # Blank lines that survive (no double spacing) already separate paragraphs: then a short
    # line inside a block is a short line, not a paragraph's end.
    blanks = sum(1 for x in lines if x is None)
    first_line_indents = _indent_starts([" " * x.indent + x.text if x else "" for x in lines])
    blocked = blanks * 5 >= len(texts) and first_line_indents * 12 < len(texts)
    # Hanging indent (continuation lines indented under a label) is no paragraph break: there the
    # line before an indented one mostly runs on, where a first-line indent follows a sentence end.
    after = [
        lines[k - 1].text[-1] in _SENTENCE_END  # type: ignore[union-attr]
        for k, x in enumerate(lines)
        if k > 0
        and x is not None
        and lines[k - 1] is not None
        and margin + 2 < x.indent <= margin + 12
    ]
    hanging = len(after) >= 3 and sum(after) * 2 < len(after)
    paras: list[list[str]] = []
    prev: _Line | None = None
    for x in lines:
        if x is None:
            prev = None
            continue
        if prev is None or _breaks(prev, x, margin, width, labels, blocked, hanging):
            paras.append([x.text])
        else:
            paras[-1].append(x.text)
        prev = x
    return [" ".join(p) for p in paras]


def _breaks(
    prev: _Line,
    cur: _Line,
    margin: int,
    width: int,
    labels: LabelSet,
    blocked: bool,
    hanging: bool,
) -> bool:
    ends = prev.text[-1] in _SENTENCE_END or prev.text.endswith(("--", "—", "-\u00ad"))
    lab = labels.accept(read_label(cur.text))
    indented = cur.indent > margin + 2 and not hanging
    if lab is not None and not lab.own_line and (lab.strong or ends or indented):
        return True
    if blocked:
        return False
    if not hanging:
        c_prev, c_cur = _centred(prev, margin, width), _centred(cur, margin, width)
        if c_prev != c_cur:
            return True  # a centred block (title page, heading) starts or ends
        if not c_cur and indented:
            # a first-line indent: after a line at the margin, or after a sentence's end
            return ends or prev.indent <= margin + 2
    caps_cur = bool(_CAPS.match(cur.text)) and len(cur.text) > 3
    caps_prev = bool(_CAPS.match(prev.text)) and len(prev.text) > 3
    if caps_cur != caps_prev:
        return True
    short = prev.width < width * 0.8
    starts = cur.text[:1].isupper() or cur.text[:1] in "\"“(['‘" or cur.text[:1].isdigit()
    return ends and short and starts


def _centred(x: _Line, margin: int, width: int) -> bool:
    """Set apart from the text: indented past any paragraph indent, or centred (indented about as
    much as the line falls short of the page's width)."""
    if x.indent > margin + 12:
        return True  # deeper than any paragraph indent: a title block, an address, a signature
    return x.indent > margin + 4 and abs(x.indent - (width - len(x.text)) / 2) <= 3


def caption_track(raw: str) -> str:
    """WebVTT captions → one paragraph per ``>>`` turn (timings, cue ids and settings dropped)."""
    parts: list[str] = []
    block: list[str] = []
    in_header = True
    for line in [*raw.replace("\r\n", "\n").split("\n"), ""]:
        s = line.strip()
        if in_header:
            if not s:
                in_header = False
            continue
        if not s:
            if block:
                parts.append(" ".join(block))
            block = []
            continue
        if _VTT_TIMING.match(s) or (not block and s.isdigit()) or s.startswith("NOTE"):
            block = []
            continue
        block.append(s)
    stream = " ".join(parts)
    pieces = _TURN_MARK.split(stream)
    # the first piece runs on from before the track began; each later one opens with the mark,
    # which the chunker reads as a turn by an unnamed speaker
    turns = [pieces[0].strip()] + [">> " + t.strip() for t in pieces[1:] if t.strip()]
    return "\n\n".join(t for t in turns if t)
