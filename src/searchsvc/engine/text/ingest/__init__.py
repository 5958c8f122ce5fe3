"""Pipeline step 1: files and pushed JSON → ``Document`` (cleaned text + metadata).

One reader per format, chosen by file suffix:

========  ==========================  ===============================================
suffix    module                      metadata from
========  ==========================  ===============================================
.txt      :mod:`.text`                heuristics (:mod:`.metadata`)
.md       :mod:`.markdown`            YAML front matter (wh-briefings style)
.html     :mod:`.html`                <head>, JSON-LD, then the text (trafilatura)
.json     :mod:`.jsonfmt`/:mod:`.ninjs`  the object (native format or IPTC ninjs)
.ndjson   :mod:`.jsonfmt`             one object per line (also ``.jsonl``)
.xml      :mod:`.xmlfmt`              the record's header fields; speeches declare turns
========  ==========================  ===============================================

Every reader hands its body to :mod:`.paragraphs` (whitespace, boilerplate, hard wraps), so
``Document.text`` always has one paragraph per line and paragraphs separated by one blank line.

The id of a document read from a file is the file's stem (``seeds/000_a2191ec13ae00466.txt`` →
``000_a2191ec13ae00466``), unless a JSON/ninjs object carries its own. A sidecar ``NAME.meta.json``
(``NAME`` being the stem or the full file name) next to a file overrides metadata fields of the
documents read from it. Directories are walked recursively in sorted order, skipping hidden files and
directories, sidecars and unknown suffixes; a single file of unknown type given explicitly raises
``UnsupportedFormat``.

A file of several records (a JSON list, NDJSON) is not all-or-nothing: a bad record is reported
(file, record number, id, reason) through ``on_bad_record`` and the others are read. Without a
callback the first bad record raises, so a caller never loses one silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from ....errors import InvalidDocument, SearchsvcError, UnsupportedFormat
from ...models import Document
from .html import read_html
from .jsonfmt import (
    BadRecord,
    apply_overrides,
    document_from_json,
    file_id,
    read_json,
    read_ndjson,
)
from .markdown import read_markdown
from .text import read_source, read_text
from .xmlfmt import read_xml

__all__ = [
    "READERS",
    "BadRecord",
    "document_from_json",
    "iter_files",
    "read_file",
    "read_path",
]

Reader = Callable[[Path, str], Iterator[Document | BadRecord]]
READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".text": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".json": read_json,
    ".ndjson": read_ndjson,
    ".jsonl": read_ndjson,
    ".xml": read_xml,
}
SIDECAR = ".meta.json"


def _is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(SIDECAR)


def iter_files(path: Path) -> Iterator[Path]:
    """The readable files under ``path`` (sorted, recursive), or ``path`` itself if it is a file."""
    path = Path(path)
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            rel = p.relative_to(path)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if not p.is_file() or _is_sidecar(p) or p.suffix.lower() not in READERS:
                continue
            yield p
    elif path.is_file():
        if _is_sidecar(path) or path.suffix.lower() not in READERS:
            known = ", ".join(sorted(READERS))
            raise UnsupportedFormat(f"{path}: unsupported file type (known: {known})")
        yield path
    else:
        raise InvalidDocument(f"{path}: no such file or directory", code="not_found")


def _sidecar_for(path: Path) -> Path | None:
    for name in (path.stem + SIDECAR, path.name + SIDECAR):
        p = path.with_name(name)
        if p.is_file():
            return p
    return None


def read_file(
    path: Path, on_bad_record: Callable[[BadRecord], None] | None = None
) -> list[Document]:
    """All documents of one file (a JSON list may hold several), sidecar overrides applied.

    A bad record of a multi-record file goes to ``on_bad_record`` and the rest are returned;
    without ``on_bad_record`` it raises ``InvalidDocument`` naming the file and record.
    """
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFormat(f"{path}: unsupported file type")
    docs: list[Document] = []
    try:
        for item in reader(path, file_id(path.stem)):
            if isinstance(item, BadRecord):
                if on_bad_record is None:
                    raise InvalidDocument(item.message, code=item.error.code)
                on_bad_record(item)
            else:
                docs.append(item)
    except SearchsvcError as e:
        msg = e.message if str(path) in e.message else f"{path}: {e.message}"
        raise type(e)(msg, code=e.code) from e
    except (OSError, ValueError) as e:
        raise InvalidDocument(f"{path}: cannot read: {e}") from e
    sidecar = _sidecar_for(path)
    if sidecar is not None:
        try:
            overrides = json.loads(read_source(sidecar))
            for doc in docs:
                apply_overrides(doc, overrides)
        except json.JSONDecodeError as e:
            raise InvalidDocument(f"{sidecar}: not valid JSON: {e}") from e
        except InvalidDocument as e:
            raise InvalidDocument(f"{sidecar}: {e.message}") from e
    for doc in docs:
        doc.path = str(path)
    return docs


def read_path(
    path: Path, on_error: Callable[[Path, SearchsvcError], None] | None = None
) -> Iterator[Document]:
    """Documents from a file or a directory tree (see the module docstring for the rules).

    Without ``on_error`` the first unreadable file raises; with it, the error is reported and the
    walk goes on (what ``searchsvc index`` wants for a large directory).
    """
    for p in iter_files(Path(path)):

        def bad(record: BadRecord, p: Path = p) -> None:
            if on_error is None:
                raise InvalidDocument(record.message, code=record.error.code)
            on_error(p, InvalidDocument(record.message, code=record.error.code))

        try:
            docs = read_file(p, bad)
        except SearchsvcError as e:
            if on_error is None:
                raise
            on_error(p, e)
            continue
        yield from docs
