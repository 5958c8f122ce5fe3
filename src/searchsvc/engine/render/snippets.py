"""Snippets: the matched words of a chunk, HTML-escaped and wrapped in ``<mark>``.

Only the hits of the returned page are highlighted, from their stored text, with the same
tokenizer that indexed them (``analysis.iter_terms``, a distinct word at a time) — so what is marked is exactly what matched,
compounds and CJK included, whichever backend found the chunk, and nothing is highlighted for hits
that are never shown (a storage engine's highlighter works per hit and is the slow part of a
search page). Consecutive matched words (a phrase) become one mark. Long chunks are cut
into up to three ~200-character fragments around the densest matches, joined by `` … ``.
Every character of chunk text passes through ``html.escape``; the only markup is ``<mark>``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..text.analysis import Term, stem, words_with_terms

FRAGMENT_CHARS = 200
MAX_FRAGMENTS = 3
ELLIPSIS = " … "


@dataclass(frozen=True)
class Marks:
    """What to mark: single terms (folded or stemmed) and phrases (sequences of stems)."""

    stems: frozenset[str]
    exact: frozenset[str]
    phrases: frozenset[tuple[str, ...]] = frozenset()

    def matches(self, term: str) -> bool:
        return term in self.exact or term in self.stems or stem(term) in self.stems

    def __bool__(self) -> bool:
        return bool(self.stems or self.exact or self.phrases)


def find_spans(text: str, marks: Marks) -> list[list[int]]:
    """[start, end] character spans of matches: a phrase occurrence is one span, and single
    terms next to each other (only spaces between) merge into one span too."""
    if not marks:
        return []
    spans: list[list[int]] = []
    words: list[Term] = []  # the whole words (not parts of compounds), for phrases
    for start, pos, terms in words_with_terms(text):
        for t in terms:
            if marks.matches(t.text):
                spans.append([start + t.start, start + t.end])
        if marks.phrases:
            words += [
                Term(t.text, pos + t.pos, start + t.start, start + t.end, t.part)
                for t in terms
                if not t.part
            ]
    if marks.phrases:
        stems = [stem(t.text) for t in words]
        for phrase in marks.phrases:
            n = len(phrase)
            for i in range(len(words) - n + 1):
                if tuple(stems[i : i + n]) == phrase and all(
                    words[i + j + 1].pos == words[i + j].pos + 1 for j in range(n - 1)
                ):
                    spans.append([words[i].start, words[i + n - 1].end])
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and (s <= merged[-1][1] or text[merged[-1][1] : s].isspace()):
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return merged


def snippet(text: str, spans: list[list[int]], size: int = FRAGMENT_CHARS) -> str:
    """Escaped HTML: the whole text when short, else the best fragments around ``spans``."""
    if len(text) <= size * 1.5:
        return _render(text, 0, len(text), spans)
    if not spans:
        end = _snap_end(text, size)
        return _render(text, 0, end, []) + (ELLIPSIS.rstrip() if end < len(text) else "")
    windows = _windows(text, spans, size)
    parts = [_render(text, a, b, spans) for a, b in windows]
    out = ELLIPSIS.join(parts)
    if windows[0][0] > 0:
        out = ELLIPSIS.lstrip() + out
    if windows[-1][1] < len(text):
        out = out + ELLIPSIS.rstrip()
    return out


def _windows(text: str, spans: list[list[int]], size: int) -> list[tuple[int, int]]:
    """Candidate fragments start a little before each span; keep the ones covering most marks."""
    candidates = []
    for i, (start, _end) in enumerate(spans):
        a = _snap_start(text, max(0, start - size // 4))
        b = _snap_end(text, min(len(text), a + size))
        covered = [s for s in spans[i:] if s[1] <= b]
        distinct = len({text[s[0] : s[1]].lower() for s in covered})
        candidates.append((distinct, len(covered), -a, a, b))
    candidates.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for *_, a, b in candidates:
        if all(b <= ca or a >= cb for ca, cb in chosen):
            chosen.append((a, b))
        if len(chosen) == MAX_FRAGMENTS:
            break
    return sorted(chosen)


def _snap_start(text: str, i: int) -> int:
    if i <= 0:
        return 0
    j = text.rfind(" ", max(0, i - 20), i)
    return j + 1 if j >= 0 else i


def _snap_end(text: str, i: int) -> int:
    if i >= len(text):
        return len(text)
    j = text.find(" ", i, i + 20)
    return j if j >= 0 else i


def _render(text: str, a: int, b: int, spans: list[list[int]]) -> str:
    out = []
    pos = a
    for s, e in spans:
        if e <= a or s >= b:
            continue
        s, e = max(s, a), min(e, b)
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:b]))
    return "".join(out).strip()
