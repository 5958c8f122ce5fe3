"""Search analytics over HTTP: the page's click beacon, and ``/stats`` for editors.

``POST /analytics/click`` takes ``{"q", "id", "rank"}`` from the page's ``navigator.sendBeacon``
when a result is opened (sent as ``text/plain`` or JSON; no cookies, nothing about the client is
kept) and answers 204. ``GET /stats`` reports top queries, queries that found nothing, queries
whose results nobody opened, latency percentiles and searches per day over ``days`` (1–3660,
30); a browser gets the ``/stats`` page (``web/stats.html``). Each table is also CSV:
``/stats/top_queries.csv`` or ``/stats?table=top_queries&format=csv``. ``/stats`` is a read: it
needs a read key when keys are configured. With analytics off every ``/stats`` answer is
``404 analytics_disabled`` and clicks are accepted and dropped.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import falcon

from ..analytics import TABLES, Analytics
from ..errors import AnalyticsOff, InvalidParameter
from .bodies import parse_json, read_body, require_type
from .export import safe_cell
from .html import WEB_DIR
from .search import query_int
from .static import NotFound, serve_file

MAX_CLICK_BYTES = 4096
#: A hit's rank is 1-based; this bound keeps it a number the analytics store can hold.
MAX_RANK = 2**31 - 1
MAX_DAYS = 3660
MAX_LIMIT = 1000
FORMATS = ("json", "html", "csv")


class ClickResource:
    """Reads scope: anyone who may search may say what they opened."""

    def __init__(self, analytics: Analytics | None):
        self.analytics = analytics

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Record one opened result."""
        require_type(req, ("text/plain", "application/json"), "a click")
        body = parse_json(read_body(req, MAX_CLICK_BYTES, "a click"))
        if not isinstance(body, dict):
            raise InvalidParameter('a click is a JSON object {"q", "id", "rank"}.')
        q, hit, rank = body.get("q", ""), body.get("id"), body.get("rank")
        if isinstance(rank, float) and rank.is_integer():
            rank = int(rank)  # 3.0 is the integer 3, as JSON Schema counts
        if not isinstance(q, str) or not isinstance(hit, str) or not hit:
            raise InvalidParameter("a click needs id (the hit's id) and q, both strings.")
        if rank is not None and (
            isinstance(rank, bool) or not isinstance(rank, int) or not 1 <= rank <= MAX_RANK
        ):
            raise InvalidParameter(f"rank must be an integer, 1..{MAX_RANK}.")
        if self.analytics is not None:
            self.analytics.record_click(q, hit, rank)
        resp.status = falcon.HTTP_204


def _window(req: falcon.Request) -> tuple[int, int]:
    return query_int(req, "days", 30, 1, MAX_DAYS), query_int(req, "limit", 20, 1, MAX_LIMIT)


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if rows:
        writer.writerow(rows[0].keys())
        writer.writerows([safe_cell(v) for v in row.values()] for row in rows)
    return buffer.getvalue()


def _send_csv(resp: falcon.Response, name: str, rows: list[dict[str, Any]]) -> None:
    resp.content_type = "text/csv; charset=utf-8"
    resp.downloadable_as = f"{name}.csv"
    resp.text = _csv(rows)
    resp.cache_control = ["no-store"]


class StatsResource:
    def __init__(self, analytics: Analytics | None):
        self.analytics = analytics

    def _store(self) -> Analytics:
        if self.analytics is None:
            raise AnalyticsOff("search analytics are off (SEARCHSVC_ANALYTICS=false).")
        return self.analytics

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Every report as JSON, the page for a browser, or one ``table`` as CSV."""
        store = self._store()
        resp.vary = ["Accept"]
        fmt = req.get_param("format")
        if fmt is not None and fmt not in FORMATS:
            raise InvalidParameter(f"format must be one of {', '.join(FORMATS)}; got {fmt[:20]!r}.")
        # Every parameter is checked whatever the format, so a bad link is told so on any.
        days, limit = _window(req)
        table = req.get_param("table") or "top_queries"
        if table not in TABLES:
            raise InvalidParameter(f"table must be one of {', '.join(TABLES)}.")
        if fmt is None:
            preferred = req.client_prefers([falcon.MEDIA_JSON, falcon.MEDIA_HTML])
            fmt = "html" if preferred == falcon.MEDIA_HTML else "json"
        if fmt == "html":
            return serve_file(resp, WEB_DIR / "stats.html", ["no-cache"])
        if fmt == "csv":
            return _send_csv(resp, table, store.table(table, days, limit))
        resp.media = store.report(days, limit)
        resp.cache_control = ["no-store"]


class StatsTableResource(StatsResource):
    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:  # type: ignore[override]
        """``/stats/{table}.csv``: one report as CSV."""
        store = self._store()
        table = name.removesuffix(".csv")
        if not name.endswith(".csv") or table not in TABLES:
            raise NotFound(f"no such table: {name[:60]}; tables are {', '.join(TABLES)} (.csv).")
        days, limit = _window(req)
        _send_csv(resp, table, store.table(table, days, limit))
