"""The OpenAPI 3.1 description of the HTTP API, served at ``/openapi.json``.

Kept as a Python module rather than a static file so parameters and codes come from the same
constants the code validates with (the search rules, the document-id rule, the error ``STATUS``
table; the schemas of request bodies are in ``openapi_rules.py``) and cannot drift. ``tests/test_api.py`` validates it with openapi-spec-validator,
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
from ..engine.query.synonyms import MAX_RULES as MAX_SYNONYM_RULES
from ..engine.query.synonyms import synonyms_pattern
from ..engine.request import FILTER_FIELDS, GROUPS, MAX_PER_PAGE
from . import openapi_desk
from . import openapi_rules as rules
from .errors import STATUS
from .feeds import FEED_PER_PAGE, FEED_SORT
from .search import DEFAULT_PER_PAGE
from .suggest import MAX_LIMIT

_AUTHORS = {
    "type": "array",
    "items": {"type": "string"},
    "description": "Who wrote the document, one person each (from its byline or author metadata).",
}


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


def _search_parameters(
    settings: Settings, per_page: int = DEFAULT_PER_PAGE, sort: str = "relevance"
) -> list[dict[str, Any]]:
    cross = rules.cross_field_rules(settings)
    params: list[dict[str, Any]] = [
        {
            "name": "q",
            "in": "query",
            "description": (
                "Query. Words are ANDed (topped up with partial matches flagged `partial`); "
                '"phrases", OR, NOT/-, field:value (speaker, source, kind, title) and prefix*. '
                "Empty with filters: matching chunks by date. At most "
                f"{settings.max_query_terms} terms (words, phrases, prefixes; 400 "
                "`too_many_terms`)."
            ),
            "schema": {"type": "string", "maxLength": settings.max_query_length},
        },
        {
            "name": "page",
            "in": "query",
            "description": "1-based page number. " + cross["window"],
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": settings.max_result_window,
                "default": 1,
            },
        },
        {
            "name": "per_page",
            "in": "query",
            "description": "Hits per page. " + cross["window"],
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PER_PAGE,
                "default": per_page,
            },
        },
        {
            "name": "sort",
            "in": "query",
            "schema": {"type": "string", "enum": list(SORTS), "default": sort},
        },
        {
            "name": "group",
            "in": "query",
            "description": "`document`: only the best chunk of each document.",
            "schema": {"type": "string", "enum": list(GROUPS)},
        },
        {
            "name": "date_from",
            "in": "query",
            "description": "Earliest document date (inclusive), YYYY-MM-DD. " + cross["dates"],
            "schema": rules.DATE,
        },
        {
            "name": "date_to",
            "in": "query",
            "description": "Latest document date (inclusive), YYYY-MM-DD.",
            "schema": rules.DATE,
        },
        {
            "name": "facets",
            "in": "query",
            "description": "false to skip facet counting.",
            "schema": {"type": "boolean", "default": True},
        },
        {
            "name": "synonyms",
            "in": "query",
            "description": "false to search the words alone, without the synonym set.",
            "schema": {"type": "boolean", "default": True},
        },
    ]
    for name in FILTER_FIELDS:
        params.append(
            {
                "name": name,
                "in": "query",
                "description": _FILTER_HELP.get(name, name)
                + " Repeatable: OR within the parameter, AND across parameters; values are "
                "trimmed and blank ones ignored.",
                "schema": rules.filter_values(name),
                "style": "form",
                "explode": True,
            }
        )
    return params


def _error_body() -> dict[str, Any]:
    """The contract's ``{"code", "message"}`` object, in error responses and bulk items alike."""
    return {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "enum": sorted(STATUS)},
            "message": {"type": "string"},
        },
    }


def _schemas(settings: Settings) -> dict[str, Any]:
    facet_list = {"type": "array", "items": _ref("FacetValue")}
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": _error_body(),
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
                "author": _AUTHORS,
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
                "expansions": {
                    "type": "array",
                    "description": "What the synonym set added to the query (absent when nothing).",
                    "items": {
                        "type": "object",
                        "required": ["term", "synonyms"],
                        "properties": {
                            "term": {"type": "string"},
                            "synonyms": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                },
            },
        },
        "SearchRequest": rules.search_body(settings),
        "ESSearchRequest": rules.es_search_body(settings),
        **rules.es_clause_schemas(settings),
        "NativeDocument": rules.native_document(settings),
        "NinjsDocument": rules.ninjs_document(settings),
        "WriteResult": {
            "type": "object",
            "required": ["id", "result", "chunks", "version"],
            "properties": {
                "id": {"type": "string"},
                "result": {"type": "string", "enum": ["created", "updated"]},
                "chunks": {"type": "integer", "minimum": 0},
                "version": _nullable("string"),
            },
        },
        "BulkResponse": {
            "type": "object",
            "required": ["took", "errors", "items"],
            "properties": {
                "took": {"type": "integer", "description": "Milliseconds."},
                "errors": {"type": "boolean", "description": "True when any line failed."},
                "items": {
                    "type": "array",
                    "description": "One per action, in order: {index: …} or {delete: …}.",
                    "items": {
                        "type": "object",
                        "minProperties": 1,
                        "maxProperties": 1,
                        "additionalProperties": _ref("BulkItem"),
                    },
                },
            },
        },
        "BulkItem": {
            "type": "object",
            "required": ["_id", "line", "status"],
            "properties": {
                "_id": _nullable("string"),
                "line": {"type": "integer", "description": "1-based line of the request body."},
                "status": {"type": "integer"},
                "result": {"type": "string", "enum": ["created", "updated", "deleted"]},
                "chunks": {"type": "integer"},
                "version": _nullable("string"),
                "error": _error_body(),
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
                "author": _AUTHORS,
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
                "index": {
                    "type": "string",
                    "description": "Live index (Whoosh: its directory; OpenSearch: the index "
                    "behind the alias); changes when a reindex swaps in.",
                },
                "backend": {"type": "string", "enum": ["whoosh", "opensearch"]},
                "cluster": {
                    "type": "object",
                    "description": "OpenSearch backend only: the cluster's health.",
                    "properties": {
                        "status": {"type": "string", "enum": ["green", "yellow", "red"]},
                        "nodes": {"type": "integer"},
                        "name": {"type": "string"},
                    },
                },
                "version": {"type": "string"},
            },
        },
    }


#: Reads: public unless read keys are configured (then a read or write key).
READ_SECURITY: list[dict[str, list[str]]] = [{}, {"bearer": []}]
#: Writes: always a write key.
WRITE_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]


def build_spec(settings: Settings) -> dict[str, Any]:
    """The whole document; deterministic for a given version and settings."""
    err = {"$ref": "#/components/responses/Error"}
    write_errors = {"400": err, "401": err, "403": err, "413": err, "415": err, "503": err}
    doc_body = {
        "required": True,
        "content": {
            media: {
                "schema": {"oneOf": [_ref("NativeDocument"), _ref("NinjsDocument")]},
            }
            for media in ("application/json", "application/ninjs+json")
        },
    }
    doc_id_param = {
        "name": "doc_id",
        "in": "path",
        "required": True,
        "description": "The document id (404 on GET and DELETE when it breaks the rule: no "
        "document can have it; 400 on PUT).",
        "schema": rules.doc_id_schema(),
        "example": "000_a2191ec13ae00466",
    }
    html = {"text/html": {"schema": {"type": "string"}}}
    statuses = ", ".join(f"`{code}` {status}" for code, status in sorted(STATUS.items()))
    spec: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "searchsvc",
            "version": __version__,
            "summary": "Full-text search for newsrooms: paragraph and speaker-turn chunks.",
            "description": (
                'Every error is `{"error": {"code", "message"}}`. Codes and statuses: '
                + statuses
                + ". A query parameter with an empty value is the same as an absent one. "
                "GET responses carry `Cache-Control` and an `ETag` (index generation + "
                "request); `If-None-Match` gets 304; `Accept-Encoding: gzip` is honoured."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/search": {
                "get": {
                    "operationId": "search",
                    "security": READ_SECURITY,
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
                    "security": READ_SECURITY,
                    "summary": "The same search with its parameters in a JSON body.",
                    "description": (
                        "For queries or filter lists too long for a URL, and for clients written "
                        "for Elasticsearch. A body with any of `query`, `from`, `size`, "
                        "`post_filter`, `filter` is Elasticsearch style (ESSearchRequest); "
                        "otherwise its field names and meanings are those of GET and filters "
                        "take a string or a list of strings."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [_ref("SearchRequest"), _ref("ESSearchRequest")]
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(_ref("SearchResponse"), "One page of hits."),
                        "400": err,
                        "413": err,
                        "415": err,
                    },
                },
            },
            "/search.atom": {
                "get": {
                    "operationId": "searchAtom",
                    "security": READ_SECURITY,
                    "summary": "A query's hits as an Atom feed, newest first.",
                    "description": (
                        f"The GET /search parameters; `sort` defaults to `{FEED_SORT}` and "
                        f"`per_page` to {FEED_PER_PAGE}. Each entry: id `urn:searchsvc:chunk:ID`, title = document title + "
                        "¶N, updated = document date, link = absolute paragraph permalink, "
                        "summary = plain-text snippet, author = speaker (else the authors, else source)."
                    ),
                    "parameters": _search_parameters(settings, FEED_PER_PAGE, FEED_SORT),
                    "responses": {
                        "200": {
                            "description": "Atom 1.0 feed.",
                            "content": {"application/atom+xml": {"schema": {"type": "string"}}},
                        },
                        "304": {"description": "Not modified (If-None-Match)."},
                        "400": err,
                        "401": err,
                    },
                }
            },
            "/opensearch.xml": {
                "get": {
                    "operationId": "openSearchDescription",
                    "summary": "OpenSearch 1.1 description (HTML, JSON and Atom URL templates).",
                    "responses": {
                        "200": {
                            "description": "The description, with absolute URLs of this host.",
                            "content": {
                                "application/opensearchdescription+xml": {
                                    "schema": {"type": "string"}
                                }
                            },
                        }
                    },
                }
            },
            "/documents/_bulk": {
                "post": {
                    "operationId": "bulkDocuments",
                    "security": WRITE_SECURITY,
                    "summary": "Index and delete many documents: NDJSON, one action per line.",
                    "description": (
                        "Each line is a document (native or ninjs; id from `id` or the ninjs "
                        '`uri`) or `{"delete": "ID"}`; Elasticsearch\'s `{"index": {"_id": '
                        '"ID"}}` + document line and `{"delete": {"_id": "ID"}}` work too. '
                        "Every line succeeds or fails alone with the status and error code the "
                        "single-document call would give; after a writer-lock timeout (or 20 s) "
                        "the remaining lines are answered 503 without being tried. Lines are "
                        "stored in batches (`SEARCHSVC_BULK_BATCH`, one commit each) and each "
                        "is answered once its batch is committed and searchable."
                    ),
                    "requestBody": {
                        "required": True,
                        "description": "NDJSON. Elasticsearch clients' `application/json` "
                        "is taken as NDJSON too.",
                        "content": {
                            media: {"schema": {"type": "string"}}
                            for media in ("application/x-ndjson", "application/ndjson")
                        },
                    },
                    "responses": {
                        "200": _json(_ref("BulkResponse"), "One item per action."),
                        **write_errors,
                    },
                }
            },
            "/documents/{doc_id}": {
                "put": {
                    "operationId": "putDocument",
                    "security": WRITE_SECURITY,
                    "summary": "Index or replace a document (native JSON or IPTC ninjs).",
                    "description": (
                        "Chunked like files. Searchable from every worker within 1 s of the "
                        "answer. An older `version`/`versioncreated` than the stored one is "
                        "refused with 409 and changes nothing; no version always replaces."
                    ),
                    "parameters": [doc_id_param],
                    "requestBody": doc_body,
                    "responses": {
                        "200": _json(_ref("WriteResult"), "Replaced an existing document."),
                        "201": _json(_ref("WriteResult"), "Created."),
                        "409": err,
                        **write_errors,
                    },
                },
                "delete": {
                    "operationId": "deleteDocument",
                    "security": WRITE_SECURITY,
                    "summary": "Remove a document and every one of its chunks.",
                    "parameters": [doc_id_param],
                    "responses": {
                        "204": {"description": "Deleted."},
                        "401": err,
                        "403": err,
                        "404": err,
                        "503": err,
                    },
                },
                "get": {
                    "operationId": "getDocument",
                    "security": READ_SECURITY,
                    "summary": "A document with numbered paragraphs; the target of citations.",
                    "description": (
                        "JSON for `Accept: application/json` or `?format=json`; otherwise an HTML "
                        'page whose paragraphs carry `id="pN"` anchors.'
                    ),
                    "parameters": [
                        doc_id_param,
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
                },
            },
            "/suggest": {
                "get": {
                    "operationId": "suggest",
                    "security": READ_SECURITY,
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
            "/synonyms": {
                "get": {
                    "operationId": "getSynonyms",
                    "security": READ_SECURITY,
                    "summary": "The synonym set, in the Solr/Elasticsearch synonyms format.",
                    "responses": {
                        "200": {
                            "description": "One rule a line: `a, b, c` or `a => b`.",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        },
                        "401": err,
                        "403": err,
                    },
                },
                "put": {
                    "operationId": "putSynonyms",
                    "security": WRITE_SECURITY,
                    "summary": "Replace the synonym set; applied to the next search, no reindex.",
                    "description": (
                        "The whole set, in the file format (UTF-8): one rule a line, "
                        "`a, b, c` (two or more equivalent terms) or `a, b => c` (one way); "
                        "`#` starts a comment, blank lines are ignored; a term holds a letter "
                        "or digit, and not only stopwords; at most "
                        f"{MAX_SYNONYM_RULES} rules. A malformed line is a 400 "
                        "`invalid_synonyms` naming it, and the old set stays."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "text/plain": {
                                "schema": {"type": "string", "pattern": synonyms_pattern()}
                            }
                        },
                    },
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["rules", "terms"],
                                "properties": {
                                    "rules": {"type": "integer", "minimum": 0},
                                    "terms": {"type": "integer", "minimum": 0},
                                },
                            },
                            "Stored.",
                        ),
                        **write_errors,
                    },
                },
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
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": (
                        "An API key: `Authorization: Bearer KEY`. Writes need a write key "
                        "(SEARCHSVC_WRITE_KEYS or `write:` lines of the keys file); reads need a "
                        "read or write key only when read keys are configured. 401 without or "
                        "with an unknown key, 403 when a read key tries to write."
                    ),
                }
            },
            "schemas": _schemas(settings),
            "responses": {"Error": _json(_ref("Error"), "An error; see `info.description`.")},
        },
    }
    openapi_desk.extend(spec, _search_parameters(settings), READ_SECURITY)
    for path, item in spec["paths"].items():
        for op in item.values():
            if op.get("security") is READ_SECURITY:  # reads answer 401 once read keys exist
                op["responses"].setdefault("401", err)
            if path != "/health":  # a worker at capacity (MAX_INFLIGHT, MAX_QUEUE_WAIT): 503
                op["responses"].setdefault("503", err)
            if "requestBody" in op:  # the body did not arrive within SEARCHSVC_BODY_TIMEOUT
                op["responses"].setdefault("408", err)
            if op.get("security") is WRITE_SECURITY:  # the index disk is full
                op["responses"].setdefault("507", err)
            for param in op.get("parameters", []):
                optional = param["in"] == "query" and not param.get("required")
                if optional and param["schema"].get("type") != "array":
                    param["allowEmptyValue"] = True  # web forms send empty fields
    return spec


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
