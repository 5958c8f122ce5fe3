"""What a document pushed by a program (``PUT /documents/ID``, a bulk line) must be: one rule,
written as JSON Schema, that the server checks every pushed document against and the OpenAPI
document states word for word.

A file on disk is read as leniently as its format allows, since people write them; a pushed
story comes from a CMS, so its shape is checked before anything is read: the schema of its
format (native, or IPTC ninjs when it has a ``uri`` and no ``body``), then its dates, which must
be machine-written (``YYYY-MM-DD`` or an RFC 3339 date-time, what the schema's ``format: date``
and ``date-time`` mean). Whatever passes both, the readers of :mod:`.jsonfmt` and :mod:`.ninjs`
index: a body field that holds no searchable text (empty markup, invisible characters) leaves the
headline to stand for the story, as an elided body does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ....errors import InvalidDocument
from ...dates import iso_day_or_time
from ...ids import DOC_ID_MAX_LENGTH, DOC_ID_PATTERN, DOC_ID_RULE

NOT_BLANK = "\\S"  # has a character other than white space: what ``str.strip()`` leaves
DATE = {"type": "string", "format": "date"}
DATE_OR_TIME = {"anyOf": [DATE, {"type": "string", "format": "date-time"}]}

#: Fields of the native format (``jsonfmt``).
STR_FIELDS = ("title", "source", "url", "kind", "event", "speaker", "byline")
LIST_FIELDS = ("person", "organisation", "subject", "place")
AUTHOR_FIELDS = ("author", "authors")
NATIVE_DATES = ("date",)

#: ninjs 3.x spells these in camelCase; the reader folds exactly these spellings to 1.x/2.x's.
NINJS_CAMEL_CASE = (
    "versionCreated",
    "firstCreated",
    "contentCreated",
    "copyrightHolder",
    "eventDetails",
    "infoSources",
)
NINJS_DATES = ("versioncreated", "firstcreated", "contentcreated")
_NINJS_DATE_SPELLINGS = (*NINJS_DATES, "versionCreated", "firstCreated", "contentCreated")
#: Open-ended 1.5+ text keys (``headline_main``, ``body_richtext``, ``description_caption``).
NINJS_TEXT_KEYS = "^(?:headline|body|description)_"
_NINJS_BODY_KEYS = "^(?:body|description)_"
#: ninjs fields of names (1.x singular, 2.x plural): people, places, subjects, events, genres…
_NINJS_NAMED = (
    "person", "people", "organisation", "organisations", "place", "places", "subject",
    "subjects", "event", "events", "genre", "genres", "infosource", "infosources",
)  # fmt: skip


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or JSON null (which the readers take as "not given")."""
    return {"anyOf": [schema, {"type": "null"}]}


def doc_id_schema() -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": DOC_ID_MAX_LENGTH,
        "pattern": DOC_ID_PATTERN,
        "description": f"A document id: {DOC_ID_RULE}.",
    }


def _doc_id_or_number() -> dict[str, Any]:
    return nullable({"oneOf": [doc_id_schema(), {"type": "integer"}]})


def _names() -> dict[str, Any]:
    """A list field: a string, an object with a ``name``, or a list of them."""
    named = {"type": "object", "properties": {"name": nullable({"type": "string"})}}
    one = {"oneOf": [{"type": "string"}, named]}
    return nullable({"oneOf": [{"type": "string"}, named, {"type": "array", "items": one}]})


def _version() -> dict[str, Any]:
    return nullable({"type": ["string", "integer"]})


def native_schema() -> dict[str, Any]:
    """The native format: ``body`` (plain text) or ``body_html`` holds text."""
    return {
        "type": "object",
        "properties": {
            "id": _doc_id_or_number(),
            **{name: nullable({"type": "string"}) for name in (*STR_FIELDS, "body", "body_html")},
            "date": nullable(DATE_OR_TIME),
            "version": _version(),
            **{name: _names() for name in (*LIST_FIELDS, *AUTHOR_FIELDS)},
        },
        "allOf": [
            {
                "anyOf": [
                    {
                        "required": [name],
                        "properties": {name: {"type": "string", "pattern": NOT_BLANK}},
                    }
                    for name in ("body", "body_html")
                ]
            },
            {"anyOf": [{"not": {"required": ["uri"]}}, {"required": ["body"]}]},
        ],
    }


def ninjs_schema() -> dict[str, Any]:
    """IPTC ninjs of every published version (1.x, 2.x, 3.x): the fields searchsvc reads; every
    other field is accepted and ignored."""
    text = {"type": "string"}
    stamp = {**DATE_OR_TIME, "description": "YYYY-MM-DD or an RFC 3339 date-time."}
    one = {"anyOf": [{"type": "object", "properties": {"name": text}}, text]}
    named = {"anyOf": [{"type": "array", "items": one}, one]}
    block = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "role": text,
                "contenttype": text,
                "contentType": text,
                "lang": text,
                "value": text,
            },
        },
    }
    dates = {name: stamp for name in NINJS_DATES}
    camel = {name: name.lower() for name in NINJS_CAMEL_CASE}
    properties: dict[str, Any] = {
        "uri": {"type": "string", "pattern": NOT_BLANK},
        "id": _doc_id_or_number(),
        "type": text,
        "title": text,
        "slugline": text,
        "headline": text,
        "headlines": block,
        "bodies": block,
        "descriptions": block,
        "byline": text,
        "by": text,
        **dates,
        "version": _version(),
        "located": text,
        "copyrightholder": text,
        **{name: named for name in _NINJS_NAMED},
        "eventdetails": {"type": "object"},
    }
    properties.update({spelling: properties[folded] for spelling, folded in camel.items()})
    return {
        "type": "object",
        "required": ["uri"],
        "not": {"required": ["body"]},
        "properties": properties,
        "patternProperties": {NINJS_TEXT_KEYS: text},
        "anyOf": [
            # a body_* or description_* key (1.x) …
            {"not": {"propertyNames": {"not": {"pattern": _NINJS_BODY_KEYS}}}},
            # … or bodies, descriptions (2.x, 3.x), or an event's details
            *({"required": [name]} for name in ("bodies", "descriptions", "eventdetails")),
            {"required": ["eventDetails"]},
        ],
    }


_NO_TEXT = {
    False: "a document needs text: give 'body' or 'body_html'",
    True: "a ninjs document needs a body: give 'body_text', 'body_html', 'bodies', "
    "'descriptions' or 'eventdetails'",
}


def is_ninjs(obj: dict[str, Any]) -> bool:
    """A ``uri`` and no ``body``: ninjs; anything else is the native format."""
    return "uri" in obj and "body" not in obj


@cache
def _validators() -> tuple[Draft202012Validator, Draft202012Validator]:
    return Draft202012Validator(native_schema()), Draft202012Validator(ninjs_schema())


@cache
def _compiled() -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """The two schemas compiled to Python code (fastjsonschema), twenty times as fast as
    jsonschema's validator on a valid story: what a bulk request spends per line. They only ever
    say "valid": a story they refuse goes to jsonschema, whose errors make the message. They
    also assert ``format`` (jsonschema does not), which makes them stricter, never looser."""
    return fastjsonschema.compile(native_schema()), fastjsonschema.compile(ninjs_schema())


def _surely_valid(obj: dict[str, Any]) -> bool:
    native, ninjs = _compiled()
    try:
        (ninjs if is_ninjs(obj) else native)(obj)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def check_pushed(obj: Any) -> None:
    """``InvalidDocument`` naming the first field of ``obj`` that breaks the rule of its format;
    a value that is not an object is left to the reader, which says what it is."""
    if not isinstance(obj, dict):
        return
    native, ninjs = _validators()
    error = (
        None
        if _surely_valid(obj)
        else best_match((ninjs if is_ninjs(obj) else native).iter_errors(obj))
    )
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        if where and error.validator == "pattern" and error.validator_value == NOT_BLANK:
            raise InvalidDocument(f"field '{where}' must hold text")
        if where:
            raise InvalidDocument(f"field '{where}': {error.message[:200]}")
        if error.validator in ("anyOf", "allOf"):  # the text a document must have
            raise InvalidDocument(_NO_TEXT[is_ninjs(obj)])
        raise InvalidDocument(error.message[:200])
    for key in _NINJS_DATE_SPELLINGS if is_ninjs(obj) else NATIVE_DATES:
        value = obj.get(key)
        if value is not None and iso_day_or_time(value) is None:
            raise InvalidDocument(
                f"field '{key}' must be a date (YYYY-MM-DD) or an RFC 3339 date-time; "
                f"got {str(value)[:40]!r}"
            )
