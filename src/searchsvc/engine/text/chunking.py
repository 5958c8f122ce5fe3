"""Pipeline step 3: a cleaned ``Document`` → the ``Chunk``s that are indexed and cited.

One chunk per paragraph of ``Document.text`` (paragraphs are separated by blank lines), made in
small named steps:

1. **Paragraph kinds** (:func:`_paragraphs`). Metadata paragraphs (``Document.metadata_paragraphs``:
   a source/date line, a byline, "7:06 P.M. EST") and *procedure* — stage directions and crosstalk
   ("(Laughter.)", "[inaudible]", "Interjections.", "Opposition members interjecting—",
   "*MS DOE (sworn).*"), bare time stamps and clock numbers ("(10.00 am)", "1120") — stay in the
   text but are not chunks, and never take or break a turn. The title line of a plain-text
   document (the first paragraph, among the first ten, equal to ``Document.title``) is a
   ``heading`` chunk with no speaker. Captions (``Document.captions``) are ``caption`` chunks with
   no speaker that do not interrupt a turn, unless they open with a speaker label.
2. **Labels** (:mod:`searchsvc.engine.text.labels`): candidates by shape at every paragraph start,
   then the document decides which are labels (recurrence, or an unmistakable shape). An accepted
   label that a reader glued into the middle of a paragraph ("… towards disarmament. Paul Flynn:
   Does not …") splits it. A structured record whose markup declares its turns
   (``Document.voices``: Hansard talkers, TEI utterances) gives its labels instead, and none is
   read from its text: a quoted "Journalist: …" inside a member's question is the member's.
3. **Turns** (:class:`~searchsvc.engine.models.Turn`): a label starts one and the chunk's text
   starts after the label; the speaker carries over to the following paragraphs until the next
   label, a pseudo-label ("AUDIO DESCRIPTION:", "Break:", which speak for nobody) or a heading
   followed by a new turn ("ORAL ARGUMENT OF …", a question's topic). Before the first label, a
   paragraph that ends in a question is a ``questioner``'s; an opening statement belongs to the
   person the title names ("Briefing by the Spokesperson, Jane Doe").
4. **Names** (:mod:`searchsvc.engine.text.speakers`): each label's display name from the document
   itself ("MS. PSAKI" → "Jen Psaki"; "The Secretary of State … (Mr William Hague)" → "William
   Hague"; "AB" → "Alice Brown" when the text names her), then short forms merge into the one
   full name of the same surname ("Mr Hague" → "William Hague").
5. **Roles** (:mod:`searchsvc.engine.text.roles`): what the label says ("Q", an outlet, "The
   Speaker", "MODERATOR"), then behaviour (who opens and passes the floor, who asks, who answers).
6. **Quotes**: in documents without turns, a paragraph that quotes someone ("…," explained Xu
   Nanping; "…," she said, after naming her; "according to X") gets that speaker with role
   ``quoted``; a quote running over several paragraphs keeps its speaker. Otherwise the document's
   default speaker (``Document.speaker``, a speech's speaker; never a byline), role ``official``.

Headings (outside turns): numbered ("I. Deepening…", unless the next paragraph is numbered too:
that is a list) or short lines without final punctuation. A heading sets ``section`` for the
chunks that follow. **Long paragraphs** (> 1,500 characters) are split at sentence boundaries into
pieces of at most ~1,500 characters, each its own numbered chunk: chunks are numbered 1..N in
document order, so ``Chunk.paragraph`` is the citation number (chunk id ``doc:paragraph``).

Every chunk's ``text`` is exactly ``doc.text[start:end]`` (stripped of surrounding whitespace), for
any Unicode input. When turns are found, a document typed ``article`` (or untyped) becomes a
``transcript``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..models import Chunk, Document, Turn
from .ingest.metadata import is_caption
from .ingest.paragraphs import Para
from .labels import Label, LabelSet, read_label
from .roles import assign_roles
from .speakers import (
    OFFICIAL,
    QUESTIONER,
    QUOTED,
    NameResolver,
    QuoteTracker,
    is_procedure,
    label_role,
    merge_short_forms,
    opener_from_title,
)
from .wordlist import words as _words

MAX_CHUNK_CHARS = 1500
TRANSCRIPT_KINDS = frozenset(
    {"transcript", "briefing", "remarks", "interview", "press conference", "hearing", "debate"}
)

_PARA_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[^\W_a-z])|(?<=[。！？])\s*(?=\S))"
)
_ABBREV = _words("""mr mrs ms dr st no nos vs jan feb mar apr jun jul aug sep sept oct nov dec gen sen rep gov
    lt col sgt capt prof inc co corp ltd jr sr u.s e.g i.e etc fig p pp vol art""")
_LAST_WORD = re.compile(r"([\w.]+)\.[\"'”’)\]]*\s*$")
_NUMBERED_HEADING = re.compile(r"^(?:[IVX]{1,5}|\d{1,2})[.)]\s+\S")
_FINAL_PUNCT = ".,;:!?…\"'”’)]—–-"
_SPACE = re.compile(r"\s+")
_CAPS_HEADING = re.compile(r"^[^a-z]*[A-Z]{2}[^a-z]*$")
_PUBLISHER_NOTE = re.compile(r"^\[[^\[\]]{3,120}\](?:\s*\[[^\[\]]{3,120}\])*$")
_EDITORIAL = re.compile(r"^\[[^\[\]]{10,400}\]\.?$")
_MARKUP_EDGE = re.compile(r"^[*_\\]+|[*_\\]+$")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty paragraph of ``text``, whitespace-trimmed.

    Paragraphs are separated by blank lines. The list index is the paragraph index that
    ``Document.captions`` and ``Document.metadata_paragraphs`` refer to.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    # What every reader makes (one paragraph a line, one blank line between, no whitespace at
    # their edges) is cut by str.split, with the spans the pattern below would give.
    parts = text.split("\n\n")
    if text.count("\n") == 2 * (len(parts) - 1) and all(
        p and not p[0].isspace() and not p[-1].isspace() for p in parts
    ):
        for p in parts:
            spans.append((pos, pos + len(p)))
            pos += len(p) + 2
        return spans
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


# --- step 1: paragraph kinds ----------------------------------------------------------------------
@dataclass
class _Para:
    start: int
    end: int
    kind: str  # "body", "caption", "title", "procedure", "meta"
    label: Label | None = None
    index: int = -1  # the paragraph's index in ``paragraph_spans`` order


def _paragraphs(doc: Document, spans: list[tuple[int, int]]) -> list[_Para]:
    text = doc.text
    meta = getattr(doc, "metadata_paragraphs", set())
    title = _SPACE.sub(" ", doc.title).strip() if doc.title else ""
    title_seen = not title
    out: list[_Para] = []
    for i, (s, e) in enumerate(spans):
        if i in meta:
            continue
        para = text[s:e]
        if i in doc.captions:  # what a reader marked as a caption stays one, even a headline
            out.append(_Para(s, e, "caption", None, i))
        elif (
            not title_seen
            and i < 10
            and para[0] == title[0]  # collapsing spaces keeps the first character, and
            and len(para) >= len(title)  # never lengthens: cheap tests before the pattern
            and _SPACE.sub(" ", para) == title
        ):
            title_seen = True
            out.append(_Para(s, e, "title", None, i))
        elif e - s <= 110 and is_procedure(para):
            out.append(_Para(s, e, "procedure", None, i))
        else:
            out.append(_Para(s, e, "body", None, i))
    return out


# --- step 2: labels -------------------------------------------------------------------------------
def _declared_labels(doc: Document, paras: list[_Para]) -> LabelSet:
    """The turns a structured record declares (``Document.voices``), as labels: the speaker's
    full name when the record gives one, else its display label; ``None`` ends a turn."""
    nobody = Label("", 0, False, "pseudo", True, True, 0, False)
    waiting: Label | None = None  # a turn that opened on a stage direction starts after it
    for p in paras:
        lab = waiting
        if p.index in doc.voices:
            v = doc.voices[p.index]
            lab = nobody if v is None else Label(v.name or v.label, 0, False, "declared", True)
        if p.kind == "procedure":
            waiting = lab
            continue
        p.label, waiting = lab, None
    return LabelSet(p.label for p in paras)


def _find_labels(doc: Document, paras: list[_Para]) -> LabelSet:
    if doc.voices:
        return _declared_labels(doc, paras)
    text = doc.text
    candidates = []
    for p in paras:
        if p.kind in ("body", "caption"):
            lab = read_label(text[p.start : min(p.end, p.start + 200)])
            if lab is not None and lab.own_line and p.end - p.start > 200:
                lab = None  # the window ended in the label shape, but the paragraph goes on
            p.label = lab
            candidates.append(lab)
    labels = LabelSet(candidates, vouch=_outlet)
    for p in paras:
        if p.label is not None:
            p.label = labels.accept(p.label)
            if p.label is not None and p.kind == "caption":
                p.kind = "body"  # a labelled turn is never a photo caption
    if labels:
        for p in paras:
            # inside a transcript only a caption's own shape makes one ("Photo 1: …"), not
            # standing alone between blank lines
            if p.kind == "caption" and not is_caption(Para(text[p.start : p.end]), isolated=False):
                p.kind = "body"
    return labels


def _outlet(c: Label) -> bool:
    """A name-shaped label that is a media outlet asking: "Harbor Morning Post:"."""
    return c.shape == "name" and label_role(c.raw, c.raw) == QUESTIONER


def _unlabelled_answers(paras: list[_Para]) -> bool:
    """Do answers go without labels here? Questions (Q, an outlet) mostly follow each other
    with no answering label between: a ministry's page that bolds only its questions."""
    asking = [
        label_role(p.label.raw, p.label.raw) == QUESTIONER
        for p in paras
        if p.label is not None and not p.label.pseudo
    ]
    n_questions = sum(asking)
    unanswered = sum(
        1 for k, a in enumerate(asking) if a and (k + 1 == len(asking) or asking[k + 1])
    )
    return n_questions >= 2 and unanswered * 2 >= n_questions


def _label_names(labels: LabelSet) -> set[str]:
    """The names a document's accepted labels write, brackets apart: "Mr David Hanson (Delyn)
    (Lab)" gives "Mr David Hanson"; "The Minister (Alistair Burt)" gives "Alistair Burt"."""
    names = set()
    for key in labels.accepted:
        outer = _BRACKET_PART.sub("", key).strip()
        names.add(outer)
        names.update(p.strip() for p in _BRACKET_PART.findall(key))
        words = outer.split()
        if len(words) >= 3 and words[0].rstrip(".") in ("mr", "mrs", "ms", "dr", "hon"):
            names.add(" ".join(words[1:]))
    return {n for n in names if 2 <= len(n.split()) <= 5 and len(n) <= 60 and "," not in n}


def _split_glued_turns(text: str, paras: list[_Para], labels: LabelSet) -> list[_Para]:
    """Split a paragraph where an accepted label (two words or more) follows a sentence end
    inside it: a reader that lost the markup glued the next turn on ("… towards disarmament.
    Paul Flynn: Does not …")."""
    names = _label_names(labels)
    if not names:
        return paras
    # a name ends in the word before the colon: most colons (the labels' own) need no more
    last_words = {name.split()[-1] for name in names}
    cuts: list[int] = []
    for colon in _mid_colons(text):
        lo = max(0, colon - 70)
        before = text[lo:colon]
        if before.rsplit(None, 1)[-1].casefold() not in last_words:
            continue
        before = before[before.rfind("\n") + 1 :]  # the same line only
        end = max(before.rfind(". "), before.rfind("? "), before.rfind("! "), before.rfind("” "))
        if end < 0:
            continue
        if before[end + 2 :].strip().casefold() in names:
            cuts.append(colon - len(before) + end + 2)
    if not cuts:
        return paras
    out: list[_Para] = []
    for p in paras:
        inside = [c for c in cuts if p.start < c < p.end]
        if p.kind != "body" or not inside:
            out.append(p)
            continue
        bounds = [p.start, *inside, p.end]
        for k in range(len(bounds) - 1):
            seg = text[bounds[k] : bounds[k + 1]].rstrip()
            lab = p.label
            if k:
                cand = read_label(seg[:200])
                lab = None if cand is None else cand._replace(strong=True)
            out.append(_Para(bounds[k], bounds[k] + len(seg), "body", lab))
    return out


def _mid_colons(text: str) -> Iterator[int]:
    """Where a colon follows a word and a space or tab (not a line end) follows it: found with
    str.find, as a pattern opening with a look-behind is tried at every offset of the text."""
    at = text.find(":", 1)
    last = len(text) - 1
    while 0 < at < last:
        after = text[at + 1]
        if not text[at - 1].isspace() and after.isspace() and after != "\n":
            yield at
        at = text.find(":", at + 1)


_BRACKET_PART = re.compile(r"\(([^()]*)\)")


# --- steps 3 to 5: turns, names, roles ------------------------------------------------------------
class _Builder:
    """Walks the paragraphs once, emitting chunks and keeping the turn they belong to."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.chunks: list[Chunk] = []
        self.turn_of: list[Turn | None] = []
        self.turns: list[Turn] = []

    def emit(
        self,
        s: int,
        e: int,
        kind: str,
        turn: Turn | None,
        section: str | None,
        speaker: str | None = None,
        role: str | None = None,
    ) -> None:
        text = self.doc.text
        parts = _split_long(text, s, e) if e - s > MAX_CHUNK_CHARS else [(s, e)]
        for ps, pe in parts:
            piece = text[ps:pe]
            chunks = self.chunks
            chunks.append(
                Chunk(self.doc.id, len(chunks) + 1, ps, pe, piece, speaker, role, section, kind)
            )
            self.turn_of.append(turn)
            if turn is not None:
                turn.add(len(self.chunks) - 1, piece)


def _next_body(text: str, paras: list[_Para], i: int) -> _Para | None:
    for p in paras[i + 1 :]:
        if p.kind in ("body", "caption", "title"):
            return p
    return None


def _transcript_heading(para: str, nxt: _Para | None) -> bool:
    """A heading inside a transcript: capitals or a short title, then a new turn."""
    if nxt is None or nxt.label is None or len(para) > 160:
        return False
    plain = _MARKUP_EDGE.sub("", para)
    if _CAPS_HEADING.match(plain) and len(plain.split()) >= 2:
        return True
    return _is_heading(plain, "")


def _heading_here(text: str, para: str, paras: list[_Para], i: int, outside: bool) -> bool:
    nxt = _next_body(text, paras, i)
    if outside:
        plain = _MARKUP_EDGE.sub("", para)
        if _CAPS_HEADING.match(plain) and len(plain) <= 240 and plain[-1] not in ".?!:":
            return True  # a title page's block in capitals: HEARING BEFORE THE SUBCOMMITTEE …
        return _is_heading(plain, text[nxt.start : nxt.start + 20] if nxt else "")
    return _transcript_heading(para, nxt)


def chunk_document(doc: Document) -> list[Chunk]:
    """Split a cleaned document into numbered paragraph chunks with speaker, role and section."""
    text = doc.text
    paras = _paragraphs(doc, paragraph_spans(text))
    labels = _find_labels(doc, paras)
    if labels and not doc.voices:
        paras = _split_glued_turns(text, paras, labels)
    has_turns = any(p.label is not None and not p.label.pseudo for p in paras)
    if has_turns:
        return _chunk_transcript(doc, paras)
    return _chunk_prose(doc, paras)


def _chunk_transcript(doc: Document, paras: list[_Para]) -> list[Chunk]:
    text = doc.text
    b = _Builder(doc)
    turn: Turn | None = None
    section: str | None = None
    opening: Turn | None = None
    opener = opener_from_title(doc.title or "")
    intro = -1
    if not opener:
        intro, opener = _opener_in_text(doc, paras)
    bare_answers = _unlabelled_answers(paras)
    answerer: str | None = None  # the label of the last one who answered
    seen_label = False
    after_heading = False
    for i, p in enumerate(paras):
        s, e = p.start, p.end
        if p.kind == "procedure":
            continue
        if p.kind == "title":
            b.emit(s, e, "heading", None, None)
            continue
        if not b.chunks and _PUBLISHER_NOTE.match(text[s:e]):
            continue  # "[House Hearing, 119 Congress] [From the … Publishing Office]"
        if p.kind == "caption":
            b.emit(s, e, "caption", None, section)
            continue
        lab = p.label
        if lab is not None:
            seen_label = True
            if lab.pseudo:
                turn = None
            elif lab.shape == "mark":
                turn = Turn(label=None)  # ">>": someone new speaks, unnamed
                b.turns.append(turn)
            else:
                turn = Turn(label=lab.raw, opens_section=after_heading)
                if lab.shape == "declared":
                    turn.stated = _stated_role(doc, p)
                if label_role(lab.raw, lab.raw) != QUESTIONER:
                    answerer = lab.raw
                number = text[s : s + lab.start].strip().rstrip(".")
                turn.number = number if number.isdigit() else None
                b.turns.append(turn)
            s += lab.end
            while s < e and text[s].isspace():
                s += 1
            if s >= e or (e - s <= 110 and is_procedure(text[s:e])):
                continue
        para = text[s:e]
        if lab is None and _heading_here(text, para, paras, i, turn is None):
            turn = None
            section = para
            after_heading = True
            b.emit(s, e, "heading", None, section)
            continue
        after_heading = False
        if (
            bare_answers
            and lab is None
            and turn is not None
            and turn.label is not None
            and label_role(turn.label, turn.label) == QUESTIONER
            and turn.last_text.rstrip().endswith("?")
            and not para.rstrip().endswith("?")
            and (answerer or opener)
        ):
            turn = Turn(label=answerer) if answerer else Turn(label=None, speaker=opener)
            b.turns.append(turn)
        if lab is None and _EDITORIAL.match(para):
            b.emit(s, e, "paragraph", None, section)  # "[The prepared statement follows:]"
            continue
        if turn is not None:
            b.emit(s, e, "paragraph", turn, section)
        elif not seen_label and para.rstrip().endswith("?"):
            b.emit(s, e, "paragraph", None, section, None, QUESTIONER)
        elif not seen_label and opener and i != intro:
            if opening is None:
                opening = Turn(label=None, speaker=opener, role=OFFICIAL)
                b.turns.append(opening)
            b.emit(s, e, "paragraph", opening, section)
        else:
            b.emit(s, e, "paragraph", None, section)
    _name_turns(doc, b.turns)
    assign_roles(b.turns)
    for c, t in zip(b.chunks, b.turn_of, strict=True):
        if t is not None:
            c.speaker, c.role = t.speaker, t.role
    if (doc.kind or "article") == "article":
        doc.kind = "transcript"
    return b.chunks


def _stated_role(doc: Document, p: _Para) -> str | None:
    voice = doc.voices.get(p.index)
    return voice.role if voice is not None else None


def _opener_in_text(doc: Document, paras: list[_Para]) -> tuple[int, str | None]:
    """An introduction before the first label that names who briefs ("… today's noon briefing
    by the Spokesperson, Jane Doe."): its index (the introduction itself is narration) and
    the name."""
    for i, p in enumerate(paras[:6]):
        if p.label is not None:
            break
        if p.kind in ("body", "title"):
            found = opener_from_title(_MARKUP_EDGE.sub("", doc.text[p.start : p.end]))
            if found:
                return i, found
    return -1, None


def _name_turns(doc: Document, turns: list[Turn]) -> None:
    """Display names per label, then short forms merged into the document's full names."""
    resolver = NameResolver(doc.title or "", doc.text)
    shown: dict[str, str] = {}
    for t in turns:
        if t.label is not None:
            if t.label not in shown:
                shown[t.label] = resolver.display(t.label)
            t.speaker = shown[t.label]
    merged = merge_short_forms(t.speaker for t in turns if t.speaker)
    for t in turns:
        if t.speaker in merged:
            t.speaker = merged[t.speaker]


def _chunk_prose(doc: Document, paras: list[_Para]) -> list[Chunk]:
    text = doc.text
    b = _Builder(doc)
    section: str | None = None
    quotes = QuoteTracker(text)
    for i, p in enumerate(paras):
        s, e = p.start, p.end
        if p.kind == "procedure":
            if not re.search(r"[^\W\d_]", text[s:e]):
                continue  # a bare number or time stamp
            p.kind = "body"
        if p.kind == "title":
            section = None
            b.emit(s, e, "heading", None, None)
            continue
        if p.kind == "caption":
            b.emit(s, e, "caption", None, section)
            continue
        para = text[s:e]
        nxt = _next_body(text, paras, i)
        if _is_heading(para, text[nxt.start : nxt.start + 20] if nxt else ""):
            section = para
            quotes.reset()
            b.emit(s, e, "heading", None, section)
            continue
        quoted = quotes.speaker_of(para)
        if quoted:
            b.emit(s, e, "paragraph", None, section, quoted, QUOTED)
        elif doc.speaker:
            b.emit(s, e, "paragraph", None, section, doc.speaker, OFFICIAL)
        else:
            b.emit(s, e, "paragraph", None, section)
    return b.chunks
