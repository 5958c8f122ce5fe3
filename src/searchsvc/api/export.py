"""/search.csv and /search.ndjson: every matching chunk, for a reporter's spreadsheet.

Both take ``/search``'s parameters (``page``, ``per_page`` and ``histogram`` aside: ignored) and stream the hits in the
search's order, up to ``SEARCHSVC_MAX_EXPORT`` (``X-Total-Count`` says how many matched, so a
cut-off export can be told from a complete one). Rows are rendered while the response is being
sent, so a long export holds one batch of hits in memory, not all of them.

CSV cells a spreadsheet would evaluate (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) get a leading apostrophe: a quote pushed in a story must not become a formula
on a reporter's machine.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import falcon
import orjson

from ..engine.models import Hit
from ..engine.service import Engine
from .feeds import base_url
from .search import parse_query_string

CSV_TYPE = "text/csv; charset=utf-8"
NDJSON_TYPE = "application/x-ndjson"
COLUMNS = (
    "rank", "id", "document_id", "title", "source", "date", "kind", "event", "paragraph",
    "speaker", "role", "text", "citation", "url", "score",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_WRITE = 50


def safe_cell(value: Any) -> str:
    """A cell's text, defused if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_row(hit: Hit, base: str) -> list[str]:
    doc = hit.document
    values = (
        hit.rank, hit.id, doc.get("id"), doc.get("title"), doc.get("source"), doc.get("date"),
        doc.get("kind"), doc.get("event"), hit.paragraph, hit.speaker, hit.role, hit.text,
        hit.citation.text, base + hit.citation.url, round(hit.score, 4),
    )  # fmt: skip
    return [safe_cell(v) for v in values]


def _csv(hits: Iterator[Hit], base: str) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for n, hit in enumerate(hits, 1):
        writer.writerow(csv_row(hit, base))
        if n % ROWS_PER_WRITE == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _ndjson(hits: Iterator[Hit], base: str) -> Iterator[bytes]:
    lines = []
    for hit in hits:
        row = hit.as_dict()
        row["citation"]["url"] = base + row["citation"]["url"]
        lines.append(orjson.dumps(row) + b"\n")
        if len(lines) == ROWS_PER_WRITE:
            yield b"".join(lines)
            lines = []
    yield b"".join(lines)


class ExportResource:
    """One resource per format: ``csv`` or ``ndjson``."""

    index_backed = True

    def __init__(self, engine: Engine, fmt: str):
        self.engine = engine
        self.fmt = fmt

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Every hit of the search (up to the export limit), streamed."""
        request = parse_query_string(req, export=True)
        total, hits = self.engine.export(request)
        base = base_url(req)
        resp.set_header("X-Total-Count", str(total))
        if self.fmt == "csv":
            resp.content_type = CSV_TYPE
            resp.downloadable_as = "search.csv"
            resp.stream = _csv(hits, base)
        else:
            resp.content_type = NDJSON_TYPE
            resp.stream = _ndjson(hits, base)
