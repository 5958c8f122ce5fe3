"""Ingest reader for HTML (``.html``/``.htm``) and for ``body_html`` in JSON and ninjs.

Whole pages go through trafilatura, which finds the main text (not navigation, scripts, styles,
headers or footers) and keeps paragraphs one per line; its metadata gives title, date, site name
and URL. When trafilatura finds nothing (tiny pages, fragments), a small ``html.parser`` extractor
takes over: it drops script/style/nav/header/footer/aside/form content and breaks paragraphs at
block elements. Both outputs then go through the shared paragraph builder, so boilerplate removal
and whitespace rules are the same as for every other format.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from ...models import Document
from .metadata import analyse, parse_date
from .paragraphs import join_paragraphs, split_paragraphs
from .text import read_source

_SKIP = frozenset(
    {
        "script",
        "style",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "noscript",
        "template",
        "svg",
        "button",
        "select",
        "iframe",
        "head",
    }
)
_BLOCK = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "section",
        "article",
        "main",
        "figure",
        "figcaption",
        "table",
        "tr",
        "td",
        "th",
        "pre",
        "dd",
        "dt",
        "dl",
        "hr",
        "address",
        "caption",
        "body",
        "html",
    }
)
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "source", "area", "col"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False
        self.captions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _VOID:
            if tag in _BLOCK:
                self.parts.append("\n\n")
            return
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skip:
            self.parts.append(data.replace("\n", " "))


def html_to_text(html: str) -> tuple[str, str]:
    """(text with paragraphs separated by blank lines, <title>) by the simple extractor."""
    p = _TextExtractor()
    p.feed(html)
    p.close()
    return "".join(p.parts), " ".join("".join(p.title).split())


_PRE = re.compile(r"<pre\b[^>]*>(.*?)</pre\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def preformatted_text(raw: str) -> str | None:
    """The text of a page that is mostly ``<pre>`` (GPO hearings, printed records), line for
    line; None for other pages. Extractors reflow ``<pre>`` and lose the indents that mark its
    paragraphs."""
    blocks = _PRE.findall(raw)
    if not blocks:
        return None
    text = "\n".join(html_lib.unescape(_TAG.sub("", b)) for b in blocks)
    visible = html_lib.unescape(_TAG.sub(" ", _PRE.sub(" ", raw)))
    if len(text.split()) < 3 * len(visible.split()):
        return None
    return text


def parse_html(raw: str, doc_id: str, path: str | None = None) -> Document:
    title = date = source = url = None
    text = None
    try:
        import trafilatura

        ext = trafilatura.bare_extraction(
            raw, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception:  # trafilatura raises assorted parser errors on broken markup
        ext = None
    pre = preformatted_text(raw)
    if pre is not None:
        text = pre  # a <pre> page keeps its lines and indents: they are its paragraphing
        title, url = ext.title if ext else None, ext.url if ext else None
        source = (ext.sitename or ext.hostname) if ext else None
        date = parse_date(ext.date) if ext is not None and ext.date else None
    elif ext is not None and (ext.text or "").strip():
        text = ext.text.replace("\n", "\n\n")
        title, url, source = ext.title, ext.url, ext.sitename or ext.hostname
        date = parse_date(ext.date) if ext.date else None
    fallback_text, fallback_title = html_to_text(raw)
    if text is None:
        text = fallback_text
    paras = split_paragraphs(text)
    meta = analyse(paras)
    title = title or fallback_title or meta.title
    return Document(
        id=doc_id,
        text=join_paragraphs([p.text for p in paras]),
        title=title,
        source=source or meta.source,
        date=date or meta.date,
        kind=meta.kind,
        event=title if meta.kind == "transcript" else None,
        url=url,
        captions=meta.captions,
        metadata_paragraphs=meta.meta,
        path=path,
    )


def read_html(path: Path, doc_id: str) -> Iterator[Document]:
    yield parse_html(read_source(path), doc_id, str(path))
