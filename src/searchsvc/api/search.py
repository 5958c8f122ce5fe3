"""GET /search: query parameters → ``SearchRequest`` → ``Engine.search`` → the contract's JSON.

Validation lives here so that nothing a user types can reach the engine malformed: integers and
ranges via Falcon's ``get_param_as_int(min_value=, max_value=)``, ISO dates via
``get_param_as_date``, enumerations and lengths checked explicitly. Every rejection is a
``falcon.HTTPInvalidParam`` or a ``SearchsvcError`` and becomes a 400 in the one error shape.
"""

from __future__ import annotations

import re

import falcon

from ..config import Settings
from ..engine.models import EXTRA_FACETS, FACETS, SORTS, SearchRequest
from ..engine.service import Engine
from ..errors import InvalidParameter, QueryTooLong

#: Filters accepted as repeatable parameters: OR within one name, AND across names.
FILTER_PARAMS: tuple[str, ...] = FACETS + EXTRA_FACETS
GROUPS = ("document",)
MAX_PER_PAGE = 100
MAX_FILTER_VALUES = 50
MAX_FILTER_LENGTH = 200
_YEAR = re.compile(r"^\d{4}$")


def parse_search_request(req: falcon.Request, settings: Settings) -> SearchRequest:
    """Build a ``SearchRequest`` from query parameters, or raise a 400-class error."""
    q = (req.get_param("q") or "").strip()
    if len(q) > settings.max_query_length:
        raise QueryTooLong(
            f"q is {len(q)} characters long; the limit is {settings.max_query_length}."
        )
    page = req.get_param_as_int("page", min_value=1, default=1)
    per_page = req.get_param_as_int("per_page", min_value=1, max_value=MAX_PER_PAGE, default=10)
    if page * per_page > settings.max_result_window:
        raise InvalidParameter(
            f"page × per_page must not exceed {settings.max_result_window}; "
            "narrow the query instead of paging this deep."
        )
    sort = req.get_param("sort") or "relevance"
    if sort not in SORTS:
        raise InvalidParameter(f"sort must be one of {', '.join(SORTS)}; got {sort[:40]!r}.")
    group = req.get_param("group") or None
    if group is not None and group not in GROUPS:
        raise InvalidParameter(f"group must be 'document'; got {group[:40]!r}.")
    date_from = req.get_param_as_date("date_from")
    date_to = req.get_param_as_date("date_to")
    if date_from and date_to and date_from > date_to:
        raise InvalidParameter("date_from must not be after date_to.")
    facets = req.get_param_as_bool("facets", default=True)
    return SearchRequest(
        q=q,
        filters=_filters(req),
        date_from=date_from.isoformat() if date_from else None,
        date_to=date_to.isoformat() if date_to else None,
        page=page,
        per_page=per_page,
        sort=sort,
        group=group,
        facets=facets,
    )


def _filters(req: falcon.Request) -> dict[str, list[str]]:
    """Repeatable filter parameters, blanks dropped, duplicates removed in order."""
    filters: dict[str, list[str]] = {}
    for name in FILTER_PARAMS:
        values = [v.strip() for v in req.get_param_as_list(name) or [] if v and v.strip()]
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


class SearchResource:
    """The search endpoint of the contract in issue 4."""

    index_backed = True  # ETag from the index generation applies (see middleware)

    def __init__(self, engine: Engine, settings: Settings):
        self.engine = engine
        self.settings = settings

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Search chunks; empty ``q`` with filters lists matching chunks by date."""
        request = parse_search_request(req, self.settings)
        resp.media = self.engine.search(request).as_dict()
