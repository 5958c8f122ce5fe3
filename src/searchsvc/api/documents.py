"""GET /documents/{doc_id}: the document a citation points to.

Citation URLs (``/documents/ID#p7``) are followed both by programs and by people, so the same URL
negotiates: JSON (metadata + numbered paragraphs) when the client asks for ``application/json``
(or ``?format=json``), otherwise an HTML page whose paragraphs carry ``id="pN"`` anchors so the
fragment scrolls to the cited paragraph.
"""

from __future__ import annotations

from typing import Any

import falcon

from ..engine.service import Engine
from ..errors import DocumentNotFound, InvalidParameter
from .html import load_template, safe_url

MAX_ID_LENGTH = 512
FORMATS = ("json", "html")
_META_LABELS = (
    ("source", "Source"),
    ("date", "Date"),
    ("kind", "Kind"),
    ("event", "Event"),
    ("byline", "Byline"),
)


def wants_json(req: falcon.Request) -> bool:
    """``?format=`` wins; else JSON only when preferred over HTML (``*/*`` gets the page)."""
    fmt = req.get_param("format")
    if fmt is not None:
        if fmt not in FORMATS:
            raise InvalidParameter(f"format must be json or html; got {fmt[:20]!r}.")
        return fmt == "json"
    return req.client_prefers([falcon.MEDIA_HTML, falcon.MEDIA_JSON]) == falcon.MEDIA_JSON


def render_document_html(doc: dict[str, Any]) -> str:
    """The document page; every value is escaped by the template."""
    title = doc.get("title") or doc.get("id") or "Untitled"
    meta = [{"label": label, "value": doc[key]} for key, label in _META_LABELS if doc.get(key)]
    url = safe_url(doc.get("url"))
    paragraphs = [
        {
            "number": p.get("number"),
            "speaker": p.get("speaker"),
            "role": p.get("role"),
            "section": p.get("section"),
            "kind": p.get("kind") or "paragraph",
            "text": p.get("text"),
        }
        for p in doc.get("paragraphs", [])
    ]
    return load_template("document.html").render(
        {"id": doc.get("id"), "title": title},
        {"meta": meta, "original": [{"url": url}] if url else [], "paragraph": paragraphs},
    )


class DocumentResource:
    index_backed = True

    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response, doc_id: str) -> None:
        """One document, as JSON or as the citation target page."""
        as_json = wants_json(req)
        resp.vary = ["Accept"]
        if len(doc_id) > MAX_ID_LENGTH:
            raise DocumentNotFound(f"no document with id {doc_id[:40]!r}…")
        doc = self.engine.get_document(doc_id)
        if as_json:
            resp.media = doc
        else:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = render_document_html(doc)
