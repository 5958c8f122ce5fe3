"""Search analytics, privacy first: what was searched and found, never who searched.

Editors ask what people search for and do not find. Each search leaves one row — the query
normalised (case-folded, spaces collapsed), its filters, how many results, how long it took,
when — and each opened result one more; nothing identifies the client (no address, key, user
agent or cookie is ever passed in here). Rows older than the retention are deleted.

The store is one SQLite file in WAL mode, so every gunicorn worker writes to it while the
others read, and it survives restarts. Each process opens its own connection on first use
(after the fork), in autocommit: a search costs one short ``INSERT`` transaction. Recording
never fails a search: a locked or broken file is logged and the row dropped.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("searchsvc.analytics")

MAX_QUERY_CHARS = 1000
PRUNE_EVERY = 3600.0  # seconds between retention sweeps, per process
BUSY_TIMEOUT = 0.5  # seconds an insert waits for another worker's write before it is dropped
PERCENTILES = (50, 90, 95, 99)
#: The reports of ``/stats``, each also a CSV table.
TABLES = ("top_queries", "zero_result_queries", "no_click_queries", "latency", "searches_per_day")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    ts REAL NOT NULL, day TEXT NOT NULL, query TEXT NOT NULL, filters TEXT NOT NULL,
    total INTEGER NOT NULL, latency_ms REAL NOT NULL, page INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS searches_ts ON searches (ts);
CREATE TABLE IF NOT EXISTS clicks (
    ts REAL NOT NULL, query TEXT NOT NULL, hit TEXT NOT NULL, rank INTEGER
);
CREATE INDEX IF NOT EXISTS clicks_ts ON clicks (ts);
"""


def normalise(query: str) -> str:
    """The form queries are counted under: ``Vaccine  Trial`` and ``vaccine trial`` are one."""
    return " ".join((query or "").casefold().split())[:MAX_QUERY_CHARS]


class Analytics:
    """The analytics file of one index; safe to share between threads of a process."""

    def __init__(self, path: Path, retention_days: int):
        self.path = Path(path)
        self.retention_days = retention_days
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._lock = threading.Lock()
        self._pruned = 0.0

    # --- the connection ----------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # never share one across a fork
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, fast inserts
            conn.executescript(_SCHEMA)
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _write(self, sql: str, args: tuple) -> None:
        try:
            with self._lock:
                conn = self._connection()
                conn.execute(sql, args)
                now = time.time()
                if now - self._pruned > PRUNE_EVERY:
                    self._pruned = now
                    cutoff = now - self.retention_days * 86400
                    conn.execute("DELETE FROM searches WHERE ts < ?", (cutoff,))
                    conn.execute("DELETE FROM clicks WHERE ts < ?", (cutoff,))
        except sqlite3.Error as exc:
            log.warning("analytics row dropped: %s", exc)

    # --- recording ---------------------------------------------------------------------------
    def record_search(
        self,
        query: str,
        filters: dict[str, Any],
        total: int,
        latency_ms: float,
        page: int = 1,
        when: float | None = None,
    ) -> None:
        when = time.time() if when is None else when
        day = time.strftime("%Y-%m-%d", time.gmtime(when))
        kept = {k: v for k, v in filters.items() if v}
        self._write(
            "INSERT INTO searches VALUES (?, ?, ?, ?, ?, ?, ?)",
            (when, day, normalise(query), json.dumps(kept, sort_keys=True, ensure_ascii=False),
             int(total), round(float(latency_ms), 3), int(page)),
        )  # fmt: skip

    def record_click(
        self, query: str, hit: str, rank: int | None, when: float | None = None
    ) -> None:
        when = time.time() if when is None else when
        self._write(
            "INSERT INTO clicks VALUES (?, ?, ?, ?)", (when, normalise(query), hit[:300], rank)
        )

    # --- reporting ---------------------------------------------------------------------------
    def report(self, days: int = 30, limit: int = 20) -> dict[str, Any]:
        """Every table of ``TABLES`` over the last ``days`` days."""
        out: dict[str, Any] = {"days": days}
        for name in TABLES:
            out[name] = self.table(name, days, limit)
        return out

    def table(self, name: str, days: int = 30, limit: int = 20) -> list[dict[str, Any]]:
        since = time.time() - days * 86400
        with self._lock:
            conn = self._connection()
            if name == "latency":
                rows = conn.execute(
                    "SELECT latency_ms FROM searches WHERE ts >= ?", (since,)
                ).fetchall()
                return _latency([r[0] for r in rows])
            sql, args = _QUERIES[name]
            cursor = conn.execute(sql, tuple(since if a == "since" else limit for a in args))
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# First pages only: paging through one question is still one question.
_QUERIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "top_queries": (
        "SELECT query, COUNT(*) AS searches, CAST(ROUND(AVG(total)) AS INTEGER) AS results "
        "FROM searches WHERE ts >= ? AND page = 1 AND query != '' "
        "GROUP BY query ORDER BY searches DESC, query LIMIT ?",
        ("since", "limit"),
    ),
    "zero_result_queries": (
        "SELECT query, COUNT(*) AS searches FROM searches "
        "WHERE ts >= ? AND page = 1 AND total = 0 AND query != '' "
        "GROUP BY query ORDER BY searches DESC, query LIMIT ?",
        ("since", "limit"),
    ),
    "no_click_queries": (
        "SELECT query, COUNT(*) AS searches FROM searches "
        "WHERE ts >= ? AND page = 1 AND total > 0 AND query != '' "
        "AND query NOT IN (SELECT query FROM clicks WHERE ts >= ?) "
        "GROUP BY query ORDER BY searches DESC, query LIMIT ?",
        ("since", "since", "limit"),
    ),
    "searches_per_day": (
        "SELECT day, COUNT(*) AS searches, SUM(total = 0) AS zero_results FROM searches "
        "WHERE ts >= ? GROUP BY day ORDER BY day",
        ("since",),
    ),
}


def _latency(values: list[float]) -> list[dict[str, Any]]:
    """One row per percentile (ms), over every search in the window."""
    if not values:
        return [{"percentile": p, "ms": None} for p in PERCENTILES]
    found = np.percentile(np.asarray(values, dtype=np.float64), PERCENTILES)
    return [
        {"percentile": p, "ms": round(float(v), 2)} for p, v in zip(PERCENTILES, found, strict=True)
    ]
