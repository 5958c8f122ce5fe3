"""GET / and GET /static/{name}: the search page and its assets from ``searchsvc/web/``.

In production nginx serves ``/static/`` straight from disk (deploy/nginx); this resource makes
``searchsvc serve`` complete on its own. Files are looked up by a single safe name (no path
segments, so no traversal), carry a content-hash ETag and a ``Cache-Control`` header; the caching
middleware answers a matching ``If-None-Match`` with 304 and the gzip middleware compresses text.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import Path

import falcon

from ..errors import SearchsvcError
from .html import WEB_DIR

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
#: Assets are not content-hashed in their names, so they may be stale for at most this long.
ASSET_MAX_AGE = 3600
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}


class NotFound(SearchsvcError):
    code = "not_found"


def serve_file(resp: falcon.Response, path: Path, cache_control: list[str]) -> None:
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise NotFound(f"no such file: {path.name}") from None
    resp.data = data
    resp.content_type = _TYPES.get(path.suffix.lower()) or (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
    resp.etag = '"' + hashlib.sha1(data).hexdigest()[:20] + '"'
    resp.cache_control = cache_control


class IndexPageResource:
    """The search page itself; always revalidated so a deploy shows up at once."""

    public = True  # no API key even when read keys are configured (see auth.py)

    def __init__(self, web_dir: Path = WEB_DIR):
        self.web_dir = web_dir

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        serve_file(resp, self.web_dir / "index.html", ["no-cache"])

    on_head = on_get  # load balancers and curl -I probe with HEAD; Falcon drops the body


class StaticResource:
    public = True  # no API key even when read keys are configured (see auth.py)

    def __init__(self, web_dir: Path = WEB_DIR):
        self.web_dir = web_dir

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        if not _SAFE_NAME.match(name) or name.endswith((".py", ".pyc")):
            raise NotFound(f"no such file: {name[:60]}")
        serve_file(resp, self.web_dir / name, ["public", f"max-age={ASSET_MAX_AGE}"])

    on_head = on_get  # load balancers and curl -I probe with HEAD; Falcon drops the body
