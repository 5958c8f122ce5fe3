"""Results over time from the date column: day numbers counted with numpy, bucketed by the
shared rules of :mod:`searchsvc.engine.histogram`.

The counting covers every result, not a page: the same day numbers the date filter uses (days
since 1970-01-01, ``-1`` for undated chunks, which are left out) are tallied per distinct day,
so the Python bucketing only ever sees as many entries as there are days with results.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from .. import histogram

EPOCH = dt.date(1970, 1, 1)


def date_histogram(days: np.ndarray, interval: str) -> list[dict[str, Any]]:
    """The buckets of the day numbers ``days`` (one per counted chunk or document)."""
    found, counts = np.unique(days[days >= 0], return_counts=True)
    return histogram.date_histogram(
        (
            (EPOCH + dt.timedelta(days=d), n)
            for d, n in zip(found.tolist(), counts.tolist(), strict=True)
        ),
        interval,
    )


def document_days(dates: np.ndarray, doc_ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One date per document among the chunks ``rows`` (a grouped search counts documents)."""
    _, first = np.unique(doc_ids[rows], return_index=True)
    return dates[rows[first]]
