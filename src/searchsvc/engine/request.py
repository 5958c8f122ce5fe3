"""What a search may ask for: the one check every ``SearchRequest`` passes before a backend sees it.

``Engine.search`` calls :func:`validate` for every caller — GET and POST /search, the Atom feed,
``searchsvc search`` — so a limit cannot hold over HTTP and not on the command line, and two
layers cannot disagree about it. Callers only build the request from values of the right type;
ranges, enumerations, the result window, dates, filters and query limits are decided here, with
messages that name the parameter. The OpenAPI document is generated from the same constants.

Values are checked *as given*: a ``year`` of ``" 2020"`` is refused rather than trimmed, and
lengths count the characters the client sent, so what the OpenAPI schema calls invalid the
engine refuses too. The only normalisation is for matching: filter values are trimmed, blank ones
dropped and repeats removed, and the query's control characters become spaces.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from ..config import Settings
from ..errors import InvalidParameter, QueryTooLong
from .dates import iso_day
from .models import EXTRA_FACETS, FACETS, HISTOGRAM_INTERVALS, SORTS, SearchRequest
from .query.parse import OPERATORS

#: Filters a search takes: OR within one field, AND across fields.
FILTER_FIELDS: tuple[str, ...] = FACETS + EXTRA_FACETS
GROUPS = ("document",)
MAX_PER_PAGE = 100
MAX_FILTER_VALUES = 50
MAX_FILTER_LENGTH = 200
#: Patterns in the common subset of Python's ``re`` and ECMA-262 (the OpenAPI dialect).
YEAR_PATTERN = "^[0-9]{4}$"

_YEAR = re.compile(YEAR_PATTERN)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TERM = re.compile(r'"[^"]*"?|\S+')


def validate(request: SearchRequest, settings: Settings) -> SearchRequest:
    """``request`` checked against every rule, with its query and filters normalised for
    matching; ``InvalidParameter`` (or its ``QueryTooLong``) names the first rule broken."""
    q = _query(request.q, settings)
    _paging(request.page, request.per_page, settings)
    if request.sort not in SORTS:
        raise InvalidParameter(
            f"sort must be one of {', '.join(SORTS)}; got {str(request.sort)[:40]!r}."
        )
    if request.group is not None and request.group not in GROUPS:
        raise InvalidParameter(f"group must be 'document'; got {str(request.group)[:40]!r}.")
    date_from = parse_day(request.date_from, "date_from")
    date_to = parse_day(request.date_to, "date_to")
    if date_from and date_to and date_from > date_to:
        raise InvalidParameter("date_from must not be after date_to.")
    for name in ("facets", "highlight", "synonyms"):
        if not isinstance(getattr(request, name), bool):
            raise InvalidParameter(f"{name} must be true or false.")
    if request.histogram is not None and request.histogram not in HISTOGRAM_INTERVALS:
        raise InvalidParameter(
            f"histogram must be one of {', '.join(HISTOGRAM_INTERVALS)}; "
            f"got {str(request.histogram)[:40]!r}."
        )
    return dataclasses.replace(request, q=q, filters=_filters(request.filters))


def max_page(settings: Settings, per_page: int) -> int:
    """The deepest page the result window allows at ``per_page`` hits a page."""
    return settings.max_result_window // per_page


def count_terms(text: str) -> int:
    """Words, phrases and prefixes a query asks for; operators and a phrase's inner words are not
    counted, so 40 words joined by OR are 40 terms."""
    return sum(1 for t in _TERM.findall(text) if t not in OPERATORS and t.strip("+-()"))


def parse_day(value: str | None, name: str) -> dt.date | None:
    """An ISO 8601 calendar date, ``YYYY-MM-DD`` exactly (what OpenAPI's ``format: date`` means)."""
    if value is None:
        return None
    day = iso_day(value)
    if day is not None:
        return day
    raise InvalidParameter(f"{name} must be a date as YYYY-MM-DD; got {str(value)[:40]!r}.")


def _query(q: str, settings: Settings) -> str:
    if not isinstance(q, str):
        raise InvalidParameter("q must be a string.")
    if len(q) > settings.max_query_length:
        raise QueryTooLong(
            f"q is {len(q)} characters long; the limit is {settings.max_query_length}."
        )
    q = _CONTROL.sub(" ", q).strip()
    terms = count_terms(q)
    if terms > settings.max_query_terms:
        raise InvalidParameter(
            f"q has {terms} terms; the limit is {settings.max_query_terms}.",
            code="too_many_terms",
        )
    return q


def _paging(page: int, per_page: int, settings: Settings) -> None:
    for name, value in (("page", page), ("per_page", per_page)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidParameter(f"{name} must be an integer.")
    if page < 1:
        raise InvalidParameter(f"page must be 1 or more; got {page}.")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidParameter(f"per_page must be 1..{MAX_PER_PAGE}; got {per_page}.")
    if page * per_page > settings.max_result_window:
        raise InvalidParameter(
            f"page × per_page must not exceed {settings.max_result_window} (at {per_page} per "
            f"page, page {max_page(settings, per_page)} is the last); narrow the query instead "
            "of paging this deep."
        )


def _filters(raw: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each field's values checked as given, then trimmed, blanks dropped, repeats removed."""
    if not isinstance(raw, dict):
        raise InvalidParameter("filters must map field names to lists of values.")
    filters: dict[str, list[str]] = {}
    for name, values in raw.items():
        if name not in FILTER_FIELDS:
            raise InvalidParameter(
                f"unknown filter {str(name)[:40]!r}; filters are {', '.join(FILTER_FIELDS)}."
            )
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
            raise InvalidParameter(f"{name} must be a string or a list of strings.")
        if len(values) > MAX_FILTER_VALUES:
            raise InvalidParameter(f"at most {MAX_FILTER_VALUES} values of {name} are accepted.")
        for value in values:
            if len(value) > MAX_FILTER_LENGTH:
                raise InvalidParameter(f"{name} values are at most {MAX_FILTER_LENGTH} characters.")
            if name == "year" and not _YEAR.fullmatch(value):
                raise InvalidParameter(f"year must be a four-digit year; got {value[:20]!r}.")
        kept = list(dict.fromkeys(v.strip() for v in values if v.strip()))
        if kept:
            filters[name] = kept
    return filters
