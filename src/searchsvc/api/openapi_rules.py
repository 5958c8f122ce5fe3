"""The rules the server enforces on what clients send, as JSON Schema, for ``openapi.py``.

Every schema here is generated from the constants the server checks with — the search rules of
``engine/request.py``, the id rule of ``engine/ids.py``, the date forms of ``engine/dates.py``,
the Elasticsearch grammar of ``es_query.py``; the document schemas are the very ones the server
checks every pushed document against (``engine/text/ingest/pushed.py``) — so the OpenAPI document states what the server
enforces, no more and no less (``tests/test_fuzz_api.py`` holds the two to it with schemathesis'
positive and negative checks). The few rules JSON Schema cannot state, because they relate two
values (``page × per_page``, ``date_from ≤ date_to``, ``from`` a multiple of ``size``, a body's
``id`` equal to the URL's), are stated in ``cross_field_rules`` and in the descriptions, with the
nesting limit of Elasticsearch ``bool`` clauses (expressible, but ruinous to generate from).
"""

from __future__ import annotations

import re
from typing import Any

from ..config import Settings
from ..engine.models import SORTS
from ..engine.request import (
    FILTER_FIELDS,
    GROUPS,
    MAX_FILTER_LENGTH,
    MAX_FILTER_VALUES,
    MAX_PER_PAGE,
    YEAR_PATTERN,
)
from ..engine.text.ingest import pushed
from ..engine.text.ingest.pushed import DATE, DATE_OR_TIME, doc_id_schema, nullable
from .es_query import (
    ES_DATE_FIELDS,
    ES_FIELD_SUFFIXES,
    ES_IGNORED,
    ES_KEYS,
    ES_RANGE_BOUNDS,
    ES_RANGE_IGNORED,
    ES_SORT_ORDERS,
    ES_TEXT_QUERIES,
    ES_VALUE_KEYS,
    MAX_ES_DEPTH,
)

#: Used by ``openapi.py`` too: the date and id rules, as the engine states them.
__all__ = ["DATE", "doc_id_schema"]


def cross_field_rules(settings: Settings) -> dict[str, str]:
    """Rules between two values, which JSON Schema cannot state; each is a 400."""
    window = settings.max_result_window
    return {
        "window": f"page × per_page must not exceed {window} (SEARCHSVC_MAX_RESULT_WINDOW).",
        "dates": "date_from must not be after date_to.",
        "es_paging": f"from must be a multiple of size, and from + size must not exceed {window}.",
        "body_id": "An `id` in the body must equal the URL's document id.",
        "es_depth": f"`bool` clauses nest at most {MAX_ES_DEPTH} deep.",
        "es_filters": (
            f"At most {MAX_FILTER_VALUES} values of one field in the whole body, "
            "summed over its clauses."
        ),
    }


def filter_value(name: str) -> dict[str, Any]:
    """One value of a filter field, as a query parameter or a JSON string."""
    if name == "year":
        return {"type": "string", "pattern": YEAR_PATTERN}
    return {"type": "string", "maxLength": MAX_FILTER_LENGTH}


def filter_values(name: str) -> dict[str, Any]:
    return {"type": "array", "maxItems": MAX_FILTER_VALUES, "items": filter_value(name)}


def search_body(settings: Settings) -> dict[str, Any]:
    """``POST /search`` with GET's names."""
    rules = cross_field_rules(settings)
    return {
        "type": "object",
        "description": "GET's parameters as JSON fields; null means not given. "
        + rules["window"]
        + " "
        + rules["dates"],
        "additionalProperties": False,
        "properties": {
            "q": nullable({"type": "string", "maxLength": settings.max_query_length}),
            "page": nullable(
                {"type": "integer", "minimum": 1, "maximum": settings.max_result_window}
            ),
            "per_page": nullable({"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
            "sort": nullable({"type": "string", "enum": list(SORTS)}),
            "group": nullable({"type": "string", "enum": list(GROUPS)}),
            "date_from": nullable(DATE),
            "date_to": nullable(DATE),
            "facets": nullable({"type": "boolean"}),
            "synonyms": nullable({"type": "boolean"}),
            **{
                name: nullable({"oneOf": [filter_value(name), filter_values(name)]})
                for name in FILTER_FIELDS
            },
        },
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _es_scalar(name: str) -> dict[str, str]:
    return _ref("ESYear" if name == "year" else "ESFilterValue")


def _one_field(
    properties: dict[str, Any], other: dict[str, Any] | bool = False, *, patterns: bool = False
) -> dict:
    """An object naming exactly one field; ``patterns``: ``properties`` are name patterns."""
    return {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        ("patternProperties" if patterns else "properties"): properties,
        "additionalProperties": other,
    }


def _field_pattern(names: tuple[str, ...]) -> str:
    """A name pattern for ``names`` with every suffix form the translator drops."""
    return (
        f"^({'|'.join(names)})"
        + "".join(f"({re.escape(suffix)})?" for suffix in reversed(ES_FIELD_SUFFIXES))
        + "$"
    )


def _per_filter_field(shape: Any) -> dict[str, Any]:
    """``{name pattern: shape(schema of one value)}``: years, then the other filter fields."""
    others = tuple(name for name in FILTER_FIELDS if name != "year")
    return {
        _field_pattern(("year",)): shape(_es_scalar("year")),
        _field_pattern(others): shape(_es_scalar("source")),
    }


def _values(scalar: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "maxItems": MAX_FILTER_VALUES, "items": scalar}


def _es_parts(settings: Settings) -> dict[str, Any]:
    """The clause kinds, defined once and referred to from every depth."""
    text = {"type": "string", "maxLength": settings.max_query_length}
    text_query = {"type": "object", "required": ["query"], "properties": {"query": text}}

    def match(scalar: dict[str, Any]) -> dict[str, Any]:
        wrapped = {"type": "object", "required": ["query"], "properties": {"query": scalar}}
        return {"oneOf": [scalar, _values(scalar), wrapped]}

    def term(scalar: dict[str, Any]) -> dict[str, Any]:
        key = ES_VALUE_KEYS["term"]
        wrapped = {"type": "object", "required": [key], "properties": {key: scalar}}
        return {"oneOf": [scalar, _values(scalar), wrapped]}

    bounds = {
        "type": "object",
        "properties": {
            **{bound: DATE_OR_TIME for bound in ES_RANGE_BOUNDS},
            **{ignored: True for ignored in ES_RANGE_IGNORED},
        },
        "additionalProperties": False,
    }
    return {
        "ESFilterValue": {"oneOf": [filter_value("source"), {"type": "integer"}]},
        "ESYear": {
            "oneOf": [filter_value("year"), {"type": "integer", "minimum": 1000, "maximum": 9999}]
        },
        "ESTextQuery": text_query,
        "ESMatch": _one_field(
            _per_filter_field(match), {"oneOf": [text, text_query]}, patterns=True
        ),
        "ESTerm": _one_field(_per_filter_field(term), patterns=True),
        "ESTerms": _one_field(
            _per_filter_field(lambda scalar: {"oneOf": [scalar, _values(scalar)]}), patterns=True
        ),
        "ESRange": _one_field({_field_pattern(ES_DATE_FIELDS): bounds}, patterns=True),
    }


def _es_clause() -> dict[str, Any]:
    """One query clause; ``bool`` refers back to it (the nesting limit is in the description:
    unrolled into one schema per depth it made the document five times slower to fuzz)."""
    inner = es_clauses()
    return _one_field(
        {
            "match_all": {"type": "object"},
            **{kind: _ref("ESTextQuery") for kind in ES_TEXT_QUERIES},
            "match": _ref("ESMatch"),
            "match_phrase": _ref("ESMatch"),
            "term": _ref("ESTerm"),
            "terms": _ref("ESTerms"),
            "range": _ref("ESRange"),
            "bool": {
                "type": "object",
                "description": f"Nested at most {MAX_ES_DEPTH} deep.",
                "properties": {"must": nullable(inner), "filter": nullable(inner)},
                "additionalProperties": False,
            },
        }
    )


def es_clauses() -> dict[str, Any]:
    """A clause or a list of clauses (ANDed)."""
    clause = _ref("ESClause")
    return {"oneOf": [clause, {"type": "array", "items": clause}]}


def es_clause_schemas(settings: Settings) -> dict[str, Any]:
    """The query grammar: ``ESClause`` and the clause kinds it is made of."""
    return {**_es_parts(settings), "ESClause": _es_clause()}


def _es_sort() -> dict[str, Any]:
    order = {"type": "string", "enum": list(ES_SORT_ORDERS)}
    item = {
        "oneOf": [
            {"type": "string", "enum": sorted({*SORTS, "_score", *ES_DATE_FIELDS})},
            _one_field(
                {
                    "_score": True,
                    **{
                        field: {
                            "oneOf": [
                                order,
                                {"type": "object", "properties": {"order": order}},
                            ]
                        }
                        for field in ES_DATE_FIELDS
                    },
                }
            ),
        ]
    }
    return {
        "description": '`_score`, `date`, `{"date": "desc"}`, `{"date": {"order": "asc"}}`, or '
        "a list whose first element is one of those (the rest are ignored).",
        "anyOf": [item, {"type": "array", "minItems": 1, "prefixItems": [item]}],
    }


def es_search_body(settings: Settings) -> dict[str, Any]:
    """``POST /search`` in Elasticsearch style."""
    rules = cross_field_rules(settings)
    return {
        "type": "object",
        "description": (
            "Elasticsearch-style search, recognised by any of "
            + ", ".join(f"`{k}`" for k in sorted(ES_KEYS))
            + ". `query`: query_string, simple_query_string, multi_match, match, match_phrase, "
            "match_all, term/terms on a filter field, range on date, bool with must/filter "
            f"(nested at most {MAX_ES_DEPTH} deep). `size` is per_page (page = from / size + 1). "
            "The answer is the same as GET /search. "
            + " ".join(rules[k] for k in ("es_paging", "dates", "es_filters", "es_depth"))
        ),
        "additionalProperties": False,
        "anyOf": [{"required": [key]} for key in sorted(ES_KEYS)],
        "properties": {
            "query": nullable(es_clauses()),
            "post_filter": nullable(es_clauses()),
            "filter": nullable(es_clauses()),
            "from": nullable(
                {"type": "integer", "minimum": 0, "maximum": settings.max_result_window - 1}
            ),
            "size": nullable({"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
            "sort": nullable(_es_sort()),
            "group": nullable({"type": "string", "enum": list(GROUPS)}),
            "facets": nullable({"type": "boolean"}),
            **{key: {"description": "Accepted and ignored."} for key in sorted(ES_IGNORED)},
        },
    }


def native_document(settings: Settings) -> dict[str, Any]:
    """The native format: the rule the server checks pushes with (``pushed.native_schema``)."""
    return {
        **pushed.native_schema(),
        "description": (
            "The native document format. `body` (paragraphs separated by blank lines) or "
            "`body_html` must hold text (`body` is read when it does; a body with nothing to "
            "search leaves the title, else the id, to stand for the story). `version` (integer "
            "or ISO time stamp) orders revisions: an older one than stored is refused with 409. "
            + cross_field_rules(settings)["body_id"]
            + " A body with `uri` and no `body` is ninjs. Null means not given; other fields "
            "are ignored."
        ),
    }


def ninjs_document(settings: Settings) -> dict[str, Any]:
    """IPTC ninjs: the rule the server checks pushes with (``pushed.ninjs_schema``)."""
    return {
        **pushed.ninjs_schema(),
        "description": (
            "IPTC ninjs, recognised by `uri` (and no `body`); versions 1.x (`headline`, "
            "`body_text`/`body_html`/`body_xhtml`, 1.5+ `headline_*`/`body_*`/`description_*`, "
            "`byline`, singular `person`/`organisation`/`place`/`subject`/`event`/`genre`), "
            "2.x (`headlines`, `bodies`, `descriptions`, `by`, `people`, `organisations`, "
            "`places`, `subjects`, `events`, `genres`, `infosources`, `eventdetails`) and 3.x "
            "(the same, with `"
            + "`, `".join(pushed.NINJS_CAMEL_CASE)
            + "` in camelCase). The main headline (else `title`, `slugline`) → title; the body "
            "with the most paragraphs (HTML, XHTML, NITF or plain) → text; with no body the "
            "descriptions are the text, as `caption` chunks (photos, video, audio); an event "
            "with neither is described by its title, dates and place; a body with nothing to "
            "search leaves the headline (else the uri) to stand for the item. `by`/`byline` → "
            "`author` (one person per value; never the speaker); `versioncreated` → date and "
            "version (a later correction wins; else `firstcreated`, `contentcreated`, the event "
            "start, `version`); people/organisations/places (+ `located`)/subjects → the "
            "person/organisation/place/subject facets; first event → event; `copyrightholder` "
            "(else the first info source) → source; an IPTC genre or the `type` (picture → "
            "photo, video, audio, event) → kind. A ninjs object with no body, description or "
            "event details is refused (400). "
            + cross_field_rules(settings)["body_id"]
            + " Null means not given where the reader allows it; other fields are ignored."
        ),
    }
