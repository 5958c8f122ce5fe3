"""The OpenAPI 3.1 description of the HTTP API, served at ``/openapi.json``.

Kept as a Python module rather than a static file so parameters and codes come from the same
constants the code validates with (``FILTER_PARAMS``, ``SORTS``, ``MAX_PER_PAGE``, the error
``STATUS`` table) and cannot drift. ``tests/test_api.py`` validates it with openapi-spec-validator,
checks that every route of the app is described here and calls every documented GET route.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import falcon

from .. import __version__
from ..config import Settings
from ..engine.models import EXTRA_FACETS, FACETS, SORTS
from .errors import STATUS
from .search import FILTER_PARAMS, MAX_PER_PAGE
from .suggest import MAX_LIMIT


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_FILTER_HELP = {
    "speaker": "Speaker name as shown in the `speaker` facet.",
    "role": "Speaker role: official, questioner, moderator or quoted.",
    "source": "Publication, e.g. China.org.cn.",
    "kind": "Document kind, e.g. transcript, article, newsletter.",
    "event": "Event name, e.g. the press conference both transcript pages belong to.",
    "year": "Four-digit year of the document date.",
    "person": "Person named in the document metadata (ninjs/JSON documents).",
    "organisation": "Organisation named in the document metadata.",
    "subject": "Subject code or name from the document metadata.",
    "place": "Place named in the document metadata.",
}


def _search_parameters(settings: Settings) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": "q",
            "in": "query",
            "description": (
                "Query. Words are ANDed (topped up with partial matches flagged `partial`); "
                '"phrases", OR, NOT/-, field:value (speaker, source, kind, title) and prefix*. '
                "Empty with filters: matching chunks by date."
            ),
            "schema": {"type": "string", "maxLength": settings.max_query_length},
        },
        {
            "name": "page",
            "in": "query",
            "description": "1-based page number.",
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
        {
            "name": "per_page",
            "in": "query",
            "description": "Hits per page.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 10},
        },
        {
            "name": "sort",
            "in": "query",
            "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"},
        },
        {
            "name": "group",
            "in": "query",
            "description": "`document`: only the best chunk of each document.",
            "schema": {"type": "string", "enum": ["document"]},
        },
        {
            "name": "date_from",
            "in": "query",
            "description": "Earliest document date (inclusive), ISO 8601 YYYY-MM-DD.",
            "schema": {"type": "string", "format": "date"},
        },
        {
            "name": "date_to",
            "in": "query",
            "description": "Latest document date (inclusive), ISO 8601 YYYY-MM-DD.",
            "schema": {"type": "string", "format": "date"},
        },
        {
            "name": "facets",
            "in": "query",
            "description": "false to skip facet counting.",
            "schema": {"type": "boolean", "default": True},
        },
    ]
    for name in FILTER_PARAMS:
        item: dict[str, Any] = {"type": "string"}
        if name == "year":
            item = {"type": "string", "pattern": "^[0-9]{4}$"}
        params.append(
            {
                "name": name,
                "in": "query",
                "description": _FILTER_HELP.get(name, name)
                + " Repeatable: OR within the parameter, AND across parameters.",
                "schema": {"type": "array", "items": item},
                "style": "form",
                "explode": True,
            }
        )
    return params


def _schemas(settings: Settings) -> dict[str, Any]:
    facet_list = {"type": "array", "items": _ref("FacetValue")}
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string", "enum": sorted(STATUS)},
                        "message": {"type": "string"},
                    },
                }
            },
        },
        "DocumentRef": {
            "type": "object",
            "required": ["id", "title", "source", "date", "kind", "event", "url"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "source": _nullable("string"),
                "date": _nullable("string", format="date"),
                "kind": _nullable("string"),
                "event": _nullable("string"),
                "url": _nullable("string"),
            },
        },
        "Citation": {
            "type": "object",
            "required": ["text", "url"],
            "properties": {
                "text": {"type": "string"},
                "url": {"type": "string", "description": "/documents/ID#pN"},
            },
        },
        "Hit": {
            "type": "object",
            "required": [
                "id",
                "score",
                "rank",
                "document",
                "paragraph",
                "speaker",
                "role",
                "text",
                "snippet",
                "highlights",
                "citation",
            ],
            "properties": {
                "id": {"type": "string", "description": "DOCUMENT_ID:PARAGRAPH"},
                "score": {"type": "number"},
                "rank": {"type": "integer", "minimum": 1},
                "document": _ref("DocumentRef"),
                "paragraph": {"type": "integer", "minimum": 1},
                "speaker": _nullable("string"),
                "role": _nullable("string"),
                "text": {"type": "string"},
                "snippet": {
                    "type": "string",
                    "description": "HTML-escaped text with <mark> around matches.",
                },
                "highlights": {
                    "type": "array",
                    "description": "[start, end] character offsets of matches in `text`.",
                    "items": {
                        "type": "array",
                        "items": {"type": "integer"},
                        "minItems": 2,
                        "maxItems": 2,
                    },
                },
                "citation": _ref("Citation"),
                "kind": {"type": "string"},
                "section": _nullable("string"),
                "start": {"type": "integer"},
                "end": {"type": "integer"},
                "partial": {
                    "type": "boolean",
                    "description": "Present and true when the chunk matches only some words.",
                },
            },
        },
        "FacetValue": {
            "type": "object",
            "required": ["value", "count"],
            "properties": {"value": {"type": "string"}, "count": {"type": "integer"}},
        },
        "SearchResponse": {
            "type": "object",
            "required": [
                "query",
                "total",
                "page",
                "per_page",
                "took_ms",
                "hits",
                "facets",
                "suggestion",
            ],
            "properties": {
                "query": {"type": "string"},
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "took_ms": {"type": "number"},
                "hits": {"type": "array", "items": _ref("Hit")},
                "facets": {
                    "type": "object",
                    "description": "Counts over the whole result set, each list by count.",
                    "required": list(FACETS),
                    "properties": {name: facet_list for name in FACETS + EXTRA_FACETS},
                },
                "suggestion": _nullable(
                    "string", description="Corrected query when terms are unknown."
                ),
            },
        },
        "SearchRequest": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "q": {"type": "string", "maxLength": settings.max_query_length},
                "page": {"type": "integer", "minimum": 1, "default": 1},
                "per_page": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER_PAGE,
                    "default": 10,
                },
                "sort": {"type": "string", "enum": list(SORTS)},
                "group": {"type": "string", "enum": ["document"]},
                "date_from": {"type": "string", "format": "date"},
                "date_to": {"type": "string", "format": "date"},
                "facets": {"type": "boolean", "default": True},
                **{
                    name: {
                        "oneOf": [
                            {"type": "string"},
                            {"type": "array", "items": {"type": "string"}},
                        ]
                    }
                    for name in FILTER_PARAMS
                },
            },
        },
        "Paragraph": {
            "type": "object",
            "required": ["number", "text"],
            "properties": {
                "number": {"type": "integer", "minimum": 1},
                "speaker": _nullable("string"),
                "role": _nullable("string"),
                "kind": _nullable("string"),
                "section": _nullable("string"),
                "text": {"type": "string"},
            },
        },
        "Document": {
            "type": "object",
            "required": ["id", "paragraphs"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "source": _nullable("string"),
                "date": _nullable("string"),
                "kind": _nullable("string"),
                "event": _nullable("string"),
                "url": _nullable("string"),
                "paragraphs": {"type": "array", "items": _ref("Paragraph")},
            },
        },
        "Suggestions": {
            "type": "object",
            "required": ["query", "suggestions"],
            "properties": {
                "query": {"type": "string"},
                "suggestions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["value", "type", "count"],
                        "properties": {
                            "value": {"type": "string"},
                            "type": {"type": "string", "enum": ["term", "speaker"]},
                            "count": {"type": "integer"},
                        },
                    },
                },
            },
        },
        "Health": {
            "type": "object",
            "required": ["status", "documents", "chunks", "generation", "version"],
            "properties": {
                "status": {"type": "string", "enum": ["ok"]},
                "documents": {"type": "integer"},
                "chunks": {"type": "integer"},
                "generation": {"type": "integer"},
                "version": {"type": "string"},
            },
        },
    }


def build_spec(settings: Settings) -> dict[str, Any]:
    """The whole document; deterministic for a given version and settings."""
    err = {"$ref": "#/components/responses/Error"}
    html = {"text/html": {"schema": {"type": "string"}}}
    statuses = ", ".join(f"`{code}` {status}" for code, status in sorted(STATUS.items()))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "searchsvc",
            "version": __version__,
            "summary": "Full-text search for newsrooms: paragraph and speaker-turn chunks.",
            "description": (
                'Every error is `{"error": {"code", "message"}}`. Codes and statuses: '
                + statuses
                + ". GET responses carry `Cache-Control` and an `ETag` (index generation + "
                "request); `If-None-Match` gets 304; `Accept-Encoding: gzip` is honoured."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Ranked, highlighted, cited chunks with facet counts.",
                    "parameters": _search_parameters(settings),
                    "responses": {
                        "200": _json(_ref("SearchResponse"), "One page of hits."),
                        "304": {"description": "Not modified (If-None-Match)."},
                        "400": err,
                    },
                },
                "post": {
                    "operationId": "searchPost",
                    "summary": "The same search with its parameters in a JSON body.",
                    "description": (
                        "For queries or filter lists too long for a URL. Field names and "
                        "meanings are those of GET; filters take a string or a list of strings."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("SearchRequest")}},
                    },
                    "responses": {
                        "200": _json(_ref("SearchResponse"), "One page of hits."),
                        "400": err,
                        "413": err,
                        "415": err,
                    },
                },
            },
            "/documents/{doc_id}": {
                "get": {
                    "operationId": "getDocument",
                    "summary": "A document with numbered paragraphs; the target of citations.",
                    "description": (
                        "JSON for `Accept: application/json` or `?format=json`; otherwise an HTML "
                        'page whose paragraphs carry `id="pN"` anchors.'
                    ),
                    "parameters": [
                        {
                            "name": "doc_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "example": "000_a2191ec13ae00466",
                        },
                        {
                            "name": "format",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["json", "html"]},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The document.",
                            "content": {
                                "application/json": {"schema": _ref("Document")},
                                **html,
                            },
                        },
                        "304": {"description": "Not modified (If-None-Match)."},
                        "400": err,
                        "404": err,
                    },
                }
            },
            "/suggest": {
                "get": {
                    "operationId": "suggest",
                    "summary": "Autocomplete: terms and speaker names by prefix, by frequency.",
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"type": "string"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_LIMIT,
                                "default": 10,
                            },
                        },
                    ],
                    "responses": {"200": _json(_ref("Suggestions"), "Suggestions."), "400": err},
                }
            },
            "/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Liveness and index statistics.",
                    "responses": {"200": _json(_ref("Health"), "Serving."), "503": err},
                }
            },
            "/metrics": {
                "get": {
                    "operationId": "metrics",
                    "summary": "Prometheus exposition, summed over all gunicorn workers.",
                    "responses": {
                        "200": {
                            "description": "Prometheus text format.",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 description.")},
                }
            },
            "/": {
                "get": {
                    "operationId": "searchPage",
                    "summary": "The search web page.",
                    "responses": {
                        "200": {"description": "HTML page.", "content": html},
                        "404": err,
                    },
                }
            },
            "/static/{name}": {
                "get": {
                    "operationId": "staticFile",
                    "summary": "Assets of the search page (search.js, search.css, …).",
                    "parameters": [
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "example": "search.js",
                        }
                    ],
                    "responses": {
                        "200": {"description": "The file."},
                        "304": {"description": "Not modified (If-None-Match)."},
                        "404": err,
                    },
                }
            },
        },
        "components": {
            "schemas": _schemas(settings),
            "responses": {"Error": _json(_ref("Error"), "An error; see `info.description`.")},
        },
    }


class OpenAPIResource:
    public = True  # no API key even when read keys are configured (see auth.py)

    def __init__(self, settings: Settings):
        self.body = json.dumps(build_spec(settings), indent=1).encode()
        self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.data = self.body
        resp.content_type = falcon.MEDIA_JSON
        resp.etag = self.etag
        resp.cache_control = ["public", "max-age=300"]
