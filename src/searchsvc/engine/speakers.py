"""Who said it: the rules of the speakers list and of a speaker's record, the same on every
backend; a backend only counts.

The list is every speaker whose name contains the query (any case), most chunks first, then by
name; a record says how many chunks and documents a person has, in which roles, from when to
when, and the events they spoke at (``EVENTS_LISTED`` at most, by documents).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

EVENTS_LISTED = 10


def page_of_speakers(
    tally: Mapping[str, int], q: str, page: int, per_page: int
) -> tuple[int, list[str]]:
    """(how many speakers of ``tally`` — name → chunks — match ``q``, the names on ``page``)."""
    folded = q.strip().casefold()
    names = [n for n, count in tally.items() if count and folded in n.casefold()]
    names.sort(key=lambda n: (-tally[n], n))
    start = (page - 1) * per_page
    return len(names), names[start : start + per_page]


def speaker_record(
    name: str,
    chunks: int,
    documents: int,
    roles: list[dict[str, Any]],
    first_date: str | None,
    last_date: str | None,
    events: list[dict[str, Any]],
) -> dict[str, Any]:
    """A record as ``/speakers`` and ``/speakers/{name}`` answer it."""
    return {
        "name": name,
        "chunks": chunks,
        "documents": documents,
        "roles": roles,
        "first_date": first_date,
        "last_date": last_date,
        "events": events,
        "url": "/speakers/" + quote(name, safe=""),
    }
