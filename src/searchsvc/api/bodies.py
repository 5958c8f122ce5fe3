"""Reading request bodies: media type, size bound and JSON parsing, in one place.

Every endpoint that takes a body (POST /search, PUT /documents/{id}, POST /documents/_bulk) reads
it through here, so the rules cannot drift: a wrong ``Content-Type`` is a 415, a body over the
endpoint's limit a 413 (decided from ``Content-Length`` before reading when the client sent one,
and by reading at most limit + 1 bytes otherwise, so a chunked upload cannot exhaust memory), and
JSON that does not parse, is not UTF-8 or nests deeply enough to exhaust the parser's recursion is
a 400 with the caller's error class, never a 500.
"""

from __future__ import annotations

import json
from typing import Any

import falcon

from ..engine.text.ingest.jsonfmt import scrub_json
from ..errors import InvalidParameter, PayloadTooLarge, SearchsvcError

JSON_TYPES = ("application/json",)
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/json")


def media_type(req: falcon.Request) -> str:
    """``Content-Type`` without parameters, lower-cased (``application/json; charset=utf-8`` →
    ``application/json``)."""
    return (req.content_type or "").split(";", 1)[0].strip().lower()


def is_json_type(mtype: str) -> bool:
    """``application/json`` or any ``application/*+json`` (e.g. ``application/ninjs+json``)."""
    return mtype in JSON_TYPES or (mtype.startswith("application/") and mtype.endswith("+json"))


def require_type(req: falcon.Request, accepted: tuple[str, ...] | None, what: str) -> None:
    """415 unless the body's media type is JSON (``accepted`` None) or one of ``accepted``."""
    mtype = media_type(req)
    ok = is_json_type(mtype) if accepted is None else mtype in accepted
    if not ok:
        wanted = "application/json" if accepted is None else " or ".join(accepted)
        raise falcon.HTTPUnsupportedMediaType(
            description=f"send {what} as {wanted}; got {mtype[:60] or 'no Content-Type'}."
        )


def read_body(req: falcon.Request, limit: int, what: str) -> bytes:
    """At most ``limit`` bytes of body; ``PayloadTooLarge`` beyond."""
    length = req.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(f"{what} is at most {limit} bytes; this one is {length}.")
    raw = req.bounded_stream.read(limit + 1)  # bounded even when chunked
    if len(raw) > limit:
        raise PayloadTooLarge(f"{what} is at most {limit} bytes.")
    return raw


def parse_json(raw: bytes | str, error: type[SearchsvcError] = InvalidParameter) -> Any:
    """``json.loads`` whose every failure (syntax, encoding, nesting) is ``error``."""
    try:
        return scrub_json(json.loads(raw))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "bad encoding or nesting"
        raise error(f"the body is not valid JSON ({detail}).") from None


def read_json(
    req: falcon.Request,
    limit: int,
    what: str,
    error: type[SearchsvcError] = InvalidParameter,
) -> Any:
    """Media type checked, size bounded, parsed: the whole of reading a JSON body."""
    require_type(req, None, what)
    return parse_json(read_body(req, limit, what), error)
