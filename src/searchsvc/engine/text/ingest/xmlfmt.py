"""Ingest reader for XML (``.xml``): structured debates with their speakers, any other XML as text.

Parliaments, courts and archives publish records as XML in which the markup itself says who
speaks. Reading the structure is more reliable than reading labels back out of the text, so this
reader hands the chunker the turns the record declares (``Document.voices``):

* **A speech element names its speaker by attribute**: ``<speech by="#rudd">`` (Akoma Ntoso),
  ``<u who="#RuddKevin" ana="#chair">`` (TEI, ParlaMint), ``<speech speakername="…">``
  (TheyWorkForYou); a ``#reference`` is resolved to the name the record gives its target
  (``showAs``, a ``persName``, a ``name``), else the identifier is spelt out.
* **or by a child element**: ``<talker>`` (Australian Hansard: a display name "Mr RUDD" and a
  metadata name "Rudd, Kevin, MP"), ``<from>`` (Akoma Ntoso), ``<speaker>`` (TEI drama and
  interviews). The turn is the marker's parent, or its grandparent when the parent only opens
  it (``<question><talk.start><talker/>…</talk.start><para/>…</question>``).
* **Roles the structure states**: ``question`` elements ask, ``answer`` elements answer, a chair
  reference (``ana="#chair"``, ``as="#speaker"``) moderates. Everyone else is left to the
  chunker's rules (labels such as "The SPEAKER", then behaviour).

A turn lasts to the end of its element; text after it that no speech holds (narrative, notes)
belongs to nobody. Quoted exchanges inside a speech (``<quote>`` with "Journalist: …" lines) stay
the speaker's words: when the record declares its turns, no label is read from the text.

Everything else is text: every element with text of its own (mixed content or a text leaf) is
one paragraph; ``title``/``heading``/``head`` elements are headings; records of short fields
(``<session.header>``, ``<debateinfo>``: three or more short leaves) give their title and date
and are not text; single tokens outside speeches (ids, page numbers, URLs) are data, not prose.
Headers (``teiHeader``, Akoma Ntoso ``meta``/``references``) are read for title and date only.
An XML file without speeches is read like plain text after that (labels, metadata heuristics).

Safety: parsing goes through ``defusedxml``, which refuses entity declarations (billion laughs,
external entities) instead of expanding them; nesting deeper than :data:`MAX_DEPTH` is refused
rather than walked, so a hostile upload cannot hang the reader or exhaust its memory or stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as parse_xml

from ....errors import InvalidDocument
from ...models import Document, Voice
from ..speakers import smart_title
from ..wordlist import words as _words
from .metadata import analyse, clean_title, date_from_address, parse_date, title_from_address
from .paragraphs import Para, join_paragraphs, normalise_line

MAX_DEPTH = 200

_SPEAKER_ATTRS = ("speakername", "speaker_name", "speaker", "by", "who")
_MARKERS = _words("talker from speaker")
_HEADINGS = _words("title headline heading head subheading doctitle h1 h2 h3 h4 h5 h6")
_HEADERS = _words("teiheader meta references metadata")
_SKIP = _words("script style")
_DATES = _words("date published issued created pubdate datepublished dateline")
_DATE_NAME = re.compile(r"(?:^|[._-]|doc|pub|frbr|sitting|publication|issue)date$")
# Where a header says when the recorded event happened (not when the record was published).
_EVENT_PARTS = _words("setting settingdesc frbrwork")
# TEI's descriptions of what happens that nobody says: written in brackets, as printed
# transcripts write stage directions, so the chunker treats them as procedure.
_STAGE = _words("kinesic vocal incident stage gap")
_ASKS = _words("question questions")
_ANSWERS = _words("answer answers")
_CHAIR_REFS = re.compile(r"chair|speaker|president|presiding", re.I)
_RECORD_LEAF_WORDS = 12
_CAMEL = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])")
_ARTICLES = _words("the a an")


def _local(tag: Any) -> str:
    """``{namespace}name`` or ``prefix:name`` → ``name``, lower-cased; comments give ''."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _attr(el: Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (``xml:id``, ``{…}id``)."""
    for key, value in el.attrib.items():
        if _local(key) == name:
            return value
    return None


def _is_date_field(kind: str) -> bool:
    return kind in _DATES or _DATE_NAME.search(kind) is not None


def _text(el: Element) -> str:
    return normalise_line("".join(el.itertext()))


def _has_own_text(el: Element) -> bool:
    """Mixed content or a text leaf: the element is one paragraph, its children inline."""
    if (el.text or "").strip():
        return True
    return any((c.tail or "").strip() for c in el)


def _children(el: Element) -> list[Element]:
    return [c for c in el if _local(c.tag)]


@dataclass
class _Walk:
    """What a walk over the body collects: paragraphs, who speaks from which, title, date."""

    names: dict[str, str]
    paras: list[str] = field(default_factory=list)
    voices: dict[int, Voice | None] = field(default_factory=dict)
    title: str | None = None
    date: str | None = None
    pending: Voice | bool | None = False  # False: no change of speaker before the next paragraph
    scopes: list[Voice] = field(default_factory=list)

    def emit(self, text: str, heading: bool = False) -> None:
        if not text:
            return
        # a heading between turns is nobody's anyway: the end of a turn waits for the text after it
        if self.pending is not False and not (heading and self.pending is None):
            self.voices[len(self.paras)] = self.pending
            self.pending = False
        self.paras.append(text)


# --- names ----------------------------------------------------------------------------------------
def _name_index(root: Element) -> dict[str, str]:
    """Identifier → the name the record gives it: Akoma Ntoso ``TLCPerson showAs``, TEI
    ``<person xml:id><persName>`` (forenames before the surname)."""
    out: dict[str, str] = {}
    for el in root.iter():
        ident = _attr(el, "id") or _attr(el, "eid")
        if not ident:
            continue
        shown = _attr(el, "showas")
        if not shown:
            pers = next((c for c in el if _local(c.tag) == "persname"), None)
            if pers is not None:
                fore = [_text(c) for c in pers.iter() if _local(c.tag) == "forename"]
                sur = [_text(c) for c in pers.iter() if _local(c.tag) == "surname"]
                shown = " ".join([*fore, *sur]) if sur else _text(pers)
        if shown:
            out[ident] = normalise_line(shown)
    return out


def _from_reference(value: str, names: dict[str, str]) -> str:
    """``#RuddKevin`` → the name its target gives, else the identifier spelt out."""
    ident = value.strip().split()[0].lstrip("#") if value.strip() else ""
    if ident in names:
        return names[ident]
    if not value.strip().startswith("#"):
        return normalise_line(value)
    return normalise_line(_CAMEL.sub(" ", ident.replace("_", " ").replace(".", " ")))


def _inverted(name: str) -> str | None:
    """A catalogue name "Rudd, Kevin, MP" → "Kevin Rudd", "SPEAKER, The" → "The Speaker"; None
    when it is not inverted."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return None
    given = parts[1].split()
    if given[0].lower() in _ARTICLES:
        return f"{parts[1]} {smart_title(parts[0])}"  # an office: "SPEAKER, The" → "The Speaker"
    return f"{parts[1]} {parts[0]}"


def _marker_voice(marker: Element) -> Voice | None:
    """The speaker a ``<talker>``/``<from>``/``<speaker>`` element names."""
    names = [c for c in marker.iter() if _local(c.tag) in ("name", "persname")]
    display = next((_text(n) for n in names if (_attr(n, "role") or "") == "display"), None)
    catalogue = next((_text(n) for n in names if (_attr(n, "role") or "") == "metadata"), None)
    if display is None and catalogue is None:
        display = _text(names[0]) if names else _text(marker)
    full = _inverted(catalogue) if catalogue else None
    label = (display or catalogue or "").strip(" :.—–-")
    if not label and not full:
        return None
    return Voice(label=label or full or "", name=full)


def _structural_role(el: Element) -> str | None:
    """The role an element's kind or its role reference states: a ``<question>`` asks, an
    ``<answer>`` answers, ``ana="#chair"``/``as="#speaker"`` moderates."""
    kind = _local(el.tag)
    if kind in _ASKS:
        return "questioner"
    if kind in _ANSWERS:
        return "official"
    ref = _attr(el, "ana") or _attr(el, "as") or ""
    if ref and _CHAIR_REFS.search(ref):
        return "moderator"
    return None


def _attribute_voice(el: Element, names: dict[str, str]) -> Voice | None:
    """The voice an element declares by attribute (``by``, ``who``, ``speakername``…), or None."""
    for key in _SPEAKER_ATTRS:
        value = _attr(el, key)
        if value and value.strip():
            name = _from_reference(value, names)
            if name:
                return Voice(label=name, role=_structural_role(el))
    return None


def _opening_marker(el: Element) -> Element | None:
    return next((c for c in _children(el) if _local(c.tag) in _MARKERS), None)


def declared_voice(el: Element, names: dict[str, str]) -> Voice | None:
    """Who speaks ``el``, when its markup says so: by attribute, by a marker child, or by a
    marker in its first child when that child only opens the turn and no other child names a
    speaker (``<question><talk.start><talker/>…</talk.start><quote/><para/></question>``)."""
    voice = _attribute_voice(el, names)
    if voice is not None:
        return voice
    kids = _children(el)
    marker = next((c for c in kids if _local(c.tag) in _MARKERS), None)
    if marker is None and kids and not _has_own_text(el):
        marker = _opening_marker(kids[0])
        others = any(_opening_marker(k) is not None or _attribute_voice(k, names) for k in kids[1:])
        if others:
            marker = None
    if marker is None:
        return None
    voice = _marker_voice(marker)
    if voice is None:
        return None
    return Voice(voice.label, voice.name, _structural_role(el))


# --- the walk -------------------------------------------------------------------------------------
def _is_record(el: Element, kids: list[Element]) -> bool:
    """A block of short fields (``<session.header>``: date, parliament.no, chamber…)."""
    if len(kids) < 3 or _has_own_text(el):
        return False
    return all(not _children(c) and len(_text(c).split()) <= _RECORD_LEAF_WORDS for c in kids)


def _read_fields(w: _Walk, kids: list[Element]) -> None:
    for c in kids:
        kind = _local(c.tag)
        if kind in _HEADINGS:
            w.title = w.title or _text(c) or None
            w.emit(_text(c), heading=True)
        elif _is_date_field(kind) and w.date is None:
            w.date = parse_date(_attr(c, "when") or _attr(c, "date") or _text(c))


def _read_header(w: _Walk, el: Element) -> None:
    """Title and date from a header that is not text (``teiHeader``, Akoma Ntoso ``meta``).

    The date of the event wins over the dates of its publication: one inside TEI's ``setting``
    or Akoma Ntoso's ``FRBRWork``, else the header's first."""
    dates: list[tuple[bool, str]] = []

    def visit(node: Element, eventful: bool, depth: int) -> None:
        kind = _local(node.tag)
        if depth > MAX_DEPTH:
            raise InvalidDocument(f"the XML nests deeper than {MAX_DEPTH} elements")
        eventful = eventful or kind in _EVENT_PARTS
        if w.title is None and kind in _HEADINGS and _text(node):
            w.title = _text(node)
        if _is_date_field(kind):
            when = parse_date(_attr(node, "when") or _attr(node, "date") or _text(node) or "")
            if when:
                dates.append((eventful, when))
        for c in _children(node):
            visit(c, eventful, depth + 1)

    visit(el, False, 0)
    if w.date is None and dates:
        w.date = next((d for eventful, d in dates if eventful), dates[0][1])


def _walk(w: _Walk, el: Element, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InvalidDocument(f"the XML nests deeper than {MAX_DEPTH} elements")
    kind = _local(el.tag)
    if not kind or kind in _SKIP:
        return
    if kind in _HEADERS:
        _read_header(w, el)
        return
    in_speech = bool(w.scopes)
    if kind in _MARKERS and in_speech:
        return  # it named the turn; it is not the turn's text
    voice = declared_voice(el, w.names)
    if voice is not None and not (w.scopes and voice.same_speaker(w.scopes[-1])):
        w.scopes.append(voice)
        w.pending = voice
        _walk_content(w, el, kind, depth)
        w.scopes.pop()
        # after a turn the outer turn resumes, or nobody speaks
        w.pending = w.scopes[-1] if w.scopes else None
        return
    _walk_content(w, el, kind, depth)


def _walk_content(w: _Walk, el: Element, kind: str, depth: int) -> None:
    if kind in _STAGE:
        text = _text(el).strip("()[] ")
        w.emit(f"({text})" if text else "")
        return
    kids = _children(el)
    if _has_own_text(el) or not kids:
        text = _text(el)
        if kind in _HEADINGS:
            w.title = w.title or text or None
            w.emit(text, heading=True)
        elif _is_date_field(kind) and len(text.split()) <= 8:  # metadata, not a paragraph
            if w.date is None:
                w.date = parse_date(_attr(el, "when") or _attr(el, "date") or text)
        elif w.scopes or len(text.split()) > 1:
            w.emit(text)  # outside speeches a lone token is data: an id, a number, a URL
        return
    if not w.scopes and _is_record(el, kids) and _opening_marker(el) is None:
        _read_fields(w, kids)
        return
    for k in kids:
        _walk(w, k, depth + 1)


# --- the document ---------------------------------------------------------------------------------
def parse_xml_document(raw: str | bytes, doc_id: str, path: str | None = None) -> Document:
    """XML → ``Document``: declared turns in ``voices``, title and date."""
    try:
        root = parse_xml(raw, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as e:
        raise InvalidDocument(
            f"XML refused: {type(e).__name__} (entity declarations are not expanded)"
        ) from None
    except ParseError as e:
        raise InvalidDocument(f"not well-formed XML: {e}") from None
    except RecursionError:
        raise InvalidDocument(f"the XML nests deeper than {MAX_DEPTH} elements") from None
    w = _Walk(names=_name_index(root))
    _walk(w, root, 0)
    paras = [Para(t) for t in w.paras]
    meta = analyse(paras, address=Path(path).name if path else None)
    voices = {i: v for i, v in w.voices.items() if i < len(paras)}
    declared = any(v is not None for v in voices.values())
    title = clean_title(w.title) if w.title else _title_before_turns(meta, voices, path)
    date = w.date or date_from_address(Path(path).name if path else None) or meta.date
    kind = "transcript" if declared else meta.kind
    return Document(
        id=doc_id,
        text=join_paragraphs(w.paras),
        title=title,
        source=meta.source,
        date=date,
        kind=kind,
        event=title if kind == "transcript" else None,
        byline=meta.byline,
        author=meta.author,
        captions=set() if declared else meta.captions,
        metadata_paragraphs=set() if declared else meta.meta,
        voices=voices if declared else {},
        path=path,
    )


def _title_before_turns(meta: Any, voices: dict[int, Voice | None], path: str | None) -> str:
    """Without a title element: the text's title line if it comes before the first turn, else
    the file name's words."""
    first_turn = min((i for i, v in voices.items() if v is not None), default=None)
    index = meta.title_index
    if meta.title and index is not None and (first_turn is None or index < first_turn):
        return meta.title
    return title_from_address(Path(path).name if path else None) or ""


def read_xml(path: Path, doc_id: str) -> Iterator[Document]:
    yield parse_xml_document(path.read_bytes(), doc_id, str(path))
