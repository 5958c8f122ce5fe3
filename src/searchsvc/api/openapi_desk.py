"""The OpenAPI description of what the news desk asks for: results over time, who said it,
related passages, exports and search analytics. ``openapi.build_spec`` folds these paths,
schemas and the ``histogram`` search parameter into the one document served at
``/openapi.json``.
"""

from __future__ import annotations

from typing import Any

from ..analytics import PERCENTILES, TABLES
from ..engine.models import HISTOGRAM_INTERVALS, ROLES
from .analytics import MAX_DAYS, MAX_RANK
from .analytics import MAX_LIMIT as MAX_STATS_LIMIT
from .related import MAX_LIMIT as MAX_RELATED
from .search import NOT_EXPORTED
from .speakers import MAX_NAME, MAX_PAGE, QUOTE_SORTS, QUOTE_WINDOW
from .speakers import MAX_PER_PAGE as MAX_SPEAKERS_PER_PAGE

READ_SECURITY: list[dict[str, list[str]]] = [{}, {"bearer": []}]  # replaced by ``extend``


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def _page_params(
    max_per_page: int, default: int, max_page: int = MAX_PAGE, rule: str = ""
) -> list[dict[str, Any]]:
    """``page`` and ``per_page``; ``rule``: what relates the two (JSON Schema cannot say it)."""
    return [
        _query(
            "page",
            {"type": "integer", "minimum": 1, "maximum": max_page, "default": 1},
            " ".join(filter(None, ("Page.", rule))),
        ),
        _query(
            "per_page",
            {"type": "integer", "minimum": 1, "maximum": max_per_page, "default": default},
            " ".join(filter(None, ("Items per page.", rule))),
        ),
    ]


HISTOGRAM_PARAM = _query(
    "histogram",
    {"type": "string", "enum": list(HISTOGRAM_INTERVALS)},
    "Count the whole result set by document date: year, month, ISO week or day; `auto` picks "
    "the finest that draws at most 60 bars. Answered as `histogram`, oldest first.",
)

_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
_FACET_LIST = {"type": "array", "items": _ref("FacetValue")}
_STATS_ROW = {"type": "object", "additionalProperties": {"type": ["string", "number", "null"]}}


def nullable_rank() -> dict[str, Any]:
    """The hit's 1-based rank; null: not known."""
    return {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_RANK}, {"type": "null"}]}


def schemas() -> dict[str, Any]:
    return {
        "HistogramBucket": {
            "type": "object",
            "required": ["key", "count", "from", "to"],
            "properties": {
                "key": {"type": "string", "description": "2021, 2021-03, 2021-W09 or 2021-03-04."},
                "count": {"type": "integer"},
                "from": {"type": "string", "format": "date", "description": "First day."},
                "to": {"type": "string", "format": "date", "description": "Last day."},
            },
        },
        "Speaker": {
            "type": "object",
            "required": [
                "name",
                "chunks",
                "documents",
                "roles",
                "first_date",
                "last_date",
                "events",
                "url",
            ],
            "properties": {
                "name": {"type": "string"},
                "chunks": {"type": "integer"},
                "documents": {"type": "integer"},
                "roles": _FACET_LIST,
                "first_date": _NULLABLE_DATE,
                "last_date": _NULLABLE_DATE,
                "events": {**_FACET_LIST, "description": "Events, by documents spoken in."},
                "url": {"type": "string", "description": "/speakers/NAME"},
            },
        },
        "SpeakerList": {
            "type": "object",
            "required": ["total", "page", "per_page", "speakers"],
            "properties": {
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "speakers": {"type": "array", "items": _ref("Speaker")},
            },
        },
        "SpeakerQuotes": {
            "type": "object",
            "required": ["speaker", "query", "sort", "total", "page", "per_page", "hits"],
            "properties": {
                "speaker": _ref("Speaker"),
                "query": {"type": "string"},
                "sort": {"type": "string", "enum": list(QUOTE_SORTS)},
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "hits": {"type": "array", "items": _ref("Hit")},
            },
        },
        "Related": {
            "type": "object",
            "required": ["document", "paragraph", "terms", "total", "hits"],
            "properties": {
                "document": {"type": "string"},
                "paragraph": {"type": "integer"},
                "terms": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The paragraph's distinctive terms, best first.",
                },
                "total": {"type": "integer", "description": "Chunks sharing any of the terms."},
                "hits": {"type": "array", "items": _ref("Hit")},
            },
        },
        "Stats": {
            "type": "object",
            "required": ["days", *TABLES],
            "properties": {
                "days": {"type": "integer"},
                **{name: {"type": "array", "items": _STATS_ROW} for name in TABLES},
            },
        },
        "Click": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "q": {"type": "string", "description": "The query the result answered."},
                "id": {"type": "string", "minLength": 1, "description": "The hit's id."},
                "rank": nullable_rank(),
            },
        },
    }


def paths(err: dict[str, Any]) -> dict[str, Any]:
    not_modified = {"description": "Not modified (If-None-Match)."}
    html = {"text/html": {"schema": {"type": "string"}}}
    window = [
        _query("days", {"type": "integer", "minimum": 1, "maximum": MAX_DAYS, "default": 30},
               "The last N days."),
        _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_STATS_LIMIT,
                         "default": 20}, "Rows per table."),
    ]  # fmt: skip
    return {
        "/speakers": {
            "get": {
                "operationId": "speakers",
                "security": READ_SECURITY,
                "summary": "Speakers, most quoted first, with counts, roles, dates and events.",
                "parameters": [
                    _query("q", {"type": "string", "maxLength": MAX_NAME}, "Part of the name."),
                    _query("role", {"type": "string", "enum": list(ROLES)}, "Spoke in this role."),
                    *_page_params(MAX_SPEAKERS_PER_PAGE, 20),
                    _query(
                        "format",
                        {"type": "string", "enum": ["json", "html"]},
                        "html: the speakers page (also when a browser prefers HTML).",
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "Speakers (JSON) or the page (HTML).",
                        "content": {
                            "application/json": {"schema": _ref("SpeakerList")},
                            **html,
                        },
                    },
                    "304": not_modified,
                    "400": err,
                },
            }
        },
        "/speakers/{name}": {
            "get": {
                "operationId": "speaker",
                "security": READ_SECURITY,
                "summary": "One speaker's record and their quotes (matching q when given).",
                "parameters": [
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "maxLength": MAX_NAME},
                        "example": "Xu Nanping",
                    },
                    _query("q", {"type": "string"}, "Only quotes matching this query."),
                    _query(
                        "sort",
                        {"type": "string", "enum": list(QUOTE_SORTS)},
                        "relevance (the default with q) or -date (newest first, without q).",
                    ),
                    *_page_params(
                        MAX_SPEAKERS_PER_PAGE,
                        10,
                        max_page=QUOTE_WINDOW,
                        rule=f"page × per_page must not exceed {QUOTE_WINDOW}.",
                    ),
                    _query(
                        "format",
                        {"type": "string", "enum": ["json", "html"]},
                        "html: the speaker's page.",
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "The record and a page of quotes, or the page (HTML).",
                        "content": {
                            "application/json": {"schema": _ref("SpeakerQuotes")},
                            **html,
                        },
                    },
                    "304": not_modified,
                    "400": err,
                    "404": err,
                },
            }
        },
        "/documents/{doc_id}/related": {
            "get": {
                "operationId": "relatedPassages",
                "security": READ_SECURITY,
                "summary": "Chunks of other documents most like paragraph p (more like this).",
                "parameters": [
                    {
                        "name": "doc_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "example": "000_a2191ec13ae00466",
                    },
                    _query(
                        "p",
                        {"type": "integer", "minimum": 1},
                        "Paragraph number.",
                        required=True,
                        example=1,
                    ),
                    _query(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": MAX_RELATED, "default": 10},
                        "How many hits.",
                    ),
                ],
                "responses": {
                    "200": _json(_ref("Related"), "Related passages, best first."),
                    "304": not_modified,
                    "400": err,
                    "404": err,
                },
            }
        },
        "/analytics/click": {
            "post": {
                "operationId": "analyticsClick",
                "security": READ_SECURITY,
                "summary": "Record which result was opened (the page's beacon; no cookies).",
                "requestBody": {
                    "required": True,
                    "content": {
                        media: {"schema": _ref("Click")}
                        for media in ("application/json", "text/plain")
                    },
                },
                "responses": {
                    "204": {"description": "Recorded (or dropped, with analytics off)."},
                    "400": err,
                    "413": err,
                    "415": err,
                },
            }
        },
        "/stats": {
            "get": {
                "operationId": "stats",
                "security": READ_SECURITY,
                "summary": "Search analytics: top, zero-result and unclicked queries, latency "
                f"percentiles ({', '.join(f'p{p}' for p in PERCENTILES)}), searches per day.",
                "parameters": [
                    *window,
                    _query(
                        "format",
                        {"type": "string", "enum": ["json", "html", "csv"]},
                        "csv: one table (top_queries unless table says); html: the page.",
                    ),
                    _query(
                        "table",
                        {"type": "string", "enum": list(TABLES)},
                        "The table of format=csv.",
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "The reports (JSON), the page (HTML) or one table (CSV).",
                        "content": {
                            "application/json": {"schema": _ref("Stats")},
                            "text/csv": {"schema": {"type": "string"}},
                            **html,
                        },
                    },
                    "400": err,
                    "404": err,
                },
            }
        },
        "/stats/{name}": {
            "get": {
                "operationId": "statsTable",
                "security": READ_SECURITY,
                "summary": "One analytics table as CSV.",
                "parameters": [
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": [f"{t}.csv" for t in TABLES]},
                        "example": "top_queries.csv",
                    },
                    *window,
                ],
                "responses": {
                    "200": {
                        "description": "CSV with a header row.",
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    "400": err,
                    "404": err,
                },
            }
        },
    }


def export_paths(search_parameters: list[dict[str, Any]], err: dict[str, Any]) -> dict[str, Any]:
    """``/search.csv`` and ``/search.ndjson`` take ``/search``'s parameters."""
    out = {}
    for suffix, media, what in (
        ("csv", "text/csv", "CSV, a header row then one row per chunk, with citation columns"),
        ("ndjson", "application/x-ndjson", "One JSON hit (as in /search) per line"),
    ):
        out[f"/search.{suffix}"] = {
            "get": {
                "operationId": f"searchExport{suffix.capitalize()}",
                "security": READ_SECURITY,
                "summary": f"Every matching chunk (up to SEARCHSVC_MAX_EXPORT), streamed: {what}.",
                "description": "`X-Total-Count` is the full total. Other parameters (`page`, "
                "`per_page` among them: there is one page) are ignored.",
                "parameters": [p for p in search_parameters if p["name"] not in NOT_EXPORTED],
                "responses": {
                    "200": {
                        "description": what,
                        "content": {media: {"schema": {"type": "string"}}},
                    },
                    "304": {"description": "Not modified (If-None-Match)."},
                    "400": err,
                },
            }
        }
    return out


def extend(
    spec: dict[str, Any], search_parameters: list[dict[str, Any]], read_security: list
) -> None:
    """Add the desk's paths and schemas to ``spec``, and ``histogram`` to ``/search``; every
    added operation is a read (``read_security``)."""
    err = {"$ref": "#/components/responses/Error"}
    added = {**paths(err), **export_paths(search_parameters, err)}
    quotes = added["/speakers/{name}"]["get"]["parameters"]
    (search_q,) = (p for p in search_parameters if p["name"] == "q")
    for n, param in enumerate(quotes):  # a speaker's quotes are a search: /search's q rules
        if param["name"] == "q":
            quotes[n] = {
                **search_q,
                "description": param["description"] + " " + search_q["description"],
            }
    for item in added.values():
        for op in item.values():
            op["security"] = read_security
    spec["paths"].update(added)
    search = spec["paths"]["/search"]["get"]
    search["parameters"] = [*search["parameters"], HISTOGRAM_PARAM]
    found = spec["components"]["schemas"]
    found.update(schemas())
    found["SearchResponse"]["properties"]["histogram"] = {
        "type": "array",
        "items": _ref("HistogramBucket"),
        "description": "Only when `histogram` was asked for.",
    }
    found["SearchRequest"]["properties"]["histogram"] = HISTOGRAM_PARAM["schema"]
