"""Machine-written dates: what an API client sends, and what OpenAPI's ``format: date`` and
``format: date-time`` mean — ``YYYY-MM-DD`` (a real calendar day) and RFC 3339 date-times.

Search parameters, Elasticsearch date bounds and the dates of pushed stories are read here, so the
server accepts exactly what the OpenAPI document says. Files keep their lenient reader
(``text/ingest/metadata.py``): people write "March 16, 2020" in front matter, programs should not.
"""

from __future__ import annotations

import datetime as dt
import re

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(
    r"[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)


def iso_day(value: object) -> dt.date | None:
    """The day of ``YYYY-MM-DD``; None for anything else (other shapes, impossible days)."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def iso_day_or_time(value: object) -> dt.date | None:
    """The day of ``YYYY-MM-DD`` or of an RFC 3339 date-time (its time dropped); None else."""
    if isinstance(value, str) and len(value) > 10 and not _TIME.fullmatch(value, 10):
        return None
    return iso_day(value[:10]) if isinstance(value, str) else None
