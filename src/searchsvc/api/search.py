"""/search: parameters → ``SearchRequest`` → ``Engine.search`` → the contract's JSON.

GET reads the query string (what links, the web page and curl use); POST takes the same names
in a JSON object, for clients whose queries or filter lists outgrow a URL (a 1,000-character
query in a non-Latin script is ~9 KB encoded), or an Elasticsearch-style body, which
``es_query.py`` translates into those same names. This module only turns what the client sent
into values of the right type — an integer, a boolean, a string or a list of strings — and
builds the request through :func:`search_request`; every rule on the values (ranges, the result
window, sorts, dates, filters, query limits) is checked once, by the engine, for every caller.
"""

from __future__ import annotations

import re
from typing import Any

import falcon

from ..analytics import Analytics
from ..engine.models import SearchRequest, SearchResult
from ..engine.request import FILTER_FIELDS
from ..engine.service import Engine
from ..errors import InvalidParameter
from .bodies import read_json
from .es_query import es_fields, is_es_body


def record_search(analytics: Analytics, request: SearchRequest, result: SearchResult) -> None:
    """One analytics row for an answered search: what was asked and found, never by whom."""
    filters: dict[str, object] = dict(request.filters)
    for name in ("date_from", "date_to", "group"):
        if getattr(request, name):
            filters[name] = getattr(request, name)
    analytics.record_search(request.q, filters, result.total, result.took_ms, request.page)


MAX_POST_BYTES = 64 * 1024
DEFAULT_PER_PAGE = 10
SCALAR_FIELDS = (
    "q", "page", "per_page", "sort", "group", "date_from", "date_to", "facets", "synonyms",
    "histogram",
)  # fmt: skip
#: Boolean parameters and their defaults.
BOOLEAN_FIELDS = {"facets": True, "synonyms": True}
#: How an integer and a boolean are written in a query string (OpenAPI's serialisation).
_INTEGER = re.compile(r"-?[0-9]+")
_BOOLEANS = {"true": True, "false": False}


def search_request(
    fields: dict[str, Any], *, per_page: int = DEFAULT_PER_PAGE, sort: str = "relevance"
) -> SearchRequest:
    """The one way GET, POST and the Atom feed build a request: absent (None) fields take their
    defaults, filters are the fields named like filters."""
    filters = {name: fields[name] for name in FILTER_FIELDS if fields.get(name) is not None}
    return SearchRequest(
        q=fields.get("q") or "",
        filters=filters,
        date_from=fields.get("date_from"),
        date_to=fields.get("date_to"),
        page=_default(fields.get("page"), 1),
        per_page=_default(fields.get("per_page"), per_page),
        sort=_default(fields.get("sort"), sort),
        group=fields.get("group"),
        facets=_default(fields.get("facets"), True),
        synonyms=_default(fields.get("synonyms"), True),
        histogram=fields.get("histogram"),
    )


def _default(value: Any, default: Any) -> Any:
    return default if value is None else value


#: What an export of every hit has no use for: it reads them as unknown parameters (ignored).
NOT_EXPORTED = frozenset({"page", "per_page", "histogram"})


def parse_query_string(
    req: falcon.Request,
    *,
    per_page: int = DEFAULT_PER_PAGE,
    sort: str = "relevance",
    export: bool = False,
) -> SearchRequest:
    """GET: unknown parameters are ignored (cache busters, tracking tags). A parameter sent once
    with an empty value is an absent one (web forms send them, OpenAPI's ``allowEmptyValue``);
    filters are kept whole, blanks included, and checked value by value by the engine (which
    ignores blank ones, but a blank is not a year); a repeated single-valued parameter is
    refused. ``export``: the parameters of ``NOT_EXPORTED`` are unknown ones."""
    raw = falcon.uri.parse_query_string(req.query_string, keep_blank=True, csv=False)
    if export:
        raw = {name: value for name, value in raw.items() if name not in NOT_EXPORTED}
    fields: dict[str, Any] = {
        name: _scalar(raw, name)
        for name in ("q", "sort", "group", "date_from", "date_to", "histogram")
    }
    for name in ("page", "per_page"):
        fields[name] = _query_int(name, _scalar(raw, name))
    for name in BOOLEAN_FIELDS:
        fields[name] = _query_bool(name, _scalar(raw, name))
    for name in FILTER_FIELDS:
        value = raw.get(name)
        fields[name] = [value] if isinstance(value, str) else value
    return search_request(fields, per_page=per_page, sort=sort)


def query_int(
    req: falcon.Request,
    name: str,
    default: int | None,
    min_value: int,
    max_value: int | None = None,
) -> int | None:
    """One integer query parameter, read as strictly as /search reads its own: digits only, once,
    within ``min_value``..``max_value``; absent or empty means ``default``."""
    raw = falcon.uri.parse_query_string(req.query_string, keep_blank=True, csv=False)
    value = _query_int(name, _scalar(raw, name))
    if value is None:
        return default
    if value < min_value or (max_value is not None and value > max_value):
        top = f"..{max_value}" if max_value is not None else " or more"
        raise InvalidParameter(f"{name} must be {min_value}{top}; got {value}.")
    return value


def _scalar(raw: dict[str, str | list[str]], name: str) -> str | None:
    """The parameter's value; None when absent or empty."""
    value = raw.get(name)
    if isinstance(value, list):
        raise InvalidParameter(f"{name} takes one value; it was given {len(value)}.")
    return value or None


def _query_int(name: str, raw: str | None) -> int | None:
    if raw is not None and not _INTEGER.fullmatch(raw):
        raise InvalidParameter(f"{name} must be an integer; got {raw[:20]!r}.")
    return None if raw is None else int(raw)


def _query_bool(name: str, raw: str | None) -> bool | None:
    if raw is not None and raw not in _BOOLEANS:
        raise InvalidParameter(f"{name} must be true or false; got {raw[:20]!r}.")
    return None if raw is None else _BOOLEANS[raw]


def parse_json_body(body: Any) -> SearchRequest:
    """POST: GET's names as JSON fields (null means absent), or an Elasticsearch-style body.
    Unknown fields are refused so typos are not silent."""
    if not isinstance(body, dict):
        raise InvalidParameter("the body must be a JSON object of search parameters.")
    if is_es_body(body):
        body = es_fields(body)
    unknown = sorted(set(body) - set(SCALAR_FIELDS) - set(FILTER_FIELDS))
    if unknown:
        raise InvalidParameter(f"unknown search field(s): {', '.join(unknown)[:200]}.")
    fields: dict[str, Any] = {}
    for name in ("q", "sort", "group", "date_from", "date_to", "histogram"):
        fields[name] = _json_typed(body, name, str, "a string")
    for name in ("page", "per_page"):
        fields[name] = _json_int(body, name)
    for name in BOOLEAN_FIELDS:
        fields[name] = _json_typed(body, name, bool, "true or false")
    for name in FILTER_FIELDS:
        value = body.get(name)
        if isinstance(value, str):
            value = [value]
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            raise InvalidParameter(f"{name} must be a string or a list of strings.")
        fields[name] = value
    return search_request(fields)


def _json_typed(body: dict[str, Any], name: str, kind: type, what: str) -> Any:
    value = body.get(name)
    if value is not None and not isinstance(value, kind):
        raise InvalidParameter(f"{name} must be {what}.")
    return value


def _json_int(body: dict[str, Any], name: str) -> int | None:
    """An integer; ``2.0`` is one too, as JSON Schema counts it."""
    value = body.get(name)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidParameter(f"{name} must be an integer.")
    return value


class SearchResource:
    """``GET`` and ``POST /search``."""

    index_backed = True  # ETag from the index generation applies (see middleware)

    def __init__(self, engine: Engine, analytics: Analytics | None = None):
        self.engine = engine
        self.analytics = analytics

    def _answer(self, resp: falcon.Response, request: SearchRequest) -> None:
        result = self.engine.search(request)
        resp.media = result.as_dict()
        if self.analytics is not None:
            record_search(self.analytics, request, result)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Search chunks; empty ``q`` with filters lists matching chunks by date."""
        self._answer(resp, parse_query_string(req))

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The same search with parameters in a JSON body (GET's names, or Elasticsearch style);
        answers exactly like GET."""
        body = read_json(req, MAX_POST_BYTES, "a search")
        self._answer(resp, parse_json_body(body))
