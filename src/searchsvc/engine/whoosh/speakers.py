"""Who said it: speakers and their records, counted from the facet columns.

A speaker's record (how many chunks and documents, in which roles, first and last date, the
events they spoke at) is a handful of numpy reductions over the chunks whose ``speaker`` code is
theirs. Listing speakers is one ``bincount`` over the speaker column; only the page of speakers
shown gets a full record, so the list costs the same for ten speakers or ten thousand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import numpy as np

from .columns import Columns

EPOCH = dt.date(1970, 1, 1)
EVENTS_LISTED = 10


def speaker_page(
    cols: Columns, q: str, role: str | None, page: int, per_page: int
) -> tuple[int, list[dict[str, Any]]]:
    """(speakers matching, the page's records): names containing ``q`` (any case), with at least
    one chunk in ``role`` when given; most chunks first, then by name."""
    codes = cols.single["speaker"]
    chosen = cols.live & (codes >= 0)
    if role:
        chosen &= cols.value_mask("role", [role])
    vocab = cols.vocab["speaker"]
    tally = np.bincount(codes[chosen], minlength=len(vocab.values))
    present = np.flatnonzero(tally)
    folded = q.strip().casefold()
    if folded:
        present = np.array(
            [c for c in present.tolist() if folded in vocab.values[c].casefold()], dtype=np.int64
        )
    names = [vocab.values[c] for c in present.tolist()]
    order = sorted(range(len(present)), key=lambda i: (-int(tally[present[i]]), names[i]))
    start = (page - 1) * per_page
    shown = [int(present[i]) for i in order[start : start + per_page]]
    return len(present), [_record(cols, [code]) for code in shown]


def speaker_record(cols: Columns, name: str) -> dict[str, Any] | None:
    """One person's record (every spelling differing only in case counts as them), or None."""
    codes = [c for c in cols.vocab["speaker"].lookup(name) if c >= 0]
    if not codes:
        return None
    record = _record(cols, codes)
    return record if record["chunks"] else None


def _record(cols: Columns, codes: list[int]) -> dict[str, Any]:
    rows = np.flatnonzero(cols.live & np.isin(cols.single["speaker"], codes))
    names = cols.counts("speaker", rows)
    name = names[0]["value"] if names else cols.vocab["speaker"].values[codes[0]]
    days = cols.date[rows]
    days = days[days >= 0]
    return {
        "name": name,
        "chunks": len(rows),
        "documents": cols.documents(rows),
        "roles": cols.counts("role", rows),
        "first_date": _iso(int(days.min())) if len(days) else None,
        "last_date": _iso(int(days.max())) if len(days) else None,
        "events": cols.counts("event", rows, by_document=True, limit=EVENTS_LISTED),
        "url": "/speakers/" + quote(name, safe=""),
    }


def _iso(day: int) -> str:
    return (EPOCH + dt.timedelta(days=day)).isoformat()
