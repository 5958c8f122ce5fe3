"""Ingest reader for IPTC ninjs objects (news in JSON), detected by their ``uri``.

Every published version is read, because newsroom systems emit all of them:

* **1.x**: ``headline``, ``body_text``/``body_html``/``body_xhtml``, ``byline``, singular ``person``,
  ``organisation``, ``place``, ``subject``, ``event``, ``genre``, ``infosource``; from 1.5 on also
  open-ended ``headline_*``, ``body_*`` and ``description_*`` keys (``headline_main``,
  ``body_richtext``, ``description_caption_xhtml``).
* **2.x**: arrays of objects ``headlines``, ``bodies``, ``descriptions`` (each ``{role,
  contenttype, value}``), ``by``, ``people``, ``organisations``, ``places``, ``subjects``,
  ``events``, ``genres``, ``infosources``, ``eventdetails``.
* **3.x**: the same names in camelCase (``versionCreated``, ``copyrightHolder``, ``eventDetails``).

Top-level keys are folded to lower case first, so 3.x reads as 2.x; then each field has one
function below that knows its 1.x and 2.x spellings.

Mapping: the main headline (else ``title``, else ``slugline``) → title; the body with the most
paragraphs (markup or plain text; NITF bodies contribute their ``body.content``) → text; with no
body, the descriptions are the text and every paragraph is a ``caption`` chunk (short items), as is
all text of a photo, graphic, video or audio item; an event with neither is described by its own title, dates, place and
organiser. ``by``/``byline`` → ``author`` (one person per value, see
:func:`.metadata.authors_from_byline`), never the speaker: a ninjs story is written by its author,
and the people it quotes are found in its text. ``versioncreated`` → date (``YYYY-MM-DD``) and
version (the full UTC time stamp, so a later correction wins), else ``firstcreated``,
``contentcreated`` or the event's start; ``version`` is the version when there is no time stamp.
People, organisations, places (and ``located``), subjects → their facets by ``name``; the first
event name → event; ``copyrightholder`` (else the first info source) → source; ``type`` or an
IPTC genre → kind; ``uri`` → url when it is an http(s) address, and → id (made safe) when no id is
given. An explicit ``id`` wins over the uri. Unknown fields are ignored; known fields of the wrong
type are an ``InvalidDocument`` naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dateutil import parser as dateparser

from ....errors import InvalidDocument
from ...ids import check_doc_id
from ...models import Document
from .html import html_to_text
from .jsonfmt import opt_date, opt_version, safe_id, stand_in
from .metadata import authors_from_byline, is_caption, parse_date
from .paragraphs import Para, join_paragraphs, split_paragraphs
from .pushed import NINJS_CAMEL_CASE

_SPACES = re.compile(r"\s+")
_TAG = re.compile(r"<[A-Za-z/!?]")
_NITF_CONTENT = re.compile(r"<body\.content\b[^>]*>(.*?)</body\.content\s*>", re.S | re.I)
_MARKUP_KEY = ("html", "xhtml", "richtext", "xml", "nitf")
# Types whose text is a description of media, not a story.
_MEDIA_KINDS = {"picture": "photo", "graphic": "graphic", "video": "video", "audio": "audio"}
_GENRE_SCHEME = ("cv.iptc.org/newscodes/genre", "genre:")
_HEADLINE_ROLES = ("main", "", "headline", "title")


def _fold_keys(obj: dict[str, Any]) -> dict[str, Any]:
    """3.x's camelCase keys in 1.x/2.x's spelling ("versionCreated" → "versioncreated"); the
    first spelling of a key wins, so an object carrying both keeps the one written first. Other
    spellings ("VERSIONCREATED") are no ninjs field: ignored, as the schema says."""
    out: dict[str, Any] = {}
    for k, v in obj.items():
        out.setdefault(k.lower() if k in NINJS_CAMEL_CASE else k, v)
    return out


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidDocument(f"field '{field}' must be a string, not {type(value).__name__}")
    return _SPACES.sub(" ", value).strip() or None


def _objects(obj: dict[str, Any], *keys: str) -> list[tuple[str, Any]]:
    """(key, item) for every item of the first present key: a list, one object or one string."""
    for key in keys:
        v = obj.get(key)
        if v is None:
            continue
        items = v if isinstance(v, list) else [v]
        return [(key, it) for it in items]
    return []


def _names(obj: dict[str, Any], *keys: str) -> list[str]:
    """The ``name`` of each object (or each plain string) under the first present key."""
    out: list[str] = []
    for key, it in _objects(obj, *keys):
        if isinstance(it, dict):
            it = it.get("name")
            if it is None:
                continue
        name = _text(it, key)
        if name and name not in out:
            out.append(name)
    return out


# --- text: headlines, bodies, descriptions ---------------------------------------------------
def _variants(obj: dict[str, Any], singular: str, plural: str) -> list[tuple[str, str, bool]]:
    """(role, value, is_markup) of every version of a text field, 2.x array or 1.x keys."""
    out: list[tuple[str, str, bool]] = []
    for key, it in _objects(obj, plural):
        if isinstance(it, str):
            it = {"value": it}
        if not isinstance(it, dict):
            raise InvalidDocument(f"field '{key}' must hold objects, not {type(it).__name__}")
        value = it.get("value")
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidDocument(f"field '{key}' values must be strings")
        ctype = str(it.get("contenttype") or it.get("contentType") or "").lower()
        role = str(it.get("role") or "").lower()
        markup = any(m in ctype for m in _MARKUP_KEY) or (not ctype and bool(_TAG.search(value)))
        out.append((role, value, markup))
    prefix = singular + "_"
    for key, value in obj.items():
        if not (key == singular or (isinstance(key, str) and key.startswith(prefix))):
            continue
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidDocument(f"field '{key}' must be a string, not {type(value).__name__}")
        role = key[len(prefix) :] if key != singular else ""
        markup = role.endswith(_MARKUP_KEY) or (role != "text" and bool(_TAG.search(value)))
        out.append((role, value, markup))
    return out


def _paragraphs(value: str, markup: bool) -> list[Para]:
    if markup:
        nitf = _NITF_CONTENT.search(value)
        value = html_to_text(nitf.group(1) if nitf else value)[0]
    return split_paragraphs(value)


def _best_text(variants: list[tuple[str, str, bool]]) -> list[Para]:
    """The variant with the most paragraphs: markup usually keeps the breaks a plain copy lost,
    but a plain copy with blank lines is as good (and wins ties, being listed first)."""
    best: list[Para] = []
    for _role, value, markup in variants:
        paras = _paragraphs(value, markup)
        if len(paras) > len(best):
            best = paras
    return best


def _headline(obj: dict[str, Any]) -> str | None:
    variants = _variants(obj, "headline", "headlines")
    for wanted in _HEADLINE_ROLES:
        for role, value, markup in variants:
            if role == wanted or (wanted == "" and role not in ("sub", "subheadline")):
                text = html_to_text(value)[0] if markup else value
                text = _SPACES.sub(" ", text).strip()
                if text:
                    return text
    return None


def _event_description(obj: dict[str, Any], title: str | None) -> list[Para]:
    """An event item with no text of its own: what, when, where and who organises it."""
    details = obj.get("eventdetails")
    if not isinstance(details, dict):
        return []
    parts = [title] if title else []
    dates = details.get("dates")
    if isinstance(dates, dict):
        when = [
            parse_date(str(dates[k]))
            for k in ("startdate", "startDate", "expectedStartDate", "estimatedStartDate")
            if isinstance(dates.get(k), str)
        ]
        parts += [d for d in when[:1] if d]
    parts += _places(obj)[:2]
    organiser = details.get("organiser")
    if isinstance(organiser, dict) and isinstance(organiser.get("name"), str):
        parts.append(f"organised by {organiser['name'].strip()}")
    text = ", ".join(p for p in parts if p)
    return split_paragraphs(text + ".") if text else []


# --- metadata fields ---------------------------------------------------------------------------
def _timestamp(value: str, field: str) -> str:
    """ISO 8601 time stamp, in UTC when it has a zone, so later versions sort later."""
    try:
        ts = dateparser.isoparse(value)
    except (ValueError, OverflowError):
        try:
            ts = dateparser.parse(value)
        except (ValueError, OverflowError) as e:
            raise InvalidDocument(f"field '{field}' is not a date-time: {value[:40]!r}") from e
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.UTC)
    return ts.isoformat()


def _version(obj: dict[str, Any]) -> str | None:
    own = opt_version(obj, "version")  # checked even when versioncreated wins
    stamp = _text(obj.get("versioncreated"), "versioncreated")
    return _timestamp(stamp, "versioncreated") if stamp else own


def _date(obj: dict[str, Any]) -> str | None:
    for key in ("versioncreated", "firstcreated", "contentcreated"):
        d = opt_date(obj, key)
        if d:
            return d
    details = obj.get("eventdetails")
    dates = details.get("dates") if isinstance(details, dict) else None
    if isinstance(dates, dict):
        for key in ("startDate", "expectedStartDate", "estimatedStartDate"):
            if isinstance(dates.get(key), str) and parse_date(dates[key]):
                return parse_date(dates[key])
    return None


def _places(obj: dict[str, Any]) -> list[str]:
    places = _names(obj, "places", "place")
    located = _text(obj.get("located"), "located")
    if located and located not in places:
        places.insert(0, located)
    return places


def _source(obj: dict[str, Any]) -> str | None:
    holder = _text(obj.get("copyrightholder"), "copyrightholder")
    if holder:
        return holder
    sources = _names(obj, "infosources", "infosource")
    return sources[0] if sources else None


def _kind(obj: dict[str, Any]) -> str:
    """An IPTC genre ("Transcript", "Interview") says what the story is; else the item type."""
    for _key, genre in _objects(obj, "genres", "genre"):
        if isinstance(genre, str):
            return genre.strip().lower() or "article"
        if not isinstance(genre, dict):
            continue
        scheme = str(genre.get("uri") or genre.get("code") or "")
        name = genre.get("name")
        if not scheme or any(s in scheme for s in _GENRE_SCHEME):
            if isinstance(name, str) and name.strip():
                return name.strip().lower()
            if scheme:
                return re.split(r"[/:]", scheme.rstrip("/"))[-1].lower()
    item_type = obj.get("type")
    if isinstance(item_type, str):
        if item_type.lower() in _MEDIA_KINDS:
            return _MEDIA_KINDS[item_type.lower()]
        if item_type.lower() == "event":
            return "event"
    return "article"


def _authors(obj: dict[str, Any]) -> tuple[str | None, list[str]]:
    byline = _text(obj.get("by"), "by") or _text(obj.get("byline"), "byline")
    return byline, authors_from_byline(byline) if byline else []


def _doc_id(obj: dict[str, Any], uri: str, doc_id: str | None) -> str:
    if doc_id is not None:
        return check_doc_id(doc_id)
    if obj.get("id") is not None:
        return check_doc_id(obj["id"])
    return safe_id(uri)


def _has_body_field(obj: dict[str, Any]) -> bool:
    """A body, description or event-details field is there (``pushed``'s rule of a ninjs body)."""
    return any(
        key in ("bodies", "descriptions", "eventdetails") or key.startswith(_BODY_PREFIXES)
        for key in obj
    )


_BODY_PREFIXES = ("body_", "description_")


def ninjs_document(obj: dict[str, Any], doc_id: str | None = None) -> Document:
    """A ninjs object of any version → ``Document``; ``InvalidDocument`` when it has no text."""
    obj = _fold_keys(obj)
    uri = obj.get("uri")
    if not isinstance(uri, str) or not uri.strip():
        raise InvalidDocument("ninjs field 'uri' must be a non-empty string")
    doc_id = _doc_id(obj, uri, doc_id)
    headline = _headline(obj)
    title = headline or _text(obj.get("title"), "title") or _text(obj.get("slugline"), "slugline")
    paras = _best_text(_variants(obj, "body", "bodies"))
    media = str(obj.get("type") or "").lower() in _MEDIA_KINDS
    captions: set[int] = set()
    if paras:  # the text of a photo, video or audio item describes it, whatever field holds it
        captions = {i for i, p in enumerate(paras) if media or is_caption(p, isolated=False)}
    else:
        paras = _best_text(_variants(obj, "description", "descriptions"))
        if paras:  # media and short items: their description is their text, as captions
            captions = set(range(len(paras)))
        else:
            paras = _event_description(obj, title)
    if paras and title and not any(c.isalnum() for p in paras for c in p.text):
        # An elided body ("[ ... ]", as association-only composites carry) says nothing to
        # search: the headline is what the item says.
        paras = split_paragraphs(title)
        captions = set(range(len(paras)))
    if not paras and _has_body_field(obj):
        # a body field with nothing to search (empty markup): the headline stands for the item
        paras = stand_in(title, uri.strip(), doc_id)
        captions = set(range(len(paras)))
    if not paras:
        raise InvalidDocument(
            f"document {doc_id!r} has no body: give 'body_text', 'body_html', 'bodies' "
            "or 'descriptions'"
        )
    texts = [p.text for p in paras]
    if not title:
        title = next((t[:100] for t in texts if any(c.isalpha() for c in t)), None) or uri.strip()
    byline, authors = _authors(obj)
    url = uri.strip() if uri.strip().startswith(("http://", "https://")) else None
    events = _names(obj, "events", "event")
    return Document(
        id=doc_id,
        text=join_paragraphs(texts),
        title=title,
        source=_source(obj),
        date=_date(obj),
        kind=_kind(obj),
        event=events[0] if events else None,
        url=url,
        byline=byline,
        author=authors,
        version=_version(obj),
        person=_names(obj, "people", "person"),
        organisation=_names(obj, "organisations", "organisation"),
        subject=_names(obj, "subjects", "subject"),
        place=_places(obj),
        captions=captions,
    )
