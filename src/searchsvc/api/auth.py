"""API keys: who may write, and who may read when reading is not public.

Clients send ``Authorization: Bearer KEY``. Keys come from ``Settings`` (``SEARCHSVC_WRITE_KEYS``,
``SEARCHSVC_READ_KEYS`` and the keys file, through ``settings.keys()``); the keys file is re-read
when its modification time changes, so a key can be rotated without restarting gunicorn.

Each resource says what it needs, so the rule sits next to the route rather than in a path list:
``public = True`` (the page, its assets, /health, the OpenAPI and OpenSearch descriptions: a
load balancer or a browser fetches them without credentials) or ``write_methods`` (the HTTP
methods that change the index). Everything else is a read: public while no read keys are
configured, otherwise any read or write key will do. Writes always need a write key; with none
configured, writes are refused. CORS preflights (OPTIONS) never carry credentials and pass.

The presented key is compared with ``hmac.compare_digest`` against every configured key (no early
exit), so timing does not reveal a key's prefix or which list it is in. Keys never appear in
messages or logs; the access log format does not include request headers.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

import falcon

from ..config import Settings
from ..errors import Forbidden, Unauthorized

READ, WRITE = "read", "write"


def bearer_token(header: str | None) -> str | None:
    """The token of ``Authorization: Bearer TOKEN`` (scheme case-insensitive), else None."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def _matches(token: bytes, keys: frozenset[bytes]) -> bool:
    """Constant time over the whole list: every key is compared, whatever matched first."""
    found = False
    for key in keys:
        found |= hmac.compare_digest(token, key)
    return found


class KeyRing:
    """The configured keys as UTF-8 bytes (``compare_digest`` refuses non-ASCII ``str``)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._stamp: float | None = None
        self._load()

    def _file_stamp(self) -> float | None:
        path = self.settings.keys_file
        if path is None:
            return None
        try:
            return os.stat(path).st_mtime
        except OSError:
            return -1.0  # unreadable: _load raises ConfigError, a 500 the operator sees

    def _load(self) -> None:
        read, write = self.settings.keys()
        self.write = frozenset(k.encode() for k in write)
        self.read = frozenset(k.encode() for k in read) | self.write
        self.reads_public = not read
        self._stamp = self._file_stamp()

    def refresh(self) -> None:
        if self.settings.keys_file is not None and self._file_stamp() != self._stamp:
            self._load()

    def scope(self, token: str | None) -> str | None:
        """``write``, ``read`` or None (no or unknown key)."""
        if token is None:
            return None
        try:  # WSGI hands headers over as latin-1 text: this recovers the bytes sent
            raw = token.encode("latin-1")
        except UnicodeEncodeError:
            raw = token.encode("utf-8", "surrogateescape")
        is_write = _matches(raw, self.write)
        is_read = _matches(raw, self.read)
        if is_write:
            return WRITE
        return READ if is_read else None


def required_scope(resource: Any, method: str) -> str | None:
    """What ``method`` on ``resource`` needs: ``write``, ``read`` or None (public)."""
    if method == "OPTIONS" or resource is None or getattr(resource, "public", False):
        return None
    if method in getattr(resource, "write_methods", ()):
        return WRITE
    return READ


class AuthMiddleware:
    """Checks the key before the resource runs (and before the caching middleware can answer
    304), raising the ``unauthorized``/``forbidden`` errors the one error handler renders."""

    def __init__(self, settings: Settings):
        self.keys = KeyRing(settings)

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict
    ) -> None:
        needed = required_scope(resource, req.method)
        if needed is None:
            return
        self.keys.refresh()
        if needed == READ and self.keys.reads_public:
            return
        header = req.get_header("Authorization")
        token = bearer_token(header)
        scope = self.keys.scope(token)
        if scope is None:
            if needed == WRITE and not self.keys.write:
                raise Unauthorized("writes are disabled: no write keys are configured.")
            if header is None:
                raise Unauthorized(f"this {needed} needs an API key: Authorization: Bearer KEY.")
            raise Unauthorized("unknown API key or not a Bearer token.")
        if needed == WRITE and scope != WRITE:
            raise Forbidden("this key may read but not write.")
