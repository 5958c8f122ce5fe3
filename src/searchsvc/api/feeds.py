"""/opensearch.xml and /search.atom: the newsroom conventions for search boxes and feeds.

``/opensearch.xml`` is an OpenSearch 1.1 description, so browsers can add searchsvc as a search
engine and tools can discover the HTML page, the JSON API and the Atom feed by their templates.
``/search.atom?q=…`` is an Atom (RFC 4287) feed of a query's hits, newest first, each entry
linking to the paragraph's permalink, so an editor can follow a topic in any feed reader.

Both take their absolute URLs from the request (``Forwarded``/``X-Forwarded-*`` when a proxy
sets them), since a description or feed is read away from the site. Both are built with
``xml.etree.ElementTree`` so every value is escaped; characters XML 1.0 cannot carry (control
characters a pushed story might contain) are dropped first, so the output always parses.
"""

from __future__ import annotations

import dataclasses
import html
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import falcon

from .. import __version__
from ..engine.service import Engine
from .search import parse_query_string

OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"
ATOM_TYPE = "application/atom+xml"
FEED_PER_PAGE = 20
FEED_SORT = "-date"
EPOCH = "1970-01-01T00:00:00Z"  # entries of undated documents (pushed without a date)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MARK = re.compile(r"</?mark>")

ET.register_namespace("", ATOM_NS)


def xml_text(value: Any) -> str:
    """A string XML 1.0 can hold (ElementTree escapes <, & and quotes, but not these)."""
    return _NOT_XML.sub("", str(value))


def base_url(req: falcon.Request) -> str:
    """``scheme://host[:port]`` as the client reached us (through a proxy if there is one)."""
    return req.forwarded_prefix.rstrip("/")


def _serialize(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


class OpenSearchResource:
    """The OpenSearch 1.1 description document."""

    public = True  # browsers fetch it without credentials

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        base = base_url(req)
        root = ET.Element("OpenSearchDescription", xmlns=OPENSEARCH_NS)
        ET.SubElement(root, "ShortName").text = "searchsvc"
        ET.SubElement(
            root, "Description"
        ).text = "Search newsroom transcripts, briefings and articles by paragraph and speaker."
        ET.SubElement(root, "InputEncoding").text = "UTF-8"
        ET.SubElement(root, "OutputEncoding").text = "UTF-8"
        for mime, path in (
            ("text/html", "/?q={searchTerms}"),
            ("application/json", "/search?q={searchTerms}&page={startPage?}"),
            (ATOM_TYPE, "/search.atom?q={searchTerms}&page={startPage?}"),
        ):
            ET.SubElement(root, "Url", type=mime, template=xml_text(base + path))
        ET.SubElement(root, "Url", type=OPENSEARCH_TYPE, rel="self", template=base + req.path)
        ET.SubElement(root, "Image", height="16", width="16", type="image/svg+xml").text = (
            base + "/static/favicon.svg"
        )
        resp.data = _serialize(root)
        resp.content_type = OPENSEARCH_TYPE + "; charset=utf-8"
        resp.cache_control = ["public", "max-age=3600"]
        resp.vary = ["Host", "Forwarded", "X-Forwarded-Host", "X-Forwarded-Proto"]


class AtomResource:
    """A query's hits as an Atom feed, newest first (``sort`` may override)."""

    index_backed = True  # ETag from the index generation (see middleware)

    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        request = parse_query_string(req, per_page=FEED_PER_PAGE, sort=FEED_SORT)
        request = dataclasses.replace(request, facets=False)
        result = self.engine.search(request).as_dict()
        resp.data = _serialize(build_feed(result, base_url(req), req.relative_uri))
        resp.content_type = ATOM_TYPE + "; charset=utf-8"


def _rfc3339(day: str | None) -> str:
    return f"{day}T00:00:00Z" if day and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else EPOCH


def build_feed(result: dict[str, Any], base: str, self_uri: str) -> ET.Element:
    """The Atom ``<feed>`` for one page of ``/search`` JSON."""
    q = result.get("query") or ""
    hits = result.get("hits", [])
    feed = ET.Element(f"{{{ATOM_NS}}}feed")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(
            parent, f"{{{ATOM_NS}}}{tag}", {k: xml_text(v) for k, v in attrs.items()}
        )
        if text is not None:
            el.text = xml_text(text)
        return el

    sub(feed, "id", f"{base}{self_uri}")
    sub(feed, "title", f"searchsvc: {q}" if q else "searchsvc: newest paragraphs")
    sub(feed, "subtitle", f"{result.get('total', 0)} matching paragraphs, newest first")
    dates = [_rfc3339((h.get("document") or {}).get("date")) for h in hits]
    sub(feed, "updated", max(dates, default=EPOCH))
    sub(feed, "link", rel="self", type=ATOM_TYPE, href=base + self_uri)
    sub(feed, "link", rel="alternate", type="text/html", href=f"{base}/?{urlencode({'q': q})}")
    sub(sub(feed, "author"), "name", "searchsvc")
    sub(feed, "generator", "searchsvc", version=__version__)
    for hit, updated in zip(hits, dates, strict=True):
        doc = hit.get("document") or {}
        entry = sub(feed, "entry")
        sub(entry, "id", f"urn:searchsvc:chunk:{hit['id']}")
        title = doc.get("title") or doc.get("id") or "Untitled"
        sub(entry, "title", f"{title} ¶{hit.get('paragraph')}")
        sub(entry, "updated", updated)
        sub(entry, "link", rel="alternate", type="text/html", href=base + hit["citation"]["url"])
        plain = html.unescape(_MARK.sub("", hit.get("snippet") or ""))
        sub(entry, "summary", plain, type="text")
        author = hit.get("speaker") or doc.get("source")
        if author:
            sub(sub(entry, "author"), "name", author)
        if doc.get("source"):
            sub(entry, "category", term=doc["source"], label=doc["source"])
    return feed
