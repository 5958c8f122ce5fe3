"""Who said it, counted from the facet columns (the rules: :mod:`searchsvc.engine.speakers`).

A speaker's record is a handful of numpy reductions over the chunks whose ``speaker`` code is
theirs. Listing speakers is one ``bincount`` over the speaker column; only the page of speakers
shown gets a full record, so the list costs the same for ten speakers or ten thousand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from ..speakers import EVENTS_LISTED, page_of_speakers, speaker_record
from .columns import Columns

EPOCH = dt.date(1970, 1, 1)


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
    present = np.flatnonzero(tally).tolist()
    total, names = page_of_speakers(
        {vocab.values[c]: int(tally[c]) for c in present}, q, page, per_page
    )
    code_of = {vocab.values[c]: c for c in present}
    return total, [_record(cols, [code_of[n]]) for n in names]


def record_of(cols: Columns, name: str) -> dict[str, Any] | None:
    """One person's record (every spelling differing only in case counts as them), or None."""
    codes = [c for c in cols.vocab["speaker"].lookup(name) if c >= 0]
    if not codes:
        return None
    record = _record(cols, codes)
    return record if record["chunks"] else None


def _record(cols: Columns, codes: list[int]) -> dict[str, Any]:
    rows = np.flatnonzero(cols.live & np.isin(cols.single["speaker"], codes))
    names = cols.counts("speaker", rows)
    days = cols.date[rows]
    days = days[days >= 0]
    return speaker_record(
        name=names[0]["value"] if names else cols.vocab["speaker"].values[codes[0]],
        chunks=len(rows),
        documents=cols.documents(rows),
        roles=cols.counts("role", rows),
        first_date=_iso(int(days.min())) if len(days) else None,
        last_date=_iso(int(days.max())) if len(days) else None,
        events=cols.counts("event", rows, by_document=True, limit=EVENTS_LISTED),
    )


def _iso(day: int) -> str:
    return (EPOCH + dt.timedelta(days=day)).isoformat()
