"""Ingest reader for the native JSON format (``.json``, ``.ndjson``) and the entry point for pushed
documents.

A ``.json`` file holds one object or a list of objects; an ``.ndjson``/``.jsonl`` file one object
per line. An object with a ``uri`` is IPTC ninjs and goes to :mod:`.ninjs`; anything else is the
native format::

    {"id": "…", "title": "…", "body": "plain text, paragraphs separated by blank lines",
     "date": "2020-03-28", "source": "…", "url": "…", "kind": "…", "event": "…",
     "author": ["…"], "speaker": "…", "version": "…", "person": ["…"], "organisation": […],
     "subject": […], "place": […]}

``body_html`` may replace ``body``. ``author`` is who wrote the text (a string, split like a
byline, or a list, one person each; ``byline`` alone gives it too); ``speaker`` is who speaks the
whole text (a statement read by a spokesperson), not the writer.

In a file of several records, a bad record fails alone: it is yielded as a :class:`BadRecord`
(file, record number, id and the reason) and the other records are read. Types are checked strictly (a title must be a string, a list
field a string or a list of strings) and absent or null optionals are fine; anything else raises
``InvalidDocument`` with a message naming the field. Dates are normalised to ``YYYY-MM-DD``; an
unparseable date is an error here (unlike the plain-text heuristics, which just leave it out).
Document ids follow the one rule of :mod:`searchsvc.engine.ids` (strings, or integers written in
decimal); :func:`safe_id` builds such an id from a ninjs ``uri`` and :func:`file_id` from a file
name.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ....errors import InvalidDocument
from ...ids import DOC_ID_MAX_LENGTH, check_doc_id, is_doc_id
from ...models import Document
from .html import html_to_text
from .metadata import analyse, authors_from_byline, is_caption, parse_date
from .paragraphs import Para, join_paragraphs, split_paragraphs
from .pushed import AUTHOR_FIELDS, LIST_FIELDS, STR_FIELDS, is_ninjs
from .text import read_source

_ID_WORDS = re.compile(r"[\w.~-]+")
_ID_BAD = re.compile(r"[^\w.~-]+")
_SPACES = re.compile(r"\s+")


def safe_id(value: str) -> str:
    """Any string (a URI, a file stem) → an id usable in URLs and chunk ids.

    Conservative on purpose: everything but word characters and ``.~-`` becomes ``_``, as it
    always has, so re-indexing the same files and ninjs uris keeps their ids (and permalinks)."""
    s = re.sub(
        r"^[a-zA-Z][\w+.-]*:(?://)?", "", value.strip()
    )  # drop a scheme ("urn:", "https://")
    s = _ID_BAD.sub("_", s).strip("_.")
    if len(s) > DOC_ID_MAX_LENGTH:
        import hashlib

        s = s[: DOC_ID_MAX_LENGTH - 17] + "_" + hashlib.sha1(value.encode()).hexdigest()[:16]
    if not s:
        raise InvalidDocument(f"cannot make a document id from {value!r}")
    return s


def file_id(stem: str) -> str:
    """A file's id: its name without the suffix when that is made of word characters and
    ``.~-`` only (a valid id), else :func:`safe_id` of it — the mapping files have always had."""
    if _ID_WORDS.fullmatch(stem) and is_doc_id(stem):
        return stem
    return safe_id(stem)


def opt_str(obj: dict[str, Any], key: str) -> str | None:
    """An optional string field: absent/null → None; whitespace collapsed; other types → error."""
    v = obj.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        raise InvalidDocument(f"field '{key}' must be a string, not {type(v).__name__}")
    v = _SPACES.sub(" ", v).strip()
    return v or None


def opt_list(obj: dict[str, Any], key: str) -> list[str]:
    """A string or a list of strings (objects with a ``name`` are accepted, as ninjs has them)."""
    v = obj.get(key)
    if v is None:
        return []
    items = [v] if isinstance(v, (str, dict)) else v
    if not isinstance(items, list):
        raise InvalidDocument(f"field '{key}' must be a string or a list of strings")
    out: list[str] = []
    for it in items:
        if isinstance(it, dict):
            it = it.get("name")
            if it is None:
                continue
        if not isinstance(it, str):
            raise InvalidDocument(f"field '{key}' must hold strings, not {type(it).__name__}")
        s = _SPACES.sub(" ", it).strip()
        if s and s not in out:
            out.append(s)
    return out


def opt_date(obj: dict[str, Any], key: str) -> str | None:
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return (v.date() if isinstance(v, dt.datetime) else v).isoformat()
    if not isinstance(v, str):
        raise InvalidDocument(f"field '{key}' must be a date string, not {type(v).__name__}")
    if not v.strip():
        return None
    d = parse_date(v)
    if d is None:
        raise InvalidDocument(f"field '{key}' is not a date: {v[:40]!r}")
    return d


def opt_version(obj: dict[str, Any], key: str) -> str | None:
    """A version: an ISO date-time (normalised) or any other string / integer as given."""
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # 3.0 is the integer 3, as JSON Schema counts
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise InvalidDocument(f"field '{key}' must be a string, not {type(v).__name__}")
    return str(v).strip() or None


def body_document(
    doc_id: str,
    body: str | None,
    body_html: str | None,
    what: str = "body",
    stand_ins: tuple[str | None, ...] = (),
) -> tuple[str, set[int], list[str]]:
    """(cleaned text, caption indexes, paragraph texts) of a JSON/ninjs body; a body with
    nothing to search (empty markup, invisible characters) leaves the first of ``stand_ins``
    that has text (then the id) to stand for the story, as a caption."""
    if body is not None and body.strip():
        paras = split_paragraphs(body)
    elif body_html is not None and body_html.strip():
        paras = split_paragraphs(html_to_text(body_html)[0])
    else:
        raise InvalidDocument(f"document {doc_id!r} has no {what}")
    if not paras:
        paras = stand_in(*stand_ins, doc_id)
        captions = set(range(len(paras)))
    else:
        captions = {i for i, p in enumerate(paras) if is_caption(p, isolated=False)}
    texts = [p.text for p in paras]
    return join_paragraphs(texts), captions, texts


def stand_in(*candidates: str | None) -> list[Para]:
    """The paragraphs of the first candidate that has any (the last one whole, else)."""
    for text in candidates:
        paras = split_paragraphs(text) if text else []
        if paras:
            return paras
    return [Para(next((t for t in reversed(candidates) if t), ""))]


def apply_overrides(doc: Document, obj: Any) -> Document:
    """Sidecar ``NAME.meta.json`` / partial metadata → fields of ``doc`` (type-checked)."""
    if not isinstance(obj, dict):
        raise InvalidDocument("metadata sidecar must be a JSON object")
    if "id" in obj and obj["id"] is not None:
        doc.id = check_doc_id(obj["id"])
    for key in STR_FIELDS:
        if key in obj:
            setattr(doc, key, opt_str(obj, key) if key != "title" else opt_str(obj, key) or "")
    if "date" in obj:
        doc.date = opt_date(obj, "date")
    if "version" in obj:
        doc.version = opt_version(obj, "version")
    for key in LIST_FIELDS:
        if key in obj:
            setattr(doc, key, opt_list(obj, key))
    for key in AUTHOR_FIELDS:
        if obj.get(key) is not None:
            doc.author = opt_authors(obj, key)
            break
    else:
        if obj.get("byline") is not None and not doc.author:
            doc.author = authors_from_byline(doc.byline or "")
    return doc


def opt_authors(obj: dict[str, Any], key: str) -> list[str]:
    """A list of people, or one string read like a byline ("Ana Reporter and Ben Writer")."""
    v = obj.get(key)
    if isinstance(v, str):
        return authors_from_byline(v)
    out: list[str] = []
    for name in opt_list(obj, key):
        out.extend(n for n in authors_from_byline(name) if n not in out)
    return out


def native_document(obj: dict[str, Any], doc_id: str | None = None) -> Document:
    if doc_id is None:
        if obj.get("id") is None:
            raise InvalidDocument("document has no 'id'")
        doc_id = check_doc_id(obj["id"])
    else:
        doc_id = check_doc_id(doc_id)
    for key in ("body", "body_html"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise InvalidDocument(f"field '{key}' must be a string, not {type(obj[key]).__name__}")
    title = opt_str(obj, "title")
    text, captions, _ = body_document(
        doc_id, obj.get("body"), obj.get("body_html"), "body: give 'body' or 'body_html'", (title,)
    )
    if title is None:
        title = analyse(split_paragraphs(text)).title
    doc = Document(id=doc_id, text=text, title=title or "", captions=captions)
    apply_overrides(doc, {k: v for k, v in obj.items() if k not in ("id", "title")})
    doc.kind = doc.kind or "article"
    return doc


_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_json(value: Any) -> Any:
    """``value`` with every lone UTF-16 surrogate replaced by U+FFFD.

    ``json.loads('"\\ud800"')`` yields a string no UTF-8 response can carry: stored, one such
    story would turn every search that finds it into an error. JSON from files and from HTTP
    bodies passes through here before anything else sees it."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [scrub_json(v) for v in value]
    if isinstance(value, dict):
        return {scrub_json(k): scrub_json(v) for k, v in value.items()}
    return value


def document_from_json(obj: object, doc_id: str | None = None) -> Document:
    """Native JSON or IPTC ninjs (detected by ``uri``) → ``Document``; InvalidDocument if bad.

    ``doc_id`` (e.g. from ``PUT /documents/ID``) wins over the object's own id.
    """
    obj = scrub_json(obj)
    if not isinstance(obj, dict):
        raise InvalidDocument(f"a document must be a JSON object, not {_json_type(obj)}")
    if is_ninjs(obj):
        from .ninjs import ninjs_document

        return ninjs_document(obj, doc_id)
    return native_document(obj, doc_id)


def _json_type(obj: object) -> str:
    return {list: "an array", str: "a string", type(None): "null", bool: "a boolean"}.get(
        type(obj), "a number" if isinstance(obj, (int, float)) else type(obj).__name__
    )


@dataclass
class BadRecord:
    """One record of a multi-record file that could not be read; the others still are."""

    path: Path
    number: int  # 1-based: the position in a JSON list, the line of an NDJSON file
    record_id: str | None
    error: InvalidDocument

    @property
    def message(self) -> str:
        which = f"record {self.number}"
        if self.record_id:
            which += f" (id {self.record_id!r})"
        return f"{self.path}: {which}: {self.error.message}"


def _record_id(obj: object) -> str | None:
    if not isinstance(obj, dict):
        return None
    for key in ("id", "uri"):
        v = obj.get(key)
        if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip():
            return str(v).strip()[:80]
    return None


def _records(
    path: Path, stem_id: str, items: list[tuple[int, object]], many: bool
) -> Iterator[Document | BadRecord]:
    for n, obj in items:
        try:
            own = isinstance(obj, dict) and (obj.get("id") is not None or "uri" in obj)
            fallback = None if own else (stem_id if n == 1 else f"{stem_id}-{n}")
            doc = document_from_json(obj, fallback)
        except InvalidDocument as e:
            if not many:
                raise InvalidDocument(f"{path}: {e.message}", code=e.code) from e
            yield BadRecord(path, n, _record_id(obj), e)
            continue
        doc.path = str(path)
        yield doc


def read_json(path: Path, stem_id: str) -> Iterator[Document | BadRecord]:
    """A ``.json`` file: one object, or a list of objects (ids default to STEM, STEM-2, …)."""
    try:
        data = json.loads(read_source(path))
    except json.JSONDecodeError as e:
        raise InvalidDocument(f"{path}: not valid JSON: {e}") from e
    many = isinstance(data, list)
    items = list(enumerate(data, 1)) if many else [(1, data)]
    yield from _records(path, stem_id, items, many)


def read_ndjson(path: Path, stem_id: str) -> Iterator[Document | BadRecord]:
    """An ``.ndjson``/``.jsonl`` file: one object per line (blank lines skipped); a line that is
    not JSON fails alone, like a bad record."""
    records: list[tuple[int, object]] = []
    for n, line in enumerate(read_source(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append((n, json.loads(line)))
        except json.JSONDecodeError as e:
            records.append((n, BadRecord(path, n, None, InvalidDocument(f"not valid JSON: {e}"))))
    for n, obj in records:
        if isinstance(obj, BadRecord):
            yield obj
        else:
            yield from _records(path, stem_id, [(n, obj)], True)
