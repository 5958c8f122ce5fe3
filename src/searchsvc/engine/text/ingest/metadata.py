"""Ingest step for plain text: metadata found by heuristics in the paragraphs themselves.

Scraped pages carry no structured metadata, so title, source, date, kind, event and author are read
from the text. Each field has its own function (``find_title``, ``find_date``, …) over one shared
scan of the head of the document (:func:`scan_head`), so a new shape is a change in one place. The
rules are general shapes, checked against the seeds and the fixtures:

* **Metadata lines** (kept in the text, not chunked): a source/date line ("China.org.cn March 28,
  2020"), the place beside a date line ("House of Representatives, …, Washington, DC."), a keyed line ("By Wang Zhigang Source: English Edition of Qiushi Journal Updated:
  2020-07-15"), a "By Ana Reporter and Ben Writer" line, an issue line ("No.2 2020"), a bare or
  labelled date line ("Updated: Thursday, 14 March 2026 10:32"), and a "(Source: …)" credit.
* **Title**: the first real paragraph — not a caption, not a metadata line, not a CJK-only masthead
  line, not a speaker label. A run of short all-capitals lines at the top ("REPUBLIC OF …",
  "MINISTRY OF …") is a masthead when a mixed-case title line follows it; in a newsletter the title
  is the first real paragraph after the issue line. Long prose gives its first sentence, shortened
  to ~100 characters (and then no paragraph is the title). Titles are cleaned (:func:`clean_title`:
  no leading "- ", no "| Site" suffix).
* **Date** (ISO ``YYYY-MM-DD``): from those lines; else the issue line (first day of the year or
  month it names); else a date closing one of the first paragraphs ("…in Beijing … March 28,
  2020"); else a date in the URL or file name (``/2024/06/03/``, ``2024-06-03-…``); else the first
  date in the first three paragraphs, captions included. Dates may be "3rd June 2024", "Thursday,
  14 March 2026", "March 28, 2020", "2020-03-28", "2020/3/28".
* **Source**: the source/keyed line; else "(Source: X)"; else "published … on/in X"; else the
  organiser of a press conference ("The State Council Information Office (SCIO) held a press
  conference…"); else a photo credit ("[Photo/Xinhua]").
* **Kind**: ``newsletter`` (issue line or a NEWSLETTER/BULLETIN masthead), ``transcript`` (two or
  more speaker labels), else ``article``.
* **Event**: for transcripts, the title — both SCIO pages of one press conference carry the same
  title line, so they facet together.
* **Author**: a "By …" line or the ``By`` of a keyed line, split into one person per value by
  :func:`authors_from_byline`.
* **Captions**: "Photo 1: …", "Top left: …", "… [Photo/Xinhua]", "… PHOTO BY …", "The photo shows…",
  and short paragraphs standing alone between runs of blank lines (where a scraped image was).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field

from dateutil import parser as dateparser

from ..labels import LabelSet, read_label
from ..speakers import find_label
from ..wordlist import words as _words
from .paragraphs import Para

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+"
_DATE = (
    rf"(?:(?:{_WEEKDAY})?{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|(?:{_WEEKDAY})?\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{4}/\d{1,2}/\d{1,2})"
)
DATE_RE = re.compile(rf"\b{_DATE}\b")
_TIME = r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[AP]\.?M\.?)?(?:\s*\(?[A-Z]{2,5}\)?)?)"
_DATE_LINE = re.compile(
    rf"^(?:(?:(?:Last\s+)?(?:Updated|Published|Posted|Date|Released|Issued|Modified)(?:\s+on)?)"
    rf"\s*:?\s*)?({_DATE}){_TIME}?\.?$",
    re.I,
)
_SOURCE_DATE_LINE = re.compile(
    rf"^(?P<source>[^\d\s][^\n]{{1,60}}?)\s*(?:[|,·•—–-]\s*)?(?:(?:Updated|Published|Posted)\s*:?\s*)?"
    rf"(?P<date>{_DATE})(?:\s+\d{{1,2}}:\d{{2}}(?:\s*[AP]\.?M\.?)?)?$",
    re.I,
)
_KEYED_LINE = re.compile(
    r"\b(By|Source|Updated|Published|Posted|Date|Author|Editor|From)\b\s*:?\s*"
)
_ISSUE_LINE = re.compile(
    rf"^(?:(?:Issue|Vol(?:ume)?\.?\s*\d+,?\s*)?\s*No\.?\s*\d{{1,3}},?\s*)"
    rf"(?:\(?(?P<month>{_MONTH})\s+)?(?P<year>(?:19|20)\d{{2}})\)?$",
    re.I,
)
_MASTHEAD = re.compile(r"\b(?:NEWSLETTER|BULLETIN|NEWSLETTERS)\b")
_SOURCE_CREDIT = re.compile(r"^\(?\s*Source\s*:\s*(?P<source>[^()]{2,80}?)\s*\)?\.?$", re.I)
_PUBLISHED_IN = re.compile(
    r"\b(?:(?:was|were|is|first|originally)\s+)?(?:published|appeared|ran|printed)\s+"
    r"(?:in\s+(?:Chinese|English|print)\s+)?(?:on|in|by)\s+(?:the\s+)?"
    r"(?P<source>[A-Z][\w.'’&-]*(?:\s+(?:and|of|the|for|&|[A-Z][\w.'’&-]*))*)"
)
_ORGANISER = re.compile(
    r"^The\s+(?P<org>[A-Z][\w'’&-]*(?:\s+(?:of|for|and|the|[A-Z][\w'’&-]*))*)\s*(?:\([A-Z]{2,}\)\s*)?"
    r"(?:held|hosted|organi[sz]ed|convened)\s+(?:a|an|its)\s+(?:\w+\s+)?"
    r"(?:press conference|news conference|press briefing|briefing)"
)
_PHOTO_CREDIT = re.compile(
    r"[\[(](?:Photo|Picture|Image|Video)s?\s*(?:/|by|:)\s*(?P<source>[^\])]{2,60})[\])]\s*$", re.I
)
_CAPTION_START = re.compile(
    r"^(?:(?:Photo|Picture|Image|Pictured|Figure|Fig\.|Caption)\s*\d*\s*[:.]|"
    r"(?:(?:Top|Bottom|Upper|Lower|Far|Center|Centre)\s+)?(?:left|right|center|centre|above|below|"
    r"inset|top|bottom)\s*:)",
    re.I,
)
_CAPTION_ANY = re.compile(
    r"\b(?:(?i:the (?:photo|picture|image) shows)|photo(?:graph)?ed by|PHOTO BY|pictured (?:above|below|"
    r"here|left|right))\b|[\[(](?:Photo|Picture|Image)s?\s*(?:/|by|:)[^\])]{2,60}[\])]\s*$",
)
_CAPTION_CREDIT_END = re.compile(
    r"(?:\b(?:XINHUA|REUTERS|AFP|AP|GETTY(?: IMAGES)?|VCG|CFP|CNS|IC|EPA|IMAGINECHINA)"
    r"(?:\s*/\s*[A-Z][A-Z .'-]{1,40})?|\b[A-Z]{2,}(?: [A-Z]{2,})* / [A-Z][A-Z .'-]{1,40})\s*$"
)
_CREDIT_WORDS = (
    "XINHUA",
    "REUTERS",
    "AFP",
    "AP",
    "GETTY",
    "IMAGES",
    "VCG",
    "CFP",
    "CNS",
    "IC",
    "EPA",
    "IMAGINECHINA",
)
_CJK_ONLY = re.compile(r"^[\s\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef·]+$")
_SENTENCE = re.compile(r"^(.+?[.!?])(?:[\"'”’)]*)(?:\s|$)")
_TRANSCRIPT_TITLE = re.compile(
    r"\b(?:briefing|press conference|news conference|transcript|interview|remarks|Q&A)\b", re.I
)
_PARTICLE_END = re.compile(r"\s+(?:and|of|the|for|&)$")


#: An ISO 8601 calendar date, alone or with a time of day and a zone: the form every CMS sends,
#: read as dateutil reads it (the date as written) without its parser's per-call cost.
_ISO_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})?)?",
    re.ASCII,
)


def parse_date(value: str) -> str | None:
    """Any reasonable date string → ``YYYY-MM-DD``; None when it cannot be parsed."""
    value = value.strip()
    if not value:
        return None
    iso = _ISO_DATE.fullmatch(value)
    if iso is not None:
        with contextlib.suppress(ValueError):  # no such day or hour: dateutil decides
            return dt.datetime.fromisoformat(value).date().isoformat()
    return parse_date_by_dateutil(value)


def parse_date_by_dateutil(value: str) -> str | None:
    """``parse_date`` without its ISO 8601 fast path: what every other layout gets, and what
    the fast path must agree with (dateutil costs ≈ 0.3 ms a call, a bulk line's largest share)."""
    value = value.strip()
    try:
        when = dateparser.parse(value, fuzzy=False, default=None)
    except (ValueError, OverflowError, TypeError):
        try:
            when = dateparser.parse(value, fuzzy=True)
        except (ValueError, OverflowError, TypeError):
            return None
    if when is None:
        return None
    return when.date().isoformat()


def _clean_source(s: str) -> str | None:
    s = s.strip(" .,;:|·•—–-()[]")
    s = _PARTICLE_END.sub("", s)
    if not s or len(s) > 80:
        return None
    if s.islower() and "." in s:  # "china.org.cn" → "China.org.cn"
        s = s[0].upper() + s[1:]
    return s


@dataclass
class PlainMeta:
    title: str = ""
    title_index: int | None = None
    source: str | None = None
    date: str | None = None
    line_date: str | None = None  # the date a metadata line gives ("Published: 3 June 2024")
    kind: str = "article"
    event: str | None = None
    byline: str | None = None
    author: list[str] = field(default_factory=list)
    captions: set[int] = field(default_factory=set)
    meta: set[int] = field(default_factory=set)


def is_caption(p: Para, *, isolated: bool = True) -> bool:
    """Photo caption? ``isolated`` also counts a short paragraph between runs of blank lines."""
    t = p.text
    if len(t) > 900:
        return False
    if _CAPTION_START.match(t):
        return True
    tail = t[-80:]
    # a credit at the end names an agency last, or is a "NAME / AGENCY" pair: the pattern,
    # tried at every offset of the tail, runs only when one of those can be there
    credit = "/" in tail or tail.rstrip().endswith(_CREDIT_WORDS)
    if credit and _CAPTION_CREDIT_END.search(tail):
        return True
    low = t.lower()  # cheap keyword gate before the expensive search
    if ("photo" in low or "pictur" in low or "image" in low) and _CAPTION_ANY.search(t):
        return True
    # A short paragraph alone between runs of blank lines: where a scraped image was. A question
    # or a speaker's turn standing alone is not one: captions describe, they do not ask or speak.
    return (
        isolated
        and p.blank_before >= 2
        and p.blank_after >= 2
        and 40 <= len(t) <= 600
        and t[-1] in '.!”"'
        and find_label(t[:120]) is None
    )


def _keyed_line(text: str) -> dict[str, str] | None:
    """'By X Source: Y Updated: Z' → {'by': X, 'source': Y, 'updated': Z} (needs ≥ 2 keys)."""
    if len(text) > 200:
        return None
    parts = _KEYED_LINE.split(text)
    if parts[0].strip() or len(parts) < 5:
        return None
    out = {}
    for k in range(1, len(parts) - 1, 2):
        key = parts[k].lower()
        val = parts[k + 1].strip(" |,;·•")
        if not val:
            return None
        out[key] = val
    return out


def _short_title(text: str) -> str:
    m = _SENTENCE.match(text)
    s = (m.group(1) if m else text).strip().strip("\"“”'")
    if len(s) > 100:
        cut = s.rfind(" ", 0, 100)
        s = s[: cut if cut > 40 else 100].rstrip(",;:—– ") + "…"
    return s


# --- authors -----------------------------------------------------------------------------------
_BY_PREFIX = re.compile(
    r"^(?:(?:Written|Reported|Words|Text|Story|Photos?|Pictures?|Video)\s+)?"
    r"(?:by|von|par|por|di|door|av|af)\s*:?\s+",
    re.I,
)
_BY_LINE = re.compile(
    r"^(?:(?:Written|Reported|Words|Story)\s+)?By\s*:?\s+(?P<names>[^\d:|]{3,120}?)"
    r"(?:\s*[|,]\s*(?:Updated|Published|Posted)\b.*)?$",
    re.I,
)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|/|&|\band\b|\bund\b|\bog\b|\boch\b|\bet\b|\by\b|\be\b)\s*")
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’.-]*|d['’][A-Z][\w'-]*|[A-Z]\.)$")


_NAME_PARTICLE = _words(
    "de da di del della der den van von la le du dos das bin ibn al el ten ter y"
)
# Words that make a credit part a job or an organisation, not a person: "Staff Writer", "dpa".
_NOT_A_PERSON = _words(
    """staff writers correspondent correspondents editor editors
    press news agency wire service services newsroom desk bureau team database online media
    associated contributor contributors columnist photographer the"""
)


def _looks_like_person(part: str) -> bool:
    words = part.split()
    if not 2 <= len(words) <= 5:
        return False
    if any(w.lower().strip(".") in _NOT_A_PERSON for w in words):
        return False
    named = [w for w in words if w.lower() not in _NAME_PARTICLE]
    return bool(named) and all(_NAME_WORD.match(w) for w in named)


def authors_from_byline(byline: str) -> list[str]:
    """A credit line → the people who wrote it, one per value.

    "By Paulo Santalucia and Frances d'Emilio" → both names; "Von Christian Hollmann, dpa" →
    "Christian Hollmann" (the agency is the source, not an author); "Karl Melander/TT" → "Karl
    Melander"; "Ana Reporter, Health Correspondent" → "Ana Reporter". A credit naming no person
    ("NTB", "Staff") is kept whole: it is still who the piece is credited to.
    """
    s = _SPACES.sub(" ", byline).strip(" .,;|-–—")
    s = _BY_PREFIX.sub("", s)
    parts = [p.strip(" .,;|-–—()") for p in _NAME_SPLIT.split(s)]
    people: list[str] = []
    for p in parts:
        if _looks_like_person(p) and p not in people:
            people.append(p)
    if people:
        return people
    return [s] if s and len(s) <= 80 else []


# --- titles ------------------------------------------------------------------------------------
_HARD_SEPARATOR = re.compile(r"\s+(?:\||•|·|::)\s+")
_DASH_SEPARATOR = re.compile(r"\s+(?:—|–|-{1,2})\s+")
_LEADING_JUNK = re.compile(r"^[\s|•·:–—-]+")
_SPACES = re.compile(r"\s+")


def clean_title(title: str, site: str | None = None) -> str:
    """A page title without site furniture: no leading "- ", no "| Site" or " - Site" part.

    Parts split at ``|``, ``•``, ``·``: those naming the site go, and of the rest the longest
    stays ("Home | Ministry of X | Regular briefing of 3 June" → the briefing). After a dash a part
    goes only when it names the site (``site``), so "Biden - Putin summit" stays whole.
    """
    t = _LEADING_JUNK.sub("", _SPACES.sub(" ", title)).strip()
    site_key = (site or "").casefold().removeprefix("www.")

    def names_site(part: str) -> bool:
        key = part.casefold().strip()
        return bool(site_key) and bool(key) and (key in site_key or site_key in key)

    parts = [p.strip() for p in _HARD_SEPARATOR.split(t) if p.strip()]
    if len(parts) > 1:
        kept = [p for p in parts if not names_site(p)] or parts
        t = max(kept, key=lambda p: len(p.split()))  # the first of the longest
    dashed = [p.strip() for p in _DASH_SEPARATOR.split(t)]
    if len(dashed) > 1 and site_key:
        while len(dashed) > 1 and names_site(dashed[-1]):
            dashed.pop()
        while len(dashed) > 1 and names_site(dashed[0]):
            dashed.pop(0)
        t = _rejoin(t, dashed)
    return t.strip(" |•·:–—-") or title.strip()


def _rejoin(title: str, parts: list[str]) -> str:
    """The stretch of ``title`` from the first kept part to the end of the last one."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end] if start >= 0 and end > start else " - ".join(parts)


def _is_caps_line(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return (
        len(letters) >= 4
        and sum(c.isupper() for c in letters) >= 0.9 * len(letters)
        and len(text.split()) <= 10
        and text[-1] not in ".!?:"
    )


def _title_like(text: str) -> bool:
    return len(text) <= 250 and not (len(text) > 120 and text[-1] in ".!?")


# --- dates in addresses ------------------------------------------------------------------------
_URL_DATE = re.compile(
    r"(?<![\dA-Za-z])((?:19|20)\d{2})[/_.-](0?[1-9]|1[0-2])[/_.-](0?[1-9]|[12]\d|3[01])(?!\d)"
)
_COMPACT_DATE = re.compile(
    r"(?<![\dA-Za-z])((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)"
)


def date_from_address(address: str | None) -> str | None:
    """A date written into a URL or file name: ``/2024/06/03/``, ``2024-06-03-slug``, ``20240603``."""
    if not address:
        return None
    m = _URL_DATE.search(address) or _COMPACT_DATE.search(address)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


# --- the head of a document: one scan, read by every field --------------------------------------
@dataclass
class Head:
    """What the first paragraphs say about the document, before any field is decided."""

    captions: set[int] = field(default_factory=set)
    meta: set[int] = field(default_factory=set)
    issue_index: int | None = None
    issue_date: str | None = None
    newsletter: bool = False
    line_date: str | None = None
    source: str | None = None
    byline: str | None = None
    date_lines: set[int] = field(default_factory=set)


HEAD_PARAGRAPHS = 12
_PLACE_PARTICLES = _words("of on the and for de du la le da di del der van von upon")
_PLACE_WORD = re.compile(r"^(?:[A-Z][\w'’&-]*\.?|(?:[A-Z]\.){1,3})$")


def is_place_line(text: str) -> bool:
    """A dateline's place: only names, separated by commas ("House of Representatives,
    Subcommittee on Small Utilities, Committee on Public Works, Washington, DC.")."""
    if len(text) > 240:
        return False
    parts = [p.strip() for p in text.rstrip(".").split(",")]
    if len(parts) < 2 or not all(parts):
        return False
    for part in parts:
        words = part.split()
        if len(words) > 6 or words[0].lower() in _PLACE_PARTICLES:
            return False
        for w in words:
            if w.lower() not in _PLACE_PARTICLES and not _PLACE_WORD.match(w):
                return False
    return True


def _place_lines(paras: list[Para], head: Head) -> None:
    """The place beside a date line ("Washington, D.C." above "Monday, March 26, 2012") is
    metadata like the date itself."""
    for i in sorted(head.date_lines):
        for j in (i - 1, i + 1):
            free = 0 <= j < len(paras) and j not in head.meta and j not in head.captions
            if free and is_place_line(paras[j].text):
                head.meta.add(j)


def find_captions(paras: list[Para]) -> set[int]:
    return {i for i, p in enumerate(paras) if is_caption(p)}


def scan_head(paras: list[Para]) -> Head:
    """Classify the first paragraphs: issue line, keyed line, "By" line, date line, source line."""
    head = Head(captions=find_captions(paras))
    for i in range(min(len(paras), HEAD_PARAGRAPHS)):
        if i not in head.captions:
            _classify_head_line(head, i, paras[i].text)
    _place_lines(paras, head)
    return head


def _classify_head_line(head: Head, i: int, t: str) -> None:
    m = _ISSUE_LINE.match(t)
    if m and head.issue_index is None:
        head.issue_index = i
        head.meta.add(i)
        head.issue_date = parse_date(f"{m.group('month') or 'January'} 1 {m.group('year')}")
        head.newsletter = True
        return
    if _MASTHEAD.search(t) and len(t) < 80:
        head.newsletter = True
    keyed = _keyed_line(t)
    if keyed:
        head.meta.add(i)
        if ("by" in keyed or "author" in keyed) and not head.byline:
            head.byline = keyed.get("by") or keyed.get("author")
        src = keyed.get("source") or keyed.get("from")
        if src and not head.source:
            head.source = _clean_source(src)
        for k in ("updated", "published", "posted", "date"):
            if k in keyed and not head.line_date:
                head.line_date = parse_date(keyed[k])
        return
    m = _BY_LINE.match(t) if len(t) <= 160 and i < 8 else None
    if m and authors_from_byline(m.group("names")) and not head.byline:
        names = m.group("names")
        if all(_looks_like_person(p) or not p for p in _NAME_SPLIT.split(names)[:1]):
            head.meta.add(i)
            head.byline = names.strip()
            rest = DATE_RE.search(t[m.end("names") :])
            if rest and not head.line_date:
                head.line_date = parse_date(rest.group(0))
            return
    m = _DATE_LINE.match(t) if len(t) <= 100 else None
    if m:
        head.meta.add(i)
        head.date_lines.add(i)
        head.line_date = head.line_date or parse_date(m.group(1))
        return
    m = _SOURCE_DATE_LINE.match(t) if len(t) <= 100 else None
    if m and i > 0:
        src = m.group("source")
        # a source is a name or a host, not the end of a sentence
        if not re.search(r"[.!?]\s", src) and len(src.split()) <= 6:
            head.meta.add(i)
            if not head.source:
                head.source = _clean_source(src)
            head.line_date = head.line_date or parse_date(m.group("date"))


def _source_credit(paras: list[Para], head: Head) -> None:
    """A "(Source: X)" credit near the end: a metadata paragraph, and a source."""
    for i in range(len(paras) - 1, max(-1, len(paras) - 6), -1):
        m = _SOURCE_CREDIT.match(paras[i].text)
        if m:
            head.meta.add(i)
            if not head.source:
                head.source = _clean_source(m.group("source"))
            return


# --- titles from elsewhere: the file name, a court caption ---------------------------------------
_ADDRESS_DATE = re.compile(
    r"(?<![\dA-Za-z])(?:19|20)\d{2}(?:[-_.](?:0?[1-9]|1[0-2])[-_.](?:0?[1-9]|[12]\d|3[01])|"
    r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?!\d)"
)
_ADDRESS_SPLIT = re.compile(r"[-_.+\s]+")
_SMALL_WORDS = _words("a an and as at by for in of on or the to v vs via with from")
_ID_LIKE = re.compile(r"^(?=.*\d)[0-9a-f]{6,}$|^\d{5,}$", re.I)


def title_from_address(address: str | None) -> str | None:
    """A title written into a file name or URL slug: ``new-york-supreme-court-2024-04-23-people-
    v-trump-hearing.txt`` → "New York Supreme Court — People v Trump Hearing". None when the name
    is an identifier ("000_a2191ec13ae00466", "story-123") rather than words."""
    if not address:
        return None
    stem = address.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    parts = []
    for part in _ADDRESS_DATE.split(stem):
        words = [w for w in _ADDRESS_SPLIT.split(part) if w and not _ID_LIKE.match(w)]
        if words:
            parts.append(words)
    named = [w for ws in parts for w in ws if w.isalpha() and len(w) >= 3]
    if len(named) < 2:
        return None
    out = []
    for words in parts:
        shown = [
            w if k and w.lower() in _SMALL_WORDS else w[:1].upper() + w[1:]
            for k, w in enumerate(words)
        ]
        out.append(" ".join(shown))
    return " — ".join(out)


def _word_keys(s: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[^\W\d_]{2,}", s)}


def address_says_more(title: str, address: str | None) -> str | None:
    """The file name's title when it restates a guessed title and says more: "House of Commons"
    (a masthead heading) beside ``uk-house-of-commons-2011-07-19-oral-answers-fco.html``."""
    named = title_from_address(address)
    if not named or not title:
        return None
    have, said = _word_keys(title), _word_keys(named)
    if have and have <= said and len(said - have) >= 2:
        return named
    return None


_RULE_LINE = re.compile(r"^(?:-\s*){3,}x?(?:\s|$)|^[-=_]{6,}(?:\s|$)")
_CAPTION_ROLE = re.compile(
    r"\b(?:Petitioners?|Respondents?|Plaintiffs?|Defendants?|Appellants?|Appellees?|"
    r"Claimants?|Applicants?)\b|\bNo\.\s*[\w-]*\d[\w-]*|\s:(?=\s|$)"
)
_VERSUS = re.compile(r"(?:^|\s)(?:v|vs)\.?(?=\s|$)")


def case_caption(paras: list[Para]) -> str | None:
    """A court transcript's cover names the case between two rules: "DEPARTMENT OF HEALTH AND :
    / HUMAN SERVICES, ET AL., : / Petitioners : No. 11-398 / v. : / FLORIDA, ET AL. :" →
    "Department of Health and Human Services, et al. v. Florida, et al."."""
    head = [p.text for p in paras[:HEAD_PARAGRAPHS]]
    rules = [i for i, t in enumerate(head) if _RULE_LINE.match(t)]
    if len(rules) < 2 or rules[1] - rules[0] > 10:
        return None
    block = " ".join(head[rules[0] + 1 : rules[1]])
    if not _VERSUS.search(block):
        return None
    caption = " ".join(_CAPTION_ROLE.sub(" ", block).split()).replace(", v.", " v.")
    caption = caption.strip(" ,:;")
    if not 8 <= len(caption) <= 200:
        return None
    letters = [c for c in caption if c.isalpha()]
    shouting = sum(c.isupper() for c in letters) >= 0.8 * len(letters)
    return _calm_capitals(caption) if shouting else caption


def _calm_capitals(s: str) -> str:
    """ "HUMAN SERVICES, ET AL., V. FLORIDA" → "Human Services, et al. v. Florida"."""
    words = []
    for k, w in enumerate(s.split()):
        low = w.lower()
        if low in ("et", "al.", "al.,", "v.", "vs.") or (k and low.strip(",.") in _SMALL_WORDS):
            words.append(low)
        else:
            words.append(w[:1] + w[1:].lower())
    return " ".join(words)


def _turn_starts(paras: list[Para], limit: int = 60) -> int | None:
    """Index of the first speaker turn among the first paragraphs (labels confirmed by
    recurrence, as the chunker confirms them), or None."""
    cands = [read_label(p.text[:200]) for p in paras[:limit]]
    labels = LabelSet(cands)
    for i, c in enumerate(cands):
        lab = labels.accept(c)
        if lab is not None and not lab.pseudo:
            return i
    return None


# --- one function per field --------------------------------------------------------------------
def find_title(paras: list[Para], head: Head) -> tuple[str, int | None]:
    """(title, index of the title paragraph or None when the title is a shortened sentence).

    The title line comes before the first speaker turn, opens with a capital and is no label;
    masthead lines skipped on the way become metadata paragraphs of ``head``."""
    caption = case_caption(paras)
    if caption:
        return caption, None
    start = head.issue_index + 1 if head.issue_index is not None else 0
    first_turn = _turn_starts(paras)
    end = len(paras) if first_turn is None else first_turn
    candidates = [
        i
        for i in range(start, end)
        if i not in head.captions
        and i not in head.meta
        and not _CJK_ONLY.match(paras[i].text)
        and sum(c.isalpha() for c in paras[i].text) >= 2
        and not paras[i].text[:1].islower()
        and find_label(paras[i].text) is None
    ]
    if not candidates:
        return "", None
    i = candidates[0]
    # A masthead: all-capitals institution lines at the top, then the real (mixed-case) title.
    k = 0
    while k < len(candidates) and k < 4 and _is_caps_line(paras[candidates[k]].text):
        k += 1
    if 0 < k < len(candidates) and k < 4:
        nxt = paras[candidates[k]].text
        if _title_like(nxt) and len(nxt) <= 160 and nxt[-1] not in ".!?":
            i = candidates[k]
        elif k >= 2:
            i = candidates[k - 1]
    elif k >= 2:
        i = candidates[k - 1]
    head.meta.update(c for c in candidates[: candidates.index(i)])  # the masthead lines
    t = paras[i].text
    if _title_like(t):
        return clean_title(t), i
    return _short_title(t), None


def find_date(paras: list[Para], head: Head, address: str | None = None) -> str | None:
    if head.line_date:
        return head.line_date
    if head.issue_date:
        return head.issue_date
    for i in range(min(len(paras), 4)):
        if i in head.captions:
            continue
        m = re.search(rf"({_DATE})\.?$", paras[i].text)
        if m and parse_date(m.group(1)):
            return parse_date(m.group(1))
    from_address = date_from_address(address)
    if from_address:
        return from_address
    for i in range(min(len(paras), 3)):
        m = DATE_RE.search(paras[i].text)
        if m and parse_date(m.group(0)):
            return parse_date(m.group(0))
    return None


def count_labels(paras: list[Para]) -> int:
    return sum(1 for p in paras if find_label(p.text[:120]) is not None)


def find_kind(paras: list[Para], head: Head) -> str:
    if head.newsletter:
        return "newsletter"
    return "transcript" if count_labels(paras) >= 2 else "article"


def find_event(kind: str, title: str) -> str | None:
    return title if kind == "transcript" and title else None


def find_source(paras: list[Para], head: Head, kind: str) -> str | None:
    if head.source:
        return head.source
    for p in paras[-6:]:
        m = _PUBLISHED_IN.search(p.text)
        if m:
            return _clean_source(m.group("source"))
    if kind == "transcript":
        for p in paras[:6]:
            m = _ORGANISER.search(p.text)
            if m:
                return _clean_source(m.group("org"))
    for i in sorted(head.captions):
        m = _PHOTO_CREDIT.search(paras[i].text)
        if m:
            return _clean_source(m.group("source"))
    return None


def find_author(head: Head) -> list[str]:
    return authors_from_byline(head.byline) if head.byline else []


def analyse(paras: list[Para], address: str | None = None) -> PlainMeta:
    """Every metadata field of a plain text; ``address`` (a URL or file name) may hold a date."""
    head = scan_head(paras)
    _source_credit(paras, head)
    title, title_index = find_title(paras, head)
    named = address_says_more(title, address) if title else title_from_address(address)
    if named:
        title, title_index = named, None
    kind = find_kind(paras, head)
    return PlainMeta(
        title=title,
        title_index=title_index,
        source=find_source(paras, head, kind),
        date=find_date(paras, head, address),
        line_date=head.line_date,
        kind=kind,
        event=find_event(kind, title),
        byline=head.byline,
        author=find_author(head),
        captions=head.captions,
        meta=head.meta,
    )
