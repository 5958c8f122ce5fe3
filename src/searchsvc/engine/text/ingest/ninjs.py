"""Ingest reader for IPTC ninjs objects (news in JSON), detected by their ``uri``.

Mapping: ``headline`` → title; ``body_text`` or ``body_html`` → text; ``byline`` → byline and
default speaker; ``versioncreated`` → date (``YYYY-MM-DD``) and version (the full time stamp, so a
later correction wins); ``firstcreated`` → date when there is no ``versioncreated``; ``located`` →
place; ``person``/``organisation``/``subject``/``place`` objects → their ``name`` values; the first
``event`` name → event; ``copyrightholder`` (else the first ``infosource`` name) → source; the first
``genre`` name → kind (else ``article``); ``uri`` → url when it is an http(s) address, and → id (made
safe) when no id is given. An explicit ``id`` wins over the uri. Unknown fields are ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil import parser as dateparser

from ....errors import InvalidDocument
from ...ids import check_doc_id
from ...models import Document
from .jsonfmt import body_document, opt_date, opt_list, opt_str, opt_version, safe_id


def _timestamp(value: str) -> str:
    """ISO 8601 time stamp, in UTC when it has a zone, so later versions sort later."""
    try:
        ts = dateparser.isoparse(value)
    except (ValueError, OverflowError):
        try:
            ts = dateparser.parse(value)
        except (ValueError, OverflowError) as e:
            raise InvalidDocument(
                f"field 'versioncreated' is not a date-time: {value[:40]!r}"
            ) from e
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.UTC)
    return ts.isoformat()


def _first_name(obj: dict[str, Any], key: str) -> str | None:
    names = opt_list(obj, key)
    return names[0] if names else None


def ninjs_document(obj: dict[str, Any], doc_id: str | None = None) -> Document:
    uri = obj.get("uri")
    if not isinstance(uri, str) or not uri.strip():
        raise InvalidDocument("ninjs field 'uri' must be a non-empty string")
    if doc_id is not None:
        doc_id = check_doc_id(doc_id)
    elif obj.get("id") is not None:
        doc_id = check_doc_id(obj["id"])
    else:
        doc_id = safe_id(uri)
    for key in ("body_text", "body_html"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise InvalidDocument(f"field '{key}' must be a string, not {type(obj[key]).__name__}")
    text, captions, texts = body_document(
        doc_id, obj.get("body_text"), obj.get("body_html"), "body: give 'body_text' or 'body_html'"
    )
    title = opt_str(obj, "headline") or opt_str(obj, "title") or ""
    byline = opt_str(obj, "byline")
    version = opt_version(obj, "versioncreated")
    own_version = opt_version(obj, "version")  # checked even when versioncreated wins
    date = opt_date(obj, "versioncreated") or opt_date(obj, "firstcreated")
    version = _timestamp(version) if version is not None else own_version
    place = opt_list(obj, "place")
    located = opt_str(obj, "located")
    if located and located not in place:
        place.insert(0, located)
    source = opt_str(obj, "copyrightholder") or _first_name(obj, "infosource")
    kind = (_first_name(obj, "genre") or "").lower() or "article"
    url = uri.strip() if uri.strip().startswith(("http://", "https://")) else None
    return Document(
        id=doc_id,
        text=text,
        title=title or (texts[0][:100] if texts else ""),
        source=source,
        date=date,
        kind=kind,
        event=_first_name(obj, "event"),
        url=url,
        speaker=byline,
        byline=byline,
        version=version,
        person=opt_list(obj, "person"),
        organisation=opt_list(obj, "organisation"),
        subject=opt_list(obj, "subject"),
        place=place,
        captions=captions,
    )
