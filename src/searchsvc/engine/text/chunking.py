"""Pipeline step 3: a cleaned ``Document`` → the ``Chunk``s that are indexed and cited.

One chunk per paragraph of ``Document.text`` (paragraphs are separated by blank lines). Rules, in
the order they are applied to each paragraph:

* **Metadata paragraphs** (``Document.metadata_paragraphs``: the "China.org.cn March 28, 2020"
  source/date line, a "By … Source: … Updated: …" byline, "No.2 2020", "7:06 P.M. EST") stay in
  the text but are not chunks: they are metadata, not something to search.
* **Label-only paragraphs** ("Xu Nanping:", "Q") are not chunks; they set the speaker.
* **The title line** of a plain-text document (the first paragraph, among the first ten, equal to
  ``Document.title``) is a chunk of kind ``heading`` with no section and no speaker. Formats whose
  title lives in metadata (Markdown front matter, JSON, ninjs, HTML) have no title chunk.
* **Captions** (``Document.captions``) are chunks of kind ``caption`` with no speaker; they do not
  interrupt the current speaker's turn.
* **Headings** (only outside speaker turns): numbered ("I. Deepening…", "2. …", unless the next
  paragraph is numbered too: that is a list) or short lines without final punctuation ("Sharing research data"). A heading is a chunk of kind ``heading`` whose
  section is itself; it sets ``section`` for the chunks that follow.
* **Turns**: an inline label ("MS. PSAKI:  Good afternoon…", "Q  Thank you") starts a turn and the
  chunk's text starts after the label; the speaker carries over to the following paragraphs until
  the next label (see :mod:`searchsvc.engine.text.speakers` for shapes, display names and roles).
  Unlabelled paragraphs before the first label that end in a question mark are ``questioner``
  paragraphs (the SCIO page that opens with CGTN's question). After all turns are known, a speaker
  whose turns mostly hand the floor on becomes ``moderator``.
* **Quotes**: in documents without turns, a paragraph that quotes someone ("…," explained Xu
  Nanping) gets that speaker with role ``quoted``; otherwise the document's default speaker
  (``Document.speaker``), if any, with role ``official``.
* **Long paragraphs** (> 1,500 characters) are split at sentence boundaries (a regex: terminal
  punctuation, optional closing quote, whitespace, capital/digit; CJK 。！？ too; common
  abbreviations excepted) into pieces of at most ~1,500 characters. **Each piece is its own
  numbered paragraph**: chunks are numbered 1..N in document order, so ``Chunk.paragraph`` is the
  citation number (chunk id ``doc:paragraph``) and never repeats within a document.

Every chunk's ``text`` is exactly ``doc.text[start:end]`` (stripped of surrounding whitespace), for
any Unicode input. The work is one pass over the paragraphs with precompiled regexes, plus one scan
of the text per distinct speaker label to find full names.
"""

from __future__ import annotations

import re
from collections import defaultdict

from ..models import Chunk, Document
from .speakers import (
    MODERATOR,
    OFFICIAL,
    QUESTIONER,
    QUOTED,
    NameResolver,
    find_label,
    has_rank,
    is_floor_passing,
    quoted_speaker,
    role_for,
)


def _words(s: str) -> frozenset[str]:
    """A word list written compactly as one string."""
    return frozenset(s.split())


MAX_CHUNK_CHARS = 1500

_PARA_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[^\W_a-z])|(?<=[。！？])\s*(?=\S))"
)
_ABBREV = _words("""mr mrs ms dr st no nos vs jan feb mar apr jun jul aug sep sept oct nov dec gen sen rep gov
    lt col sgt capt prof inc co corp ltd jr sr u.s e.g i.e etc fig p pp vol art""")
_LAST_WORD = re.compile(r"([\w.]+)\.[\"'”’)\]]*\s*$")
_NUMBERED_HEADING = re.compile(r"^(?:[IVX]{1,5}|\d{1,2})[.)]\s+\S")
_FINAL_PUNCT = ".,;:!?…\"'”’)]"
_SPACE = re.compile(r"\s+")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty paragraph of ``text``, whitespace-trimmed.

    Paragraphs are separated by blank lines. The list index is the paragraph index that
    ``Document.captions`` and ``Document.metadata_paragraphs`` refer to.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    for m in _PARA_BREAK.finditer(text):
        _add_span(text, pos, m.start(), spans)
        pos = m.end()
    _add_span(text, pos, n, spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    spans.append((start + lead, start + lead + len(stripped)))


def _is_heading(para: str, next_para: str) -> bool:
    if len(para) > 160 or "\n" in para:
        return False
    if _NUMBERED_HEADING.match(para):
        # "30. Michigan State University" followed by "31. …" is a list, not a heading
        return len(para.split()) <= 30 and not _NUMBERED_HEADING.match(next_para)
    if len(para) > 110 or para[-1] in _FINAL_PUNCT:
        return False
    first = para[0]
    if not (first.isupper() or first.isdigit()):
        return False
    words = para.split()
    if len(words) > 16:
        return False
    # A sentence glued inside ("Thank you. Next") is prose, not a heading.
    return ". " not in para or all(len(w) <= 3 for w in para.split(". ")[0].split()[-1:])


def _next_text(text: str, spans: list[tuple[int, int]], i: int) -> str:
    if i + 1 < len(spans):
        s, e = spans[i + 1]
        return text[s : min(e, s + 20)]
    return ""


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split text[start:end] (longer than MAX_CHUNK_CHARS) at sentence boundaries."""
    piece_text = text[start:end]
    cuts: list[int] = []  # offsets (relative) where a new sentence starts
    for m in _SENTENCE_END.finditer(piece_text):
        before = piece_text[max(0, m.start() - 12) : m.start() + 1]
        w = _LAST_WORD.search(before)
        if w and w.group(1).lower().rstrip(".") in _ABBREV:
            continue
        cuts.append(m.end())
    pieces: list[tuple[int, int]] = []
    a = 0
    length = len(piece_text)
    idx = 0
    while length - a > MAX_CHUNK_CHARS:
        # the last sentence start that keeps this piece within the limit
        best = None
        while idx < len(cuts) and cuts[idx] - a <= MAX_CHUNK_CHARS:
            if cuts[idx] > a:
                best = cuts[idx]
            idx += 1
        if best is None:
            # one enormous sentence: cut at the last whitespace before the limit (or hard)
            limit = a + MAX_CHUNK_CHARS
            ws = piece_text.rfind(" ", a + MAX_CHUNK_CHARS // 2, limit)
            best = ws + 1 if ws > a else limit
            while idx < len(cuts) and cuts[idx] <= best:
                idx += 1
        pieces.append((a, best))
        a = best
    pieces.append((a, length))
    out = []
    for s, e in pieces:
        seg = piece_text[s:e]
        st = seg.strip()
        if not st:
            continue
        lead = len(seg) - len(seg.lstrip())
        out.append((start + s + lead, start + s + lead + len(st)))
    return out


def chunk_document(doc: Document) -> list[Chunk]:
    """Split a cleaned document into numbered paragraph chunks with speaker, role and section."""
    text = doc.text
    spans = paragraph_spans(text)
    captions = doc.captions
    meta = getattr(doc, "metadata_paragraphs", set())
    title = _SPACE.sub(" ", doc.title).strip() if doc.title else ""

    # Pass 1: labels, to know whether this is a transcript (own-line mixed-case labels need company).
    labels = []
    n_labels = 0
    for i, (s, e) in enumerate(spans):
        if i in meta or i in captions:
            labels.append(None)
            continue
        head = text[s : min(e, s + 120)]
        lab = find_label(head)
        if lab is not None and lab.own_line and e - s > 120:
            lab = None  # the window ended in the label shape, but the paragraph goes on
        labels.append(lab)
        if lab is not None:
            n_labels += 1
    transcript_kinds = {"transcript", "briefing", "remarks", "interview", "press conference"}
    trust_own_line = n_labels >= 2 or (doc.kind or "") in transcript_kinds
    if not trust_own_line:
        labels = [
            lab if lab is not None and (lab.raw == "Q" or lab.raw.isupper()) else None
            for lab in labels
        ]
        n_labels = sum(1 for lab in labels if lab is not None)
    has_turns = n_labels > 0

    resolver = NameResolver(title, text) if has_turns else None
    label_cache: dict[str, tuple[str, str]] = {}
    chunks: list[Chunk] = []
    speaker: str | None = None
    role: str | None = None
    section: str | None = None
    title_seen = not title
    turn_of_chunk: list[int] = []  # turn number per chunk (-1: none)
    turn = -1
    turn_speaker: list[str] = []
    turn_first_text: list[str] = []
    turn_long: list[bool] = []
    turn_chars: list[int] = []
    turn_last_text: list[str] = []
    seen_label = False

    def emit(s: int, e: int, kind: str, spk: str | None, rl: str | None, sec: str | None) -> None:
        parts = _split_long(text, s, e) if e - s > MAX_CHUNK_CHARS else [(s, e)]
        for ps, pe in parts:
            chunks.append(
                Chunk(
                    doc_id=doc.id,
                    paragraph=len(chunks) + 1,
                    start=ps,
                    end=pe,
                    text=text[ps:pe],
                    speaker=spk,
                    role=rl,
                    section=sec,
                    kind=kind,
                )
            )
            turn_of_chunk.append(turn if spk is not None and kind == "paragraph" else -1)

    for i, (s, e) in enumerate(spans):
        if i in meta:
            continue
        para = text[s:e]
        if i in captions:
            emit(s, e, "caption", None, None, section)
            continue
        if not title_seen and i < 10 and _SPACE.sub(" ", para) == title:
            title_seen = True
            section = None
            emit(s, e, "heading", None, None, None)
            continue
        lab = labels[i]
        if lab is not None:
            assert resolver is not None
            seen_label = True
            known = label_cache.get(lab.raw)
            if known is None:
                name = resolver.display(lab.raw)
                known = label_cache[lab.raw] = (name, role_for(lab.raw, name))
            speaker, role = known
            turn += 1
            turn_speaker.append(speaker)
            turn_first_text.append("")
            turn_long.append(False)
            turn_chars.append(0)
            turn_last_text.append("")
            if lab.own_line:
                continue
            s += lab.end
            while s < e and text[s].isspace():
                s += 1
            if s >= e:
                continue
            para = text[s:e]
        if speaker is None and _is_heading(para, _next_text(text, spans, i)):
            section = para
            emit(s, e, "heading", None, None, section)
            continue
        if has_turns:
            if speaker is not None:
                if not turn_first_text[turn]:
                    turn_first_text[turn] = para
                turn_chars[turn] += len(para)
                turn_last_text[turn] = para
                if turn_chars[turn] > 600:
                    turn_long[turn] = True
                emit(s, e, "paragraph", speaker, role, section)
            elif not seen_label and para.rstrip().endswith("?"):
                emit(s, e, "paragraph", None, QUESTIONER, section)
            else:
                emit(s, e, "paragraph", None, None, section)
            continue
        quoted = quoted_speaker(para)
        if quoted:
            emit(s, e, "paragraph", _full_quoted(quoted, text), QUOTED, section)
        elif doc.speaker:
            emit(s, e, "paragraph", doc.speaker, OFFICIAL, section)
        else:
            emit(s, e, "paragraph", None, None, section)

    if turn >= 0:
        _roles_by_behaviour(
            chunks, turn_of_chunk, turn_speaker, turn_first_text, turn_last_text, turn_long
        )
    return chunks


def _full_quoted(name: str, text: str) -> str:
    """A one-word quoted name ("Xu") → the fuller name the text uses elsewhere ("Xu Nanping")."""
    if " " in name:
        return name
    m = re.search(
        rf"\b({re.escape(name)}\s+[A-Z][\w’'\-]+|[A-Z][\w’'\-]+\s+{re.escape(name)})\b", text
    )
    if m:
        cand = m.group(1)
        first = cand.split()[0]
        if first[0].isupper() and first.lower() not in {
            "the",
            "mr",
            "ms",
            "dr",
            "said",
            "president",
        }:
            return cand
    return name


def _roles_by_behaviour(
    chunks: list[Chunk],
    turn_of_chunk: list[int],
    turn_speaker: list[str],
    turn_first_text: list[str],
    turn_last_text: list[str],
    turn_long: list[bool],
) -> None:
    """Officials by label whose turns say otherwise.

    A speaker with two or more turns is a ``moderator`` when at least half of the turns open the
    event or pass the floor ("Our next question will go to…", "CGTN, please.") and few are long
    answers; a ``questioner`` when, over three or more turns, at least 60% end in a question mark
    (an interviewer) — never for a ranked official ("President Biden" asking a roundtable).
    """
    turns: dict[str, list[int]] = defaultdict(list)
    for t, spk in enumerate(turn_speaker):
        turns[spk].append(t)
    new_role: dict[str, str] = {}
    for spk, ts in turns.items():
        if len(ts) < 2:
            continue
        longs = sum(1 for t in ts[1:] if turn_long[t])
        passing = 0
        if longs * 5 <= len(ts):  # only then can they be a moderator: skip the regexes otherwise
            passing = sum(1 for t in ts if is_floor_passing(turn_first_text[t]))
        asking = sum(1 for t in ts if turn_last_text[t].rstrip("\"”’' )").endswith("?"))
        if passing >= 2 and passing * 2 >= len(ts) and longs * 5 <= len(ts):
            new_role[spk] = MODERATOR
        elif len(ts) >= 3 and asking * 5 >= len(ts) * 3 and not has_rank(spk):
            new_role[spk] = QUESTIONER
    if not new_role:
        return
    for c, t in zip(chunks, turn_of_chunk, strict=True):
        if t >= 0 and c.role == OFFICIAL and c.speaker in new_role:
            c.role = new_role[c.speaker]
