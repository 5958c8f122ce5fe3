"""A tiny escaping template for the few HTML pages the API renders itself.

Templates are real files under ``searchsvc/web/`` so the web engineer can restyle them without
touching Python. Placeholders are ``string.Template`` names (``$title``); every value is
HTML-escaped on the way in, so no document text can inject markup. Repeated or optional parts are
blocks marked ``<!-- block:NAME -->…<!-- /block:NAME -->``, rendered once per item (zero times
hides them). There is deliberately no way to insert unescaped text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
_BLOCK = re.compile(r"<!-- block:(\w+) -->(.*?)<!-- /block:\1 -->", re.DOTALL)


def escape(value: Any) -> str:
    """None renders as nothing; everything else as escaped text (quotes too, for attributes)."""
    return "" if value is None else html.escape(str(value), quote=True)


def safe_url(url: str | None) -> str | None:
    """Only http(s) and site-relative links may become ``href``s (no ``javascript:``)."""
    if not url:
        return None
    url = url.strip()
    if url.startswith(("http://", "https://")) or (
        url.startswith("/") and not url.startswith("//")
    ):
        return url
    return None


class HtmlTemplate:
    def __init__(self, text: str):
        self.blocks: dict[str, Template] = {}

        def cut(match: re.Match[str]) -> str:
            self.blocks[match.group(1)] = Template(match.group(2))
            return "${__block_" + match.group(1) + "}"

        self.page = Template(_BLOCK.sub(cut, text))

    def render(
        self,
        values: Mapping[str, Any],
        blocks: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    ) -> str:
        """Fill placeholders with escaped ``values``; each block once per item of ``blocks``."""
        fields = {k: escape(v) for k, v in values.items()}
        blocks = blocks or {}
        for name, block in self.blocks.items():
            items = blocks.get(name, ())
            fields["__block_" + name] = "".join(
                block.substitute({k: escape(v) for k, v in item.items()}) for item in items
            )
        return self.page.substitute(fields)


@lru_cache(maxsize=8)
def load_template(name: str) -> HtmlTemplate:
    """Templates are read once per worker; editing one needs a restart (gunicorn HUP)."""
    return HtmlTemplate((WEB_DIR / name).read_text(encoding="utf-8"))
