"""Elasticsearch-style search bodies → the fields of a native ``POST /search`` body.

CMS search-provider plug-ins are often written for Elasticsearch-style backends; this lets them
talk to searchsvc with little glue. A body is Elasticsearch style when it has any of ``ES_KEYS``.
:func:`es_fields` only *translates*: it checks the body's shape (which query types, which
fields, whole pages) and hands back the same field names a native body uses (``q``, ``page``,
``per_page``, filters…), so both kinds of body become a ``SearchRequest`` through one path and
every limit on the values (page size, result window, filter sizes, query length) is the
engine's. The answer is the same JSON as ``GET /search``, not Elasticsearch's ``hits.hits``.

Understood: ``query`` with ``query_string``/``simple_query_string``/``multi_match``/``match``
(their text becomes ``q``; ``match`` on a filter field such as ``speaker`` is a filter),
``match_phrase`` (a quoted phrase), ``match_all``, ``term``/``terms`` on a filter field (a
``.keyword`` or ``.name`` suffix is dropped), ``range`` on ``date`` (or ``versioncreated`` /
``firstcreated``), and ``bool`` with ``must`` and ``filter`` of those, nested at most
``MAX_ES_DEPTH`` deep; ``post_filter``/``filter`` likewise. Several text clauses are ANDed;
several values of one field are ORed, as in GET. ``sort``: ``_score``, ``date`` (asc/desc) or our
own ``relevance``/``date``/``-date``. Paging: ``size`` is ``per_page`` (default 10) and ``from``
must be a multiple of it (page = from / size + 1); anything else is a 400 rather than a silently
shifted page. Unknown keys are refused.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ..engine.dates import iso_day_or_time
from ..engine.models import SORTS
from ..engine.request import FILTER_FIELDS
from ..errors import InvalidParameter

#: Keys that make a POST body Elasticsearch style (the native style has none of them).
ES_KEYS = frozenset({"query", "from", "size", "post_filter", "filter"})
#: ES request keys accepted and ignored: totals are always exact and hits always highlighted.
ES_IGNORED = frozenset({"track_total_hits", "_source", "highlight", "timeout"})
#: Native fields an ES body may carry as they are.
ES_OWN = frozenset({"sort", "group", "facets"})
#: ES field names that mean the document date.
ES_DATE_FIELDS = ("date", "versioncreated", "firstcreated")
#: Text queries whose field is ignored: the text is searched like ``q`` (all text fields).
ES_TEXT_QUERIES = ("query_string", "simple_query_string", "multi_match")
ES_FIELD_QUERIES = ("match", "match_phrase", "term", "terms", "range")
#: Suffixes of ES field names dropped before the name is looked up.
ES_FIELD_SUFFIXES = (".keyword", ".name")
#: The key holding the value when a field clause's value is an object, as in Elasticsearch.
ES_VALUE_KEYS = {"match": "query", "match_phrase": "query", "term": "value"}
ES_RANGE_BOUNDS = ("gte", "gt", "lte", "lt", "from", "to")
ES_RANGE_IGNORED = ("format", "time_zone")
ES_SORT_ORDERS = ("asc", "desc")
MAX_ES_DEPTH = 4


def is_es_body(body: Any) -> bool:
    return isinstance(body, dict) and bool(ES_KEYS & set(body))


class _Clauses:
    """What the clauses of an ES body add up to."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.filters: dict[str, list[str]] = {}
        self.date_from: date | None = None
        self.date_to: date | None = None


def es_fields(body: dict[str, Any]) -> dict[str, Any]:
    """An Elasticsearch-style body → native ``POST /search`` fields (see the module docstring)."""
    unknown = sorted(set(body) - ES_KEYS - ES_IGNORED - ES_OWN)
    if unknown:
        raise InvalidParameter(f"unsupported search field(s): {', '.join(unknown)[:200]}.")
    acc = _Clauses()
    for key in ("query", "post_filter", "filter"):
        if body.get(key) is not None:
            _clauses(body[key], acc, key, 0)
    size = _es_int(body, "size", 10)
    start = _es_int(body, "from", 0)
    if start < 0:
        raise InvalidParameter(f"from must be 0 or more; got {start}.")
    if size >= 1 and start % size:
        raise InvalidParameter(
            f"from must be a multiple of size (pages are whole): from={start}, size={size}."
        )
    fields: dict[str, Any] = {
        "q": " ".join(acc.words),
        "page": start // size + 1 if size >= 1 else 1,
        "per_page": size,
        "sort": _sort(body.get("sort")),
        "group": body.get("group"),
        "facets": body.get("facets"),
        "date_from": acc.date_from.isoformat() if acc.date_from else None,
        "date_to": acc.date_to.isoformat() if acc.date_to else None,
    }
    return fields | acc.filters


def _es_int(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameter(f"{name} must be an integer.")
    return value


def _clauses(clauses: Any, acc: _Clauses, where: str, depth: int) -> None:
    """One clause, or a list of them (ANDed)."""
    for clause in clauses if isinstance(clauses, list) else [clauses]:
        _clause(clause, acc, where, depth)


def _clause(clause: Any, acc: _Clauses, where: str, depth: int) -> None:
    if not isinstance(clause, dict) or len(clause) != 1:
        raise InvalidParameter(f"{where} must be an object with exactly one query type.")
    ((kind, spec),) = clause.items()
    where = f"{where}.{kind}"
    if kind == "match_all":
        if not isinstance(spec, dict):
            raise InvalidParameter(f"{where} must be an object.")
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
                _clauses(spec[part], acc, f"{where}.{part}", depth + 1)
        return
    if kind in ES_TEXT_QUERIES:
        text = spec.get("query") if isinstance(spec, dict) else None
        if not isinstance(text, str):
            raise InvalidParameter(f"{where}.query must be a string.")
        acc.words.append(text)
        return
    if kind in ES_FIELD_QUERIES:
        if not isinstance(spec, dict) or len(spec) != 1:
            raise InvalidParameter(f"{where} must name exactly one field.")
        ((field, value),) = spec.items()
        _field_clause(kind, str(field), value, acc, f"{where}.{field}")
        return
    raise InvalidParameter(f"unsupported query type {kind[:40]!r} in {where[:80]}.")


def field_name(field: str) -> str:
    """An ES field name without the suffixes ES mappings add (``source.keyword`` → ``source``)."""
    for suffix in ES_FIELD_SUFFIXES:
        field = field.removesuffix(suffix)
    return field


def _field_clause(kind: str, field: str, value: Any, acc: _Clauses, where: str) -> None:
    name = field_name(field)
    if kind == "range":
        _range(name, value, acc, where)
        return
    if isinstance(value, dict) and kind != "terms":  # {"query": "..."} / {"value": "..."}
        value = value.get(ES_VALUE_KEYS[kind])
    if kind in ("match", "match_phrase") and name not in FILTER_FIELDS:
        if not isinstance(value, str):
            raise InvalidParameter(f"{where} must be a string.")
        if kind == "match_phrase":
            value = '"' + value.replace('"', " ").strip() + '"'
        acc.words.append(value)
        return
    if name not in FILTER_FIELDS:
        raise InvalidParameter(
            f"{where}: filters work on {', '.join(FILTER_FIELDS)}; not {field[:40]!r}."
        )
    values = value if isinstance(value, list) else [value]
    values = [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        raise InvalidParameter(f"{where} must be a string or a list of strings.")
    acc.filters.setdefault(name, []).extend(str(v) for v in values)


def _range(name: str, value: Any, acc: _Clauses, where: str) -> None:
    if name not in ES_DATE_FIELDS or not isinstance(value, dict):
        raise InvalidParameter(f"{where}: range works on date only, as {{gte, lte}}.")
    for bound, raw in value.items():
        if bound in ES_RANGE_IGNORED:
            continue
        if bound not in ES_RANGE_BOUNDS:
            raise InvalidParameter(f"{where}: unknown range bound {str(bound)[:20]!r}.")
        day = _day(raw, where)
        if bound in ("gte", "from"):
            acc.date_from = max(filter(None, (acc.date_from, day)))
        elif bound == "gt":
            acc.date_from = max(filter(None, (acc.date_from, _shift(day, 1))))
        elif bound in ("lte", "to"):
            acc.date_to = min(filter(None, (acc.date_to, day)))
        else:  # lt
            acc.date_to = min(filter(None, (acc.date_to, _shift(day, -1))))


def _shift(day: date, days: int) -> date:
    """``day`` ± days for exclusive bounds, clamped at the calendar's ends (no OverflowError)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return day


def _day(raw: Any, where: str) -> date:
    """The day of an ES date bound: ``YYYY-MM-DD`` or an RFC 3339 date-time."""
    day = iso_day_or_time(raw)
    if day is None:
        raise InvalidParameter(f"{where}: {str(raw)[:40]!r} is not an ISO date (YYYY-MM-DD).")
    return day


def _sort(raw: Any) -> str | None:
    """``"_score"``, ``"date"``, ``{"date": "desc"}``, ``{"date": {"order": "desc"}}`` or a list
    whose first element is one of those → one of ``SORTS``."""
    if raw is None:
        return None
    first = raw[0] if isinstance(raw, list) and raw else raw
    if isinstance(first, str):
        if first in SORTS:
            return first
        field, order = first, "asc"
    elif isinstance(first, dict) and len(first) == 1:
        ((field, order),) = first.items()
        if isinstance(order, dict):
            order = order.get("order", "asc")
    else:
        raise InvalidParameter('sort must be _score, date, or {"date": "asc"|"desc"}.')
    if field == "_score":
        return "relevance"
    if field in ES_DATE_FIELDS and order in ES_SORT_ORDERS:
        return "date" if order == "asc" else "-date"
    raise InvalidParameter(f"cannot sort by {str(field)[:40]!r} {str(order)[:10]!r}.")
