"""Ingest step for plain text: metadata found by heuristics in the paragraphs themselves.

Scraped pages carry no structured metadata, so title, source, date, kind and event are read from
the text (rules tried in order; all are general shapes, checked against the five seeds):

* **Title**: the first real paragraph — not a caption, not a metadata line, not a CJK-only masthead
  line. In a newsletter the masthead ("CHINA S&T NEWSLETTER", "No.2 2020") comes first, so the title
  is the first real paragraph after the issue line. When that paragraph is long prose (a page with no
  title line) the title is its first sentence, shortened to ~100 characters, and no paragraph is the
  title.
* **Metadata lines** (kept in the text, not chunked): a source/date line ("China.org.cn March 28,
  2020"), a byline line ("By Wang Zhigang Source: English Edition of Qiushi Journal Updated:
  2020-07-15"), an issue line ("No.2 2020"), a bare date line, and a "(Source: …)" credit.
* **Date** (ISO ``YYYY-MM-DD``): from those lines; else a date closing one of the first paragraphs
  ("…in Beijing … March 28, 2020"); else the first date in the first three paragraphs, captions
  included (seed 002's photo caption). An issue line gives only a year (and maybe a month): the date
  is then the first day of that year (or month), the earliest day the issue can be from.
* **Source**: the source/byline line; else "(Source: X)"; else "published … on/in X"; else the
  organiser of a press conference ("The State Council Information Office (SCIO) held a press
  conference…"); else a photo credit ("[Photo/Xinhua]").
* **Kind**: ``newsletter`` (issue line or a NEWSLETTER/BULLETIN masthead), ``transcript`` (two or
  more speaker labels), else ``article``.
* **Event**: for transcripts, the title — both SCIO pages of one press conference carry the same
  title line, so they facet together.
* **Captions**: "Photo 1: …", "Top left: …", "… [Photo/Xinhua]", "… PHOTO BY …", "The photo shows…",
  and short paragraphs standing alone between runs of blank lines (where a scraped image was).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dateutil import parser as dateparser

from ..speakers import find_label
from .paragraphs import Para

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{4}/\d{1,2}/\d{1,2})"
)
DATE_RE = re.compile(rf"\b{_DATE}\b")
_DATE_LINE = re.compile(
    rf"^(?:(?:Updated|Published|Posted|Date|Released)\s*:?\s*)?({_DATE})$", re.I
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
_CJK_ONLY = re.compile(r"^[\s\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef·]+$")
_SENTENCE = re.compile(r"^(.+?[.!?])(?:[\"'”’)]*)(?:\s|$)")
_TRANSCRIPT_TITLE = re.compile(
    r"\b(?:briefing|press conference|news conference|transcript|interview|remarks|Q&A)\b", re.I
)
_PARTICLE_END = re.compile(r"\s+(?:and|of|the|for|&)$")


def parse_date(value: str) -> str | None:
    """Any reasonable date string → ``YYYY-MM-DD``; None when it cannot be parsed."""
    value = value.strip()
    if not value:
        return None
    try:
        dt = dateparser.parse(value, fuzzy=False, default=None)
    except (ValueError, OverflowError, TypeError):
        try:
            dt = dateparser.parse(value, fuzzy=True)
        except (ValueError, OverflowError, TypeError):
            return None
    if dt is None:
        return None
    return dt.date().isoformat()


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
    kind: str = "article"
    event: str | None = None
    byline: str | None = None
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
    if _CAPTION_CREDIT_END.search(tail):
        return True
    low = t.lower()  # cheap keyword gate before the expensive search
    if ("photo" in low or "pictur" in low or "image" in low) and _CAPTION_ANY.search(t):
        return True
    # A short paragraph alone between runs of blank lines: where a scraped image was.
    return (
        isolated
        and p.blank_before >= 2
        and p.blank_after >= 2
        and 40 <= len(t) <= 600
        and t[-1] in '.!?”"'
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


def analyse(paras: list[Para]) -> PlainMeta:
    """Title, source, date, kind, event, caption and metadata-paragraph indexes of a plain text."""
    meta = PlainMeta()
    head = min(len(paras), 12)
    issue_index = None
    issue_date = None
    newsletter = False
    date_from_line = None

    for i, p in enumerate(paras):
        if is_caption(p):
            meta.captions.add(i)

    for i in range(head):
        t = paras[i].text
        if i in meta.captions:
            continue
        m = _ISSUE_LINE.match(t)
        if m and issue_index is None:
            issue_index = i
            meta.meta.add(i)
            month = m.group("month")
            issue_date = parse_date(f"{month or 'January'} 1 {m.group('year')}")
            newsletter = True
            continue
        if _MASTHEAD.search(t) and len(t) < 80:
            newsletter = True
        keyed = _keyed_line(t)
        if keyed:
            meta.meta.add(i)
            if "by" in keyed or "author" in keyed:
                meta.byline = keyed.get("by") or keyed.get("author")
            src = keyed.get("source") or keyed.get("from")
            if src and not meta.source:
                meta.source = _clean_source(src)
            for k in ("updated", "published", "posted", "date"):
                if k in keyed and not date_from_line:
                    date_from_line = parse_date(keyed[k])
            continue
        m = _DATE_LINE.match(t)
        if m:
            meta.meta.add(i)
            date_from_line = date_from_line or parse_date(m.group(1))
            continue
        m = _SOURCE_DATE_LINE.match(t) if len(t) <= 100 else None
        if m and i > 0:
            src = m.group("source")
            # a source is a name or a host, not the end of a sentence
            if not re.search(r"[.!?]\s", src) and len(src.split()) <= 6:
                meta.meta.add(i)
                if not meta.source:
                    meta.source = _clean_source(src)
                date_from_line = date_from_line or parse_date(m.group("date"))
                continue

    # (Source: X) credits anywhere (usually at the end)
    for i in range(len(paras) - 1, max(-1, len(paras) - 6), -1):
        m = _SOURCE_CREDIT.match(paras[i].text)
        if m:
            meta.meta.add(i)
            if not meta.source:
                meta.source = _clean_source(m.group("source"))
            break

    # Title
    start = issue_index + 1 if issue_index is not None else 0
    for i in range(start, len(paras)):
        if i in meta.captions or i in meta.meta:
            continue
        t = paras[i].text
        if _CJK_ONLY.match(t) or sum(c.isalpha() for c in t) < 2 or find_label(t) is not None:
            continue
        if len(t) <= 250 and not (len(t) > 120 and t[-1] in ".!?"):
            meta.title, meta.title_index = t, i
        else:
            meta.title = _short_title(t)
        break

    # Date
    if date_from_line:
        meta.date = date_from_line
    elif issue_date:
        meta.date = issue_date
    else:
        for i in range(min(len(paras), 4)):
            if i in meta.captions:
                continue
            m = re.search(rf"({_DATE})\.?$", paras[i].text)
            if m:
                meta.date = parse_date(m.group(1))
                break
        if not meta.date:
            for i in range(min(len(paras), 3)):
                m = DATE_RE.search(paras[i].text)
                if m:
                    meta.date = parse_date(m.group(0))
                    break

    # Kind
    n_labels = sum(1 for p in paras if find_label(p.text[:120]) is not None)
    if newsletter:
        meta.kind = "newsletter"
    elif n_labels >= 2:
        meta.kind = "transcript"
    else:
        meta.kind = "article"
    if meta.kind == "transcript" and meta.title:
        meta.event = meta.title

    # Source fallbacks
    if not meta.source:
        for p in paras[-6:]:
            m = _PUBLISHED_IN.search(p.text)
            if m:
                meta.source = _clean_source(m.group("source"))
                break
    if not meta.source and meta.kind == "transcript":
        for p in paras[:6]:
            m = _ORGANISER.search(p.text)
            if m:
                meta.source = _clean_source(m.group("org"))
                break
    if not meta.source:
        for i in sorted(meta.captions):
            m = _PHOTO_CREDIT.search(paras[i].text)
            if m:
                meta.source = _clean_source(m.group("source"))
                break
    return meta
