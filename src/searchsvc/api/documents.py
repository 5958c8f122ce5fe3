"""/documents: the document a citation points to, and the write API a CMS pushes stories to.

``GET /documents/{doc_id}``: citation URLs (``/documents/ID#p7``) are followed both by programs and by people, so the same URL
negotiates: JSON (metadata + numbered paragraphs) when the client asks for ``application/json``
(or ``?format=json``), otherwise an HTML page whose paragraphs carry ``id="pN"`` anchors so the
fragment scrolls to the cited paragraph.

``PUT /documents/{doc_id}`` indexes or replaces one document (native JSON or IPTC ninjs, detected by
``uri``), ``DELETE`` removes every chunk of it, ``POST /documents/_bulk`` takes NDJSON like
Elasticsearch's bulk API. The resources only read and check the body; ``Engine.put_json`` and
``Engine.delete_document`` do the work under the index's cross-process writer lock, one Whoosh
commit per document (its old chunks deleted and new ones added together, so readers never see half
a document), refusing an older ``version``/``versioncreated`` than the stored one (409). A bulk
request is stored ``SEARCHSVC_BULK_BATCH`` lines per commit (``Engine.bulk``), each line still
checked and answered on its own.
Visibility: every worker's reader looks for a newer index generation at most every 0.2 s, so an
acknowledged write is searchable from every gunicorn worker within a second.
"""

from __future__ import annotations

import time
from typing import Any

import falcon

from ..config import Settings
from ..engine.ids import check_doc_id, is_doc_id
from ..engine.service import Engine
from ..errors import DocumentNotFound, InvalidDocument, InvalidParameter, SearchsvcError
from .bodies import NDJSON_TYPES, parse_json, read_body, read_json, require_type
from .errors import status_for_error
from .html import load_template, safe_url

FORMATS = ("json", "html")
_META_LABELS = (
    ("source", "Source"),
    ("date", "Date"),
    ("kind", "Kind"),
    ("event", "Event"),
    ("author", "By"),
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
    meta = [
        {"label": label, "value": ", ".join(v) if isinstance(v, list) else v}
        for key, label in _META_LABELS
        if (v := doc.get(key) or (doc.get("byline") if key == "author" else None))
    ]
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
    write_methods = frozenset({"PUT", "DELETE"})

    def __init__(self, engine: Engine, settings: Settings | None = None):
        self.engine = engine
        self.settings = settings or Settings()

    def on_get(self, req: falcon.Request, resp: falcon.Response, doc_id: str) -> None:
        """One document, as JSON or as the citation target page."""
        as_json = wants_json(req)
        resp.vary = ["Accept"]
        if not is_doc_id(doc_id):  # no stored document can have it
            raise DocumentNotFound(f"no document with id {doc_id[:40]!r}.")
        doc = self.engine.get_document(doc_id)
        if as_json:
            resp.media = doc
        else:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = render_document_html(doc)

    def on_put(self, req: falcon.Request, resp: falcon.Response, doc_id: str) -> None:
        """Index or replace one document: 201 when new, 200 when it replaced one."""
        obj = read_json(req, self.settings.max_body_bytes, "a document", InvalidDocument)
        result = self.engine.put_json(obj, doc_id)
        resp.status = falcon.HTTP_201 if result.created else falcon.HTTP_200
        resp.location = f"/documents/{result.id}"
        resp.cache_control = ["no-store"]
        resp.media = result.as_dict()

    def on_delete(self, req: falcon.Request, resp: falcon.Response, doc_id: str) -> None:
        """Remove every chunk of the document; 404 when there is none."""
        if not is_doc_id(doc_id):  # no stored document can have it
            raise DocumentNotFound(f"no document with id {doc_id[:40]!r}.")
        self.engine.delete_document(doc_id)
        resp.status = falcon.HTTP_204


#: A bulk request answers within gunicorn's 30 s worker timeout: lines not reached in this many
#: seconds are answered 503 ``index_busy`` (not attempted) for the client to resend.
BULK_TIME_BUDGET = 20.0


class BulkResource:
    """``POST /documents/_bulk``: NDJSON, one action per line, each answered on its own.

    A line is a document (native or ninjs; its id from ``id`` or the ninjs ``uri``) or
    ``{"delete": "ID"}``. Elasticsearch's two-line form also works: ``{"index": {"_id": "ID"}}``
    followed by the document, and ``{"delete": {"_id": "ID"}}``. Blank lines are skipped. A bad
    line fails alone with the status and error code the single-document call would have given; once
    the writer lock times out (or the time budget is spent) the remaining lines are not attempted
    and answered 503, so the request never outlives the worker timeout. Lines are stored in
    batches (one commit each) and every line is answered only after its batch is committed.
    """

    write_methods = frozenset({"POST"})

    def __init__(self, engine: Engine, settings: Settings | None = None):
        self.engine = engine
        self.settings = settings or Settings()

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        t0 = time.perf_counter()
        require_type(req, NDJSON_TYPES, "a bulk request")
        raw = read_body(req, self.settings.max_body_bytes, "a bulk request")
        actions = _actions(raw)
        outcomes = self.engine.bulk(
            [(action, doc_id, obj) for _, action, doc_id, obj in actions],
            deadline=t0 + BULK_TIME_BUDGET,
        )
        items: list[dict[str, Any]] = []
        for (line_no, action, doc_id, _), outcome in zip(actions, outcomes, strict=True):
            item: dict[str, Any] = {"_id": doc_id, "line": line_no}
            if isinstance(outcome, SearchsvcError):
                item.update(
                    status=status_for_error(outcome),
                    error={"code": outcome.code, "message": outcome.message},
                )
            elif outcome is None:
                item.update(status=200, result="deleted")
            else:
                item.update(
                    _id=outcome.id,
                    status=201 if outcome.created else 200,
                    result=outcome.as_dict()["result"],
                    chunks=outcome.chunks,
                    version=outcome.version,
                )
            items.append({action: item})
        resp.cache_control = ["no-store"]
        resp.media = {
            "took": round((time.perf_counter() - t0) * 1000),
            "errors": any("error" in next(iter(i.values())) for i in items),
            "items": items,
        }


def _actions(raw: bytes) -> list[tuple[int, str, str | None, Any]]:
    """(line number, ``index``|``delete``, id or None, document or the line's error) per action."""
    lines = [(n, line) for n, line in enumerate(raw.split(b"\n"), 1) if line.strip()]
    out: list[tuple[int, str, str | None, Any]] = []
    i = 0
    while i < len(lines):
        n, line = lines[i]
        i += 1
        try:
            obj = parse_json(line, InvalidDocument)
        except InvalidDocument as exc:
            out.append((n, "index", None, exc))
            continue
        meta = _action_line(obj)
        if meta is None:  # a document on its own line
            out.append((n, "index", _own_id(obj), obj))
            continue
        action, doc_id = meta
        if isinstance(doc_id, SearchsvcError):
            out.append((n, action, None, doc_id))
            if action == "index" and i < len(lines):
                i += 1  # its document line goes with it
            continue
        if action == "delete":
            out.append((n, "delete", doc_id, None))
            continue
        if i >= len(lines):
            out.append(
                (
                    n,
                    "index",
                    doc_id,
                    InvalidDocument("an index line needs a document line after it."),
                )
            )
            continue
        n2, source = lines[i]
        i += 1
        try:
            doc = parse_json(source, InvalidDocument)
        except InvalidDocument as exc:
            doc = exc
        out.append((n2, "index", doc_id, doc))
    return out


def _action_line(obj: Any) -> tuple[str, Any] | None:
    """``{"delete": "ID"}``, ``{"delete": {"_id": "ID"}}`` or ``{"index": {"_id": "ID"}}`` →
    (action, id or its error); None when the line is a document."""
    if not isinstance(obj, dict) or len(obj) != 1:
        return None
    ((action, value),) = obj.items()
    if action == "delete":
        target = value.get("_id") if isinstance(value, dict) else value
    elif action == "index" and isinstance(value, dict):
        target = value.get("_id")
        if target is None:
            return "index", None
    else:
        return None
    try:
        return action, check_doc_id(target, "_id")
    except InvalidDocument as exc:
        return action, exc


def _own_id(obj: Any) -> str | None:
    """The id a document line names itself by, for the item's ``_id`` (None when it has none; the
    engine then derives it from a ninjs ``uri`` or refuses the line)."""
    if (
        isinstance(obj, dict)
        and isinstance(obj.get("id"), str | int)
        and not isinstance(obj.get("id"), bool)
    ):
        return str(obj["id"]) or None
    return None
