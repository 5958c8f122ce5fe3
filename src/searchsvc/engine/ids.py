"""The document-id rule: one definition for ingest, the HTTP API and the OpenAPI document.

An id names a story in a URL path (``/documents/ID``), in a citation (``/documents/ID#p7``) and
in every chunk id (``ID:7``), so it must be a path segment that needs no escaping in an IRI
(RFC 3987's *iunreserved*): ASCII letters and digits, ``-``, ``.``, ``_``, ``~``, and non-ASCII
characters — ids of a newsroom working in Hindi, Arabic or Chinese, or a CMS's Unicode slugs,
are ids like any other. Refused: ASCII punctuation (``/``, ``:``, ``#``, ``?``, ``%``, spaces…),
control, space, bidirectional-formatting and private-use characters and non-characters (RFC 3987
forbids or discourages all of them in IRIs, and none can be seen or typed), and ids made of dots
only (``.`` and ``..`` are path segments that clients rewrite). At most ``DOC_ID_MAX_LENGTH``
characters. Ids are taken as given: nothing is trimmed.

``DOC_ID_PATTERN`` is written in the subset of regular-expression syntax Python and ECMA-262 (the
dialect of OpenAPI's ``pattern``) read alike: a negated class of Basic Multilingual Plane ranges,
so characters beyond it (emoji, rare CJK) are allowed by both.
"""

from __future__ import annotations

import re

from ..errors import InvalidDocument

DOC_ID_MAX_LENGTH = 200

#: Code points an id may not hold: ASCII other than letters, digits and ``-._~``; C1 controls and
#: no-break space; the other Unicode spaces, zero-width space and bidi marks; line and paragraph
#: separators, bidi embeddings, narrow no-break space; invisible operators and bidi isolates;
#: ideographic space; private use; non-characters; byte-order mark; specials (U+FFFD included,
#: which is what an undecodable character became).
_REFUSED = (
    (0x00, 0x2C),
    (0x2F, 0x2F),
    (0x3A, 0x40),
    (0x5B, 0x5E),
    (0x60, 0x60),
    (0x7B, 0x7D),
    (0x7F, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200B),
    (0x200E, 0x200F),
    (0x2028, 0x202F),
    (0x205F, 0x206F),
    (0x3000, 0x3000),
    (0xE000, 0xF8FF),
    (0xFDD0, 0xFDEF),
    (0xFEFF, 0xFEFF),
    (0xFFF0, 0xFFFF),
)


def _class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"\\u{lo:04x}" if lo == hi else f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in ranges)


DOC_ID_PATTERN = f"^(?!\\.+$)[^{_class(_REFUSED)}]+$"
DOC_ID_RULE = (
    f"1–{DOC_ID_MAX_LENGTH} characters: letters and digits of any script, '-', '.', '_', '~' "
    "and other non-ASCII characters; no spaces, no other ASCII punctuation, not only dots"
)
_DOC_ID = re.compile(DOC_ID_PATTERN)


def is_doc_id(value: object) -> bool:
    """Whether ``value`` is a valid document id, exactly as given."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= DOC_ID_MAX_LENGTH
        and _DOC_ID.fullmatch(value) is not None
    )


def check_doc_id(value: object, what: str = "id") -> str:
    """``value`` as a document id: a string (or an integer, written in decimal) that follows the
    rule; ``InvalidDocument`` naming ``what`` otherwise."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidDocument(f"field '{what}' must be a string, not {type(value).__name__}")
    text = str(value)
    if not text:
        raise InvalidDocument(f"field '{what}' must not be empty")
    if not is_doc_id(text):
        raise InvalidDocument(f"field '{what}' {text[:60]!r} is not a document id ({DOC_ID_RULE})")
    return text
