"""The rules the server enforces on what clients send, as JSON Schema, for ``openapi.py``.

Every schema here is generated from the constants the server checks with — the search rules of
``engine/request.py``, the id rule of ``engine/ids.py``, the date forms of ``engine/dates.py``,
the Elasticsearch grammar of ``es_query.py`` — so the OpenAPI document states what the server
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
from ..engine.ids import DOC_ID_MAX_LENGTH, DOC_ID_PATTERN, DOC_ID_RULE
from ..engine.models import EXTRA_FACETS, SORTS
from ..engine.request import (
    FILTER_FIELDS,
    GROUPS,
    MAX_FILTER_LENGTH,
    MAX_FILTER_VALUES,
    MAX_PER_PAGE,
    YEAR_PATTERN,
)
from ..engine.text.ingest.jsonfmt import LIST_FIELDS, STR_FIELDS
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

NOT_BLANK = "\\S"  # has a character other than white space: what ``str.strip()`` leaves
DATE = {"type": "string", "format": "date"}
DATE_OR_TIME = {"anyOf": [DATE, {"type": "string", "format": "date-time"}]}


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


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or JSON null (which the server reads as "not given")."""
    return {"anyOf": [schema, {"type": "null"}]}


def doc_id_schema() -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": DOC_ID_MAX_LENGTH,
        "pattern": DOC_ID_PATTERN,
        "description": f"A document id: {DOC_ID_RULE}.",
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


def _names_schema() -> dict[str, Any]:
    """A list field of a document: a string, an object with a ``name``, or a list of them."""
    named = {"type": "object", "properties": {"name": nullable({"type": "string"})}}
    one = {"oneOf": [{"type": "string"}, named]}
    return nullable({"oneOf": [{"type": "string"}, named, {"type": "array", "items": one}]})


def _text_body(*names: str) -> list[dict[str, Any]]:
    """At least one of ``names`` holds text (the first with text is read)."""
    return [
        {"required": [name], "properties": {name: {"type": "string", "pattern": NOT_BLANK}}}
        for name in names
    ]


def _doc_id_or_number() -> dict[str, Any]:
    return nullable({"oneOf": [doc_id_schema(), {"type": "integer"}]})


def native_document(settings: Settings) -> dict[str, Any]:
    return {
        "type": "object",
        "description": (
            "The native document format. `body` (paragraphs separated by blank lines) or "
            "`body_html` must hold text (`body` is read when it does). `version` (integer or "
            "ISO time stamp) orders revisions: an older one than stored is refused with 409. "
            + cross_field_rules(settings)["body_id"]
            + " A body with `uri` and no `body` is ninjs. Null means not given; other fields "
            "are ignored."
        ),
        "properties": {
            "id": _doc_id_or_number(),
            **{name: nullable({"type": "string"}) for name in (*STR_FIELDS, "body", "body_html")},
            "date": nullable(DATE_OR_TIME),
            "version": nullable({"type": ["string", "integer"]}),
            **{name: _names_schema() for name in LIST_FIELDS},
        },
        "allOf": [
            {"anyOf": _text_body("body", "body_html")},
            {"anyOf": [{"not": {"required": ["uri"]}}, {"required": ["body"]}]},
        ],
    }


def ninjs_document(settings: Settings) -> dict[str, Any]:
    return {
        "type": "object",
        "description": (
            "IPTC ninjs, recognised by `uri` (and no `body`). headline → title, body_text/"
            "body_html → text, byline → speaker, versioncreated → date and version, located/"
            "place, person, organisation, subject → facets, first event → event, "
            "copyrightholder (else infosource) → source, genre → kind. "
            + cross_field_rules(settings)["body_id"]
            + " Null means not given; other fields are ignored."
        ),
        "required": ["uri"],
        "not": {"required": ["body"]},
        "anyOf": _text_body("body_text", "body_html"),
        "properties": {
            "uri": {"type": "string", "pattern": NOT_BLANK},
            "id": _doc_id_or_number(),
            **{
                name: nullable({"type": "string"})
                for name in (
                    "headline",
                    "title",
                    "body_text",
                    "body_html",
                    "byline",
                    "located",
                    "copyrightholder",
                )
            },
            "versioncreated": nullable(DATE_OR_TIME),
            "firstcreated": nullable(DATE_OR_TIME),
            "version": nullable({"type": ["string", "integer"]}),
            **{name: _names_schema() for name in (*EXTRA_FACETS, "event", "genre", "infosource")},
        },
    }
