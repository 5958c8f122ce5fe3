"""Ingest reader for Markdown with YAML front matter (``.md``), in the style of wh-briefings.

Front matter gives the metadata: ``title``, ``date``, ``author``/``authors``/``byline`` (→
``author``), ``source_url`` (→ ``url``; its host gives the source, "The White House" for
whitehouse.gov and its archives) and ``tags`` (→ kind:
``press-briefings`` → ``briefing``, ``speeches-remarks`` → ``remarks``). The event is the title: one
briefing or speech is one event. The body is hard-wrapped at ~72 columns; the shared paragraph
builder joins the lines and keeps speaker turns apart. Time stamps ("7:06 P.M. EST", "END 7:37 P.M.
EST") and the place line before the first turn ("James S. Brady Press Briefing Room") are metadata
paragraphs, not chunks. A speech with no speaker labels ("Remarks as Prepared for Delivery by
First Lady Jill Biden at …") gets the speaker its title names as ``Document.speaker``. A file
without front matter falls back to the plain-text heuristics.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from ....errors import InvalidDocument
from ...models import Document
from ..speakers import find_label, speaker_from_title
from .metadata import analyse, authors_from_byline, is_caption, parse_date
from .paragraphs import join_paragraphs, split_paragraphs
from .text import from_paragraphs, read_source

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_TIME_LINE = re.compile(
    r"^(?:END\s+)?\d{1,2}(?::\d{2})?\s*[AP]\.?\s?M\.?(?:\s+[A-Z]{2,5})?\.?$", re.I
)
_KINDS = {
    "press-briefings": "briefing",
    "speeches-remarks": "remarks",
    "statements-releases": "statement",
    "presidential-actions": "presidential-action",
    "blog": "blog",
}
_SPACES = re.compile(r"\s+")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


def source_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlparse(url).hostname or ""
    if not host:
        return None
    if host == "whitehouse.gov" or host.endswith(".whitehouse.gov") or "whitehouse" in host:
        return "The White House"
    return host.removeprefix("www.")


def _kind_from_tags(tags: Any) -> str | None:
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    if isinstance(tags, list):
        for t in tags:
            if isinstance(t, str) and t.strip().lower() in _KINDS:
                return _KINDS[t.strip().lower()]
        for t in tags:
            if isinstance(t, str) and t.strip():
                return t.strip().lower()
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    s = _SPACES.sub(" ", str(value)).strip()
    return s or None


def _authors(value: Any) -> list[str]:
    """Front matter ``author: Ana Reporter`` or ``authors: [Ana Reporter, Ben Writer]``."""
    values = value if isinstance(value, list) else [value]
    out: list[str] = []
    for v in values:
        if isinstance(v, dict):
            v = v.get("name")
        for name in authors_from_byline(_text(v) or ""):
            if name not in out:
                out.append(name)
    return out


def split_front_matter(raw: str) -> tuple[dict[str, Any], str]:
    m = _FRONT_MATTER.match(raw)
    if not m:
        return {}, raw
    try:
        fm = yaml.load(m.group(1), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as e:
        raise InvalidDocument(f"bad YAML front matter: {e}") from e
    if not isinstance(fm, dict):
        raise InvalidDocument("YAML front matter must be a mapping")
    return fm, raw[m.end() :]


def parse_markdown(raw: str, doc_id: str, path: str | None = None) -> Document:
    fm, body = split_front_matter(raw)
    paras = split_paragraphs(body, markdown=True)
    if not fm:
        return from_paragraphs(paras, doc_id, path)
    title = _text(fm.get("title")) or ""
    date_raw = _text(fm.get("date")) or _text(fm.get("published_time"))
    date = parse_date(date_raw) if date_raw else None
    url = _text(fm.get("source_url")) or _text(fm.get("url"))
    source = _text(fm.get("source")) or source_from_url(url)
    kind = _kind_from_tags(fm.get("tags")) or _text(fm.get("kind"))
    captions: set[int] = set()
    meta_paras: set[int] = set()
    seen_turn = False
    for i, p in enumerate(paras):
        t = p.text
        if _TIME_LINE.match(t):
            meta_paras.add(i)
            continue
        if not seen_turn:
            if find_label(t[:120]) is not None:
                seen_turn = True
            elif i < 4 and len(t) <= 80 and t[-1] not in '.!?"”:':
                meta_paras.add(i)  # place line: "James S. Brady Press Briefing Room"
                continue
        if is_caption(p, isolated=False):
            captions.add(i)
    if not title:
        title = analyse(paras).title
    # A speech without speaker labels: the speaker named in the title speaks every paragraph.
    speaker = _text(fm.get("speaker")) or (None if seen_turn else speaker_from_title(title))
    byline = _text(fm.get("byline"))
    return Document(
        id=doc_id,
        text=join_paragraphs([p.text for p in paras]),
        title=title,
        author=_authors(fm.get("author") or fm.get("authors")) or authors_from_byline(byline or ""),
        byline=byline,
        source=source,
        date=date,
        kind=kind or "article",
        event=_text(fm.get("event")) or title or None,
        url=url,
        speaker=speaker,
        captions=captions,
        metadata_paragraphs=meta_paras,
        path=path,
    )


def read_markdown(path: Path, doc_id: str) -> Iterator[Document]:
    yield parse_markdown(read_source(path), doc_id, str(path))
