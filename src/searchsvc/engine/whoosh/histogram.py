"""Results over time: a date histogram of a whole result set, from the date column.

A reporter asks "when did they start saying this?"; the answer is the result set counted by year,
month, ISO week or day. The counting is numpy over the same day numbers the date filter uses
(days since 1970-01-01, ``-1`` for undated chunks, which are left out), so it covers every
result, not a page. Buckets run from the first non-empty one to the last with the empty ones in
between (a chart must show the gaps), and each says which dates it covers so a client can turn a
bar into ``date_from``/``date_to``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from ...errors import InvalidParameter

EPOCH = dt.date(1970, 1, 1)
#: ``auto`` picks the finest interval that draws at most this many bars.
AUTO_BARS = 60
#: More buckets than this is a histogram nobody can read: ask for a coarser interval.
MAX_BUCKETS = 5000


def date_histogram(days: np.ndarray, interval: str) -> list[dict[str, Any]]:
    """[{"key", "count", "from", "to"}] of the day numbers ``days`` (one per counted chunk or
    document), oldest first. ``interval``: year, month, week, day or auto."""
    days = days[days >= 0]
    if not len(days):
        return []
    if interval == "auto":
        interval = _auto(int(days.min()), int(days.max()))
    starts = _bucket_starts(days, interval)
    first, last = int(starts.min()), int(starts.max())
    keys, tally = np.unique(starts, return_counts=True)
    counts = dict(zip(keys.tolist(), tally.tolist(), strict=True))
    out: list[dict[str, Any]] = []
    start = _day(first)
    while start <= _day(last):
        end = _next(start, interval)
        if len(out) >= MAX_BUCKETS:
            raise InvalidParameter(
                f"the histogram would have more than {MAX_BUCKETS} {interval} buckets; "
                "ask for a coarser interval (or histogram=auto)."
            )
        out.append(
            {
                "key": _key(start, interval),
                "count": counts.get((start - EPOCH).days, 0),
                "from": start.isoformat(),
                "to": (end - dt.timedelta(days=1)).isoformat(),
            }
        )
        start = end
    return out


def _auto(lo: int, hi: int) -> str:
    span = hi - lo + 1
    for interval, length in (("day", 1), ("week", 7), ("month", 30.44)):
        if span / length <= AUTO_BARS:
            return interval
    return "year"


def _bucket_starts(days: np.ndarray, interval: str) -> np.ndarray:
    """The day number of the first day of each day's bucket."""
    days = days.astype(np.int64)
    if interval == "day":
        return days
    if interval == "week":  # 1970-01-01 was a Thursday; ISO weeks start on Monday
        return (days + 3) // 7 * 7 - 3
    unit = "M" if interval == "month" else "Y"
    coarse = days.astype("datetime64[D]").astype(f"datetime64[{unit}]")
    return coarse.astype("datetime64[D]").astype(np.int64)


def _day(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=n)


def _next(start: dt.date, interval: str) -> dt.date:
    if interval == "day":
        return start + dt.timedelta(days=1)
    if interval == "week":
        return start + dt.timedelta(days=7)
    if interval == "month":
        return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return dt.date(start.year + 1, 1, 1)


def _key(start: dt.date, interval: str) -> str:
    if interval == "year":
        return f"{start.year:04d}"
    if interval == "month":
        return f"{start.year:04d}-{start.month:02d}"
    if interval == "week":
        year, week, _ = start.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return start.isoformat()


def document_days(dates: np.ndarray, doc_ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One date per document among the chunks ``rows`` (a grouped search counts documents)."""
    _, first = np.unique(doc_ids[rows], return_index=True)
    return dates[rows[first]]
