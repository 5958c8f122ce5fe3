"""/search: parameters → ``SearchRequest`` → ``Engine.search`` → the contract's JSON.

GET reads the query string (what links, the web page and curl use); POST takes the same names
in a JSON object, for clients whose queries or filter lists outgrow a URL (a 1,000-character
query in a non-Latin script is ~9 KB encoded). Both become one ``SearchRequest`` through
``build_search_request``, so validation cannot drift between them: GET's integers and ranges come
from Falcon's ``get_param_as_int(min_value=, max_value=)``, POST's from the JSON types, and the
cross-field rules (length, result window, enumerations, date order, filters) are shared. Every
rejection is a ``falcon.HTTPInvalidParam`` or a ``SearchsvcError`` and becomes a 400.

POST also takes an Elasticsearch-style body (``{"query": {...}, "from": 0, "size": 10}``) so CMS
search-provider plug-ins written for ES-style backends work with little glue; a body is ES style
when it has any of ``ES_KEYS``. ``parse_es_body`` maps it onto the same builder (see its docstring
for what is understood); the answer is the same JSON as GET, not ES's ``hits.hits``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import falcon

from ..analytics import Analytics
from ..config import Settings
from ..engine.models import (
    EXTRA_FACETS,
    FACETS,
    HISTOGRAM_INTERVALS,
    SORTS,
    SearchRequest,
    SearchResult,
)
from ..engine.service import Engine
from ..errors import InvalidParameter, QueryTooLong
from .bodies import read_json


def record_search(analytics: Analytics, request: SearchRequest, result: SearchResult) -> None:
    """One analytics row for an answered search: what was asked and found, never by whom."""
    filters: dict[str, object] = dict(request.filters)
    for name in ("date_from", "date_to", "group"):
        if getattr(request, name):
            filters[name] = getattr(request, name)
    analytics.record_search(request.q, filters, result.total, result.took_ms, request.page)


#: Filters accepted as repeatable parameters: OR within one name, AND across names.
FILTER_PARAMS: tuple[str, ...] = FACETS + EXTRA_FACETS
GROUPS = ("document",)
MAX_PER_PAGE = 100
MAX_FILTER_VALUES = 50
MAX_FILTER_LENGTH = 200
MAX_POST_BYTES = 64 * 1024
SCALAR_FIELDS = (
    "q", "page", "per_page", "sort", "group", "date_from", "date_to", "facets", "histogram"
)  # fmt: skip
_YEAR = re.compile(r"^\d{4}$")


def build_search_request(
    settings: Settings,
    *,
    q: str | None,
    page: int,
    per_page: int,
    sort: str | None,
    group: str | None,
    date_from: date | None,
    date_to: date | None,
    filters: dict[str, list[str]],
    facets: bool,
    histogram: str | None = None,
) -> SearchRequest:
    """The checks GET and POST share, on values already parsed to their types."""
    q = (q or "").strip()
    if len(q) > settings.max_query_length:
        raise QueryTooLong(
            f"q is {len(q)} characters long; the limit is {settings.max_query_length}."
        )
    if page * per_page > settings.max_result_window:
        raise InvalidParameter(
            f"page × per_page must not exceed {settings.max_result_window}; "
            "narrow the query instead of paging this deep."
        )
    sort = sort or "relevance"
    if sort not in SORTS:
        raise InvalidParameter(f"sort must be one of {', '.join(SORTS)}; got {sort[:40]!r}.")
    group = group or None
    if group is not None and group not in GROUPS:
        raise InvalidParameter(f"group must be 'document'; got {group[:40]!r}.")
    if date_from and date_to and date_from > date_to:
        raise InvalidParameter("date_from must not be after date_to.")
    histogram = histogram or None
    if histogram is not None and histogram not in HISTOGRAM_INTERVALS:
        raise InvalidParameter(
            f"histogram must be one of {', '.join(HISTOGRAM_INTERVALS)}; got {histogram[:40]!r}."
        )
    return SearchRequest(
        q=q,
        filters=_clean_filters(filters),
        date_from=date_from.isoformat() if date_from else None,
        date_to=date_to.isoformat() if date_to else None,
        page=page,
        per_page=per_page,
        sort=sort,
        group=group,
        facets=facets,
        histogram=histogram,
    )


def _clean_filters(raw: dict[str, list[str]]) -> dict[str, list[str]]:
    """Blanks dropped, duplicates removed in order, sizes bounded, years checked."""
    filters: dict[str, list[str]] = {}
    for name in FILTER_PARAMS:
        values = [v.strip() for v in raw.get(name) or [] if v and v.strip()]
        if not values:
            continue
        if len(values) > MAX_FILTER_VALUES:
            raise InvalidParameter(f"at most {MAX_FILTER_VALUES} values of {name} are accepted.")
        for value in values:
            if len(value) > MAX_FILTER_LENGTH:
                raise InvalidParameter(f"{name} values are at most {MAX_FILTER_LENGTH} characters.")
            if name == "year" and not _YEAR.match(value):
                raise InvalidParameter(f"year must be a four-digit year; got {value[:20]!r}.")
        filters[name] = list(dict.fromkeys(values))
    return filters


def parse_query_string(req: falcon.Request, settings: Settings) -> SearchRequest:
    """GET: unknown parameters are ignored (cache busters, tracking tags)."""
    return build_search_request(
        settings,
        q=req.get_param("q"),
        page=req.get_param_as_int("page", min_value=1, default=1),
        per_page=req.get_param_as_int("per_page", min_value=1, max_value=MAX_PER_PAGE, default=10),
        sort=req.get_param("sort"),
        group=req.get_param("group"),
        date_from=req.get_param_as_date("date_from"),
        date_to=req.get_param_as_date("date_to"),
        filters={name: req.get_param_as_list(name) or [] for name in FILTER_PARAMS},
        facets=req.get_param_as_bool("facets", default=True),
        histogram=req.get_param("histogram"),
    )


def parse_json_body(body: Any, settings: Settings) -> SearchRequest:
    """POST: the GET names as JSON fields; unknown fields are refused so typos are not silent."""
    if not isinstance(body, dict):
        raise InvalidParameter("the body must be a JSON object of search parameters.")
    unknown = sorted(set(body) - set(SCALAR_FIELDS) - set(FILTER_PARAMS))
    if unknown:
        raise InvalidParameter(f"unknown search field(s): {', '.join(unknown)[:200]}.")
    filters: dict[str, list[str]] = {}
    for name in FILTER_PARAMS:
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidParameter(f"{name} must be a string or a list of strings.")
        filters[name] = value
    facets = body.get("facets", True)
    if not isinstance(facets, bool):
        raise InvalidParameter("facets must be true or false.")
    return build_search_request(
        settings,
        q=_json_str(body, "q"),
        page=_json_int(body, "page", 1, 1, None),
        per_page=_json_int(body, "per_page", 10, 1, MAX_PER_PAGE),
        sort=_json_str(body, "sort"),
        group=_json_str(body, "group"),
        date_from=_json_date(body, "date_from"),
        date_to=_json_date(body, "date_to"),
        filters=filters,
        facets=facets,
        histogram=_json_str(body, "histogram"),
    )


def _json_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidParameter(f"{name} must be a string.")
    return value


def _json_int(body: dict[str, Any], name: str, default: int, low: int, high: int | None) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameter(f"{name} must be an integer.")
    if value < low or (high is not None and value > high):
        bounds = f"{low}..{high}" if high is not None else f"at least {low}"
        raise InvalidParameter(f"{name} must be {bounds}; got {value}.")
    return value


def _json_date(body: dict[str, Any], name: str) -> date | None:
    value = _json_str(body, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidParameter(
            f"{name} must be an ISO date (YYYY-MM-DD); got {value[:20]!r}."
        ) from None


#: Keys that make a POST body Elasticsearch style (the GET-names style has none of them).
ES_KEYS = frozenset({"query", "from", "size", "post_filter", "filter"})
#: ES request keys accepted and ignored: totals are always exact and hits always highlighted.
ES_IGNORED = frozenset({"track_total_hits", "_source", "highlight", "timeout"})
ES_OWN = frozenset({"sort", "group", "facets", "histogram"})
#: ES field names that mean the document date.
ES_DATE_FIELDS = frozenset({"date", "versioncreated", "firstcreated"})
#: Text queries whose field is ignored: the text is searched like ``q`` (all text fields).
ES_TEXT_QUERIES = frozenset({"query_string", "simple_query_string", "multi_match"})
MAX_ES_DEPTH = 4


class _ESQuery:
    """What the clauses of an ES body add up to."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.filters: dict[str, list[str]] = {}
        self.date_from: date | None = None
        self.date_to: date | None = None


def parse_es_body(body: dict[str, Any], settings: Settings) -> SearchRequest:
    """An Elasticsearch-style search body → ``SearchRequest``.

    Understood: ``query`` with ``query_string``/``simple_query_string``/``multi_match``/``match``
    (their text becomes ``q``; ``match`` on a facet field such as ``speaker`` is a filter),
    ``match_phrase`` (a quoted phrase), ``match_all``, ``term``/``terms`` on a facet field
    (speaker, role, source, kind, event, year, person, organisation, subject, place; a ``.keyword``
    suffix is dropped), ``range`` on ``date`` (or ``versioncreated``/``firstcreated``), and
    ``bool`` with ``must`` and ``filter`` of those; ``post_filter``/``filter`` likewise. Several
    text clauses are ANDed; several values of one field are ORed, as in GET. ``sort``: ``_score``,
    ``date`` (asc/desc) or our own ``relevance``/``date``/``-date``. Paging: ``size`` is
    ``per_page`` (1..100, default 10) and ``from`` must be a multiple of it (page = from / size + 1);
    anything else is a 400 rather than a silently shifted page. Unknown keys are refused.
    """
    unknown = sorted(set(body) - ES_KEYS - ES_IGNORED - ES_OWN)
    if unknown:
        raise InvalidParameter(f"unsupported search field(s): {', '.join(unknown)[:200]}.")
    acc = _ESQuery()
    for key in ("query", "post_filter", "filter"):
        if body.get(key) is not None:
            _es_clause(body[key], acc, key, 0)
    size = _json_int(body, "size", 10, 1, MAX_PER_PAGE)
    start = _json_int(body, "from", 0, 0, None)
    if start % size:
        raise InvalidParameter(
            f"from must be a multiple of size (pages are whole): from={start}, size={size}."
        )
    facets = body.get("facets", True)
    if not isinstance(facets, bool):
        raise InvalidParameter("facets must be true or false.")
    return build_search_request(
        settings,
        q=" ".join(acc.words),
        page=start // size + 1,
        per_page=size,
        sort=_es_sort(body.get("sort")),
        group=_json_str(body, "group"),
        date_from=acc.date_from,
        date_to=acc.date_to,
        filters=acc.filters,
        facets=facets,
        histogram=_json_str(body, "histogram"),
    )


def _es_clause(clause: Any, acc: _ESQuery, where: str, depth: int) -> None:
    if isinstance(clause, list):
        for item in clause:
            _es_clause(item, acc, where, depth)
        return
    if not isinstance(clause, dict) or len(clause) != 1:
        raise InvalidParameter(f"{where} must be an object with exactly one query type.")
    ((kind, spec),) = clause.items()
    where = f"{where}.{kind}"
    if kind == "match_all":
        return
    if kind == "bool":
        if depth >= MAX_ES_DEPTH or not isinstance(spec, dict):
            raise InvalidParameter(f"{where} must be an object (nested at most {MAX_ES_DEPTH}).")
        extra = sorted(set(spec) - {"must", "filter"})
        if extra:
            raise InvalidParameter(
                f"{where} supports must and filter only, not {', '.join(extra)[:80]}; "
                "write OR / NOT inside a query_string instead."
            )
        for part in ("must", "filter"):
            if spec.get(part) is not None:
                _es_clause(spec[part], acc, f"{where}.{part}", depth + 1)
        return
    if kind in ES_TEXT_QUERIES:
        text = spec.get("query") if isinstance(spec, dict) else None
        if not isinstance(text, str):
            raise InvalidParameter(f"{where}.query must be a string.")
        acc.words.append(text)
        return
    if kind in ("match", "match_phrase", "term", "terms", "range"):
        if not isinstance(spec, dict) or len(spec) != 1:
            raise InvalidParameter(f"{where} must name exactly one field.")
        ((field, value),) = spec.items()
        _es_field_clause(kind, str(field), value, acc, f"{where}.{field}")
        return
    raise InvalidParameter(f"unsupported query type {kind[:40]!r} in {where[:80]}.")


def _es_field_clause(kind: str, field: str, value: Any, acc: _ESQuery, where: str) -> None:
    name = field.removesuffix(".keyword").removesuffix(".name")
    if kind == "range":
        if name not in ES_DATE_FIELDS or not isinstance(value, dict):
            raise InvalidParameter(f"{where}: range works on date only, as {{gte, lte}}.")
        for bound, raw in value.items():
            day = _es_date(raw, where)
            if bound in ("gte", "from"):
                acc.date_from = max(filter(None, (acc.date_from, day)))
            elif bound == "gt":
                acc.date_from = max(filter(None, (acc.date_from, _shift(day, 1))))
            elif bound in ("lte", "to"):
                acc.date_to = min(filter(None, (acc.date_to, day)))
            elif bound == "lt":
                acc.date_to = min(filter(None, (acc.date_to, _shift(day, -1))))
            elif bound not in ("format", "time_zone"):
                raise InvalidParameter(f"{where}: unknown range bound {str(bound)[:20]!r}.")
        return
    if isinstance(value, dict):  # {"query": "..."} / {"value": "..."}
        value = value.get("query", value.get("value"))
    if kind in ("match", "match_phrase") and name not in FILTER_PARAMS:
        if not isinstance(value, str):
            raise InvalidParameter(f"{where} must be a string.")
        if kind == "match_phrase":
            value = '"' + value.replace('"', " ").strip() + '"'
        acc.words.append(value)
        return
    if name not in FILTER_PARAMS:
        raise InvalidParameter(
            f"{where}: filters work on {', '.join(FILTER_PARAMS)}; not {field[:40]!r}."
        )
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        raise InvalidParameter(f"{where} must be a string or a list of strings.")
    acc.filters.setdefault(name, []).extend(str(v) for v in values)


def _shift(day: date, days: int) -> date:
    """``day`` ± days for exclusive bounds, clamped at the calendar's ends (no OverflowError)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return day


def _es_date(raw: Any, where: str) -> date:
    if not isinstance(raw, str):
        raise InvalidParameter(f"{where}: dates are ISO strings (YYYY-MM-DD).")
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise InvalidParameter(f"{where}: {raw[:20]!r} is not an ISO date.") from None


def _es_sort(raw: Any) -> str | None:
    """``"_score"``, ``"date"``, ``{"date": "desc"}``, ``{"date": {"order": "desc"}}`` or a list
    whose first element is one of those → one of ``SORTS``."""
    if raw is None:
        return None
    first = raw[0] if isinstance(raw, list) and raw else raw
    if isinstance(first, str):
        field, order = first, "asc"
        if first in SORTS:
            return first
    elif isinstance(first, dict) and len(first) == 1:
        ((field, order),) = first.items()
        if isinstance(order, dict):
            order = order.get("order", "asc")
    else:
        raise InvalidParameter('sort must be _score, date, or {"date": "asc"|"desc"}.')
    if field == "_score":
        return "relevance"
    if field in ES_DATE_FIELDS and order in ("asc", "desc"):
        return "date" if order == "asc" else "-date"
    raise InvalidParameter(f"cannot sort by {str(field)[:40]!r} {str(order)[:10]!r}.")


class SearchResource:
    """The search endpoint of the contract in issue 4."""

    index_backed = True  # ETag from the index generation applies (see middleware)

    def __init__(self, engine: Engine, settings: Settings, analytics: Analytics | None = None):
        self.engine = engine
        self.settings = settings
        self.analytics = analytics

    def _answer(self, resp: falcon.Response, request: SearchRequest) -> None:
        result = self.engine.search(request)
        resp.media = result.as_dict()
        if self.analytics is not None:
            record_search(self.analytics, request, result)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Search chunks; empty ``q`` with filters lists matching chunks by date."""
        self._answer(resp, parse_query_string(req, self.settings))

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The same search with parameters in a JSON body (GET's names, or Elasticsearch style);
        answers exactly like GET."""
        body = read_json(req, MAX_POST_BYTES, "a search")
        if isinstance(body, dict) and ES_KEYS & set(body):
            request = parse_es_body(body, self.settings)
        else:
            request = parse_json_body(body, self.settings)
        self._answer(resp, request)
