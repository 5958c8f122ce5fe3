"""/search: parameters → ``SearchRequest`` → ``Engine.search`` → the contract's JSON.

GET reads the query string (what links, the web page and curl use); POST takes the same names
in a JSON object, for clients whose queries or filter lists outgrow a URL (a 1,000-character
query in a non-Latin script is ~9 KB encoded). Both become one ``SearchRequest`` through
``build_search_request``, so validation cannot drift between them: GET's integers and ranges come
from Falcon's ``get_param_as_int(min_value=, max_value=)``, POST's from the JSON types, and the
cross-field rules (length, result window, enumerations, date order, filters) are shared. Every
rejection is a ``falcon.HTTPInvalidParam`` or a ``SearchsvcError`` and becomes a 400.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import falcon

from ..config import Settings
from ..engine.models import EXTRA_FACETS, FACETS, SORTS, SearchRequest
from ..engine.service import Engine
from ..errors import InvalidParameter, QueryTooLong
from .bodies import read_json

#: Filters accepted as repeatable parameters: OR within one name, AND across names.
FILTER_PARAMS: tuple[str, ...] = FACETS + EXTRA_FACETS
GROUPS = ("document",)
MAX_PER_PAGE = 100
MAX_FILTER_VALUES = 50
MAX_FILTER_LENGTH = 200
MAX_POST_BYTES = 64 * 1024
SCALAR_FIELDS = ("q", "page", "per_page", "sort", "group", "date_from", "date_to", "facets")
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


class SearchResource:
    """The search endpoint of the contract in issue 4."""

    index_backed = True  # ETag from the index generation applies (see middleware)

    def __init__(self, engine: Engine, settings: Settings):
        self.engine = engine
        self.settings = settings

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Search chunks; empty ``q`` with filters lists matching chunks by date."""
        request = parse_query_string(req, self.settings)
        resp.media = self.engine.search(request).as_dict()

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The same search with parameters in a JSON body; answers exactly like GET."""
        body = read_json(req, MAX_POST_BYTES, "a search")
        request = parse_json_body(body, self.settings)
        resp.media = self.engine.search(request).as_dict()
