"""Results over time: the buckets of a date histogram, the same on every backend.

A reporter asks "when did they start saying this?"; the answer is the result set counted by year,
month, ISO week or day. A backend counts its results per day (or per bucket, when it can round
dates itself) and this module turns those counts into the buckets every backend answers with:
from the first non-empty bucket to the last with the empty ones in between (a chart must show the
gaps), each saying which dates it covers so a client can turn a bar into ``date_from``/``date_to``.
``auto`` picks the finest interval that draws at most ``AUTO_BARS`` bars over the dates found.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..errors import InvalidParameter

#: ``auto`` picks the finest interval that draws at most this many bars.
AUTO_BARS = 60
#: More buckets than this is a histogram nobody can read: ask for a coarser interval.
MAX_BUCKETS = 5000


def date_histogram(counted: Iterable[tuple[dt.date, int]], interval: str) -> list[dict[str, Any]]:
    """[{"key", "count", "from", "to"}], oldest first, of ``(day, count)`` pairs (a day may be
    any day of its bucket, and appear more than once). ``interval``: year, month, week, day or
    auto."""
    tally: Counter[dt.date] = Counter()
    for day, n in counted:
        if n:
            tally[day] += n
    if not tally:
        return []
    if interval == "auto":
        interval = auto_interval(min(tally), max(tally))
    per_bucket: Counter[dt.date] = Counter()
    for day, n in tally.items():
        per_bucket[bucket_start(day, interval)] += n
    out: list[dict[str, Any]] = []
    start, last = min(per_bucket), max(per_bucket)
    while start <= last:
        end = _next(start, interval)
        if len(out) >= MAX_BUCKETS:
            raise InvalidParameter(
                f"the histogram would have more than {MAX_BUCKETS} {interval} buckets; "
                "ask for a coarser interval (or histogram=auto)."
            )
        out.append(
            {
                "key": _key(start, interval),
                "count": per_bucket.get(start, 0),
                "from": start.isoformat(),
                "to": (end - dt.timedelta(days=1)).isoformat(),
            }
        )
        start = end
    return out


def auto_interval(first: dt.date, last: dt.date) -> str:
    """The finest interval drawing the days ``first``..``last`` in at most ``AUTO_BARS`` bars."""
    span = (last - first).days + 1
    for interval, length in (("day", 1), ("week", 7), ("month", 30.44)):
        if span / length <= AUTO_BARS:
            return interval
    return "year"


def bucket_start(day: dt.date, interval: str) -> dt.date:
    """The first day of ``day``'s bucket (ISO weeks start on Monday)."""
    if interval == "day":
        return day
    if interval == "week":
        return day - dt.timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return dt.date(day.year, 1, 1)


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
