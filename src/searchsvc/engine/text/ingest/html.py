"""Ingest reader for HTML (``.html``/``.htm``) and for ``body_html`` in JSON and ninjs.

A page is read in four steps, each its own function:

1. **Page metadata** (:func:`page_meta`) from the head: ``<title>``, ``og:title``, the first
   ``<h1>``, ``og:site_name``, publication dates (``article:published_time``, ``DC.date``,
   ``date``, ``datePublished``…), authors (``<meta name="author">``, ``article:author``, JSON-LD
   ``author``), the canonical URL, and the same fields from JSON-LD ``NewsArticle`` objects.
2. **Page furniture out of the tree, by shape** (:func:`strip_furniture`): lists whose items are
   mostly links (menus, "Related News" and "More stories" lists of other articles and their dates)
   together with the short heading that introduces them; short blocks made mostly of links (share
   bars, breadcrumbs, pagers, footer link rows, a lone "Home"); copyright notices. No list of site
   names or phrases: a block goes because of what it is made of.
3. **Speaker labels kept** (:func:`mark_bold_labels`): a paragraph opening with a short bold name
   (``<p><b>Mara Lind</b> Good afternoon…``) gets a colon after it ("Mara Lind: Good
   afternoon…"), the plain-text label shape the chunker reads. A wholly bold paragraph (a bold
   question) is left as text.
4. **Main text**: trafilatura on the cleaned tree (it also drops scripts, styles, navigation,
   headers and footers); when it finds nothing (tiny pages, fragments), a small ``html.parser``
   extractor that drops script/style/nav/header/footer/aside/form content and breaks paragraphs at
   block elements. Both go through the shared paragraph builder and the plain-text metadata
   heuristics (masthead lines, "Published:" lines, "By …" lines).

Fields then prefer the page's own metadata over guesses from the text: the title is ``og:title``
(or JSON-LD ``headline``), else ``<title>`` without its "| Site" part unless that is just the site
name (then the ``<h1>``), cleaned by :func:`.metadata.clean_title`; the date is the published-time
metadata, else a "Published:" line, else trafilatura's, else a date in the URL; the author is the
author metadata, else a "By …" line.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ...models import Document
from ..wordlist import words as _words
from .metadata import (
    address_says_more,
    analyse,
    authors_from_byline,
    clean_title,
    date_from_address,
    parse_date,
)
from .paragraphs import join_paragraphs, split_paragraphs
from .text import read_source

_SKIP = _words(
    "script style nav header footer aside form noscript template svg button select iframe head"
)
_BLOCK = _words(
    """p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote section article main figure figcaption table
    tr td th pre dd dt dl hr address caption body html"""
)
_VOID = _words("br hr img meta link input wbr source area col")
_BLANK_RUN = re.compile(r"\n[^\S\n]*(?:\n[^\S\n]*)+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False

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


def _simple_text(html: str) -> tuple[str, str]:
    p = _TextExtractor()
    p.feed(html)
    p.close()
    # One blank line between blocks: nested blocks must not look like an isolated paragraph
    # (the shape of a photo caption in scraped text).
    return _BLANK_RUN.sub("\n\n", "".join(p.parts)), " ".join("".join(p.title).split())


def html_to_text(html: str) -> tuple[str, str]:
    """(text with paragraphs separated by blank lines, <title>) of an HTML page or fragment,
    furniture stripped and bold speaker labels kept, by the simple extractor."""
    tree = _parse(html, fragment=True)
    if tree is not None:
        strip_furniture(tree)
        mark_bold_labels(tree)
        html = _serialise(tree)
    return _simple_text(html)


# --- parsing -------------------------------------------------------------------------------------
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def _parse(html: str, *, fragment: bool = False) -> Any:
    """An lxml tree of ``html``, or None when lxml cannot make one."""
    from lxml import etree
    from lxml import html as lxml_html

    source = _XML_DECLARATION.sub("", html)
    if not source.strip():
        return None
    try:
        if fragment:
            return lxml_html.fragment_fromstring(source, create_parent="div")
        return lxml_html.document_fromstring(source)
    except (etree.ParserError, ValueError):
        return None


def _serialise(tree: Any) -> str:
    from lxml import html as lxml_html

    return lxml_html.tostring(tree, encoding="unicode")


def _text_of(el: Any) -> str:
    return " ".join(el.text_content().split())


# --- 1. page metadata ---------------------------------------------------------------------------
_DATE_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "dcterms.created",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publication_date",
    "sailthru.date",
    "parsely-pub-date",
    "article:modified_time",
    "datemodified",
    "dc.date.modified",
)
_AUTHOR_KEYS = (
    "author",
    "article:author",
    "dc.creator",
    "dcterms.creator",
    "byl",
    "parsely-author",
)
_SITE_KEYS = ("og:site_name", "application-name", "dc.publisher", "publisher")


@dataclass
class PageMeta:
    title: str | None = None  # <title>
    headline: str | None = None  # og:title, twitter:title, JSON-LD headline
    h1: str | None = None
    site: str | None = None
    date: str | None = None
    authors: list[str] = field(default_factory=list)
    url: str | None = None


def page_meta(tree: Any) -> PageMeta:
    """What the page says about itself, from ``<head>`` and JSON-LD, before any text is read."""
    page = PageMeta()
    if tree is None:
        return page
    metas: dict[str, str] = {}
    authors: list[str] = []
    for m in tree.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        value = " ".join((m.get("content") or "").split())
        if not key or not value:
            continue
        if key in _AUTHOR_KEYS and not value.startswith(("http://", "https://", "/")):
            authors.extend(authors_from_byline(value))
        metas.setdefault(key, value)
    ld = _json_ld(tree)
    title_el = next(tree.iter("title"), None)
    page.title = _text_of(title_el) if title_el is not None else None
    page.headline = metas.get("og:title") or metas.get("twitter:title") or ld.get("headline")
    h1 = next(tree.iter("h1"), None)
    page.h1 = _text_of(h1) if h1 is not None else None
    page.site = next((metas[k] for k in _SITE_KEYS if metas.get(k)), None) or ld.get("publisher")
    for key in _DATE_KEYS:
        if metas.get(key) and parse_date(metas[key]):
            page.date = parse_date(metas[key])
            break
    if page.date is None and ld.get("date"):
        page.date = parse_date(ld["date"])
    for name in [*authors, *ld.get("authors", [])]:
        if name not in page.authors:
            page.authors.append(name)
    canonical = next(
        (link.get("href") for link in tree.iter("link") if (link.get("rel") or "") == "canonical"),
        None,
    )
    page.url = canonical or metas.get("og:url") or ld.get("url")
    return page


_ARTICLE_TYPES = ("article", "report", "posting", "webpage", "pressrelease")


def _json_ld(tree: Any) -> dict[str, Any]:
    """headline, date, authors, publisher and url of the first article-like JSON-LD object."""
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        for obj in _ld_objects(data):
            kinds = obj.get("@type")
            kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
            if not any(isinstance(k, str) and k.lower().endswith(_ARTICLE_TYPES) for k in kinds):
                continue
            out: dict[str, Any] = {}
            if isinstance(obj.get("headline"), str):
                out["headline"] = obj["headline"].strip()
            for key in ("datePublished", "dateCreated", "dateModified"):
                if isinstance(obj.get(key), str) and parse_date(obj[key]):
                    out["date"] = obj[key]
                    break
            out["authors"] = [
                n for a in _ld_names(obj.get("author")) for n in authors_from_byline(a)
            ]
            publisher = _ld_names(obj.get("publisher"))
            if publisher:
                out["publisher"] = publisher[0]
            if isinstance(obj.get("url"), str):
                out["url"] = obj["url"]
            return out
    return {}


def _ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item)
    elif isinstance(data, dict):
        yield data
        if isinstance(data.get("@graph"), list):
            yield from _ld_objects(data["@graph"])


def _ld_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, dict):
        return _ld_names(value.get("name"))
    if isinstance(value, list):
        return [n for v in value for n in _ld_names(v)]
    return []


# --- 2. furniture out, by shape -----------------------------------------------------------------
_SEPARATORS = re.compile(r"[\s|/>»›<«‹·•,:;–—\-]+")
_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b)", re.I)
_LIST_TAGS = ("ul", "ol", "menu", "dl")
_LEAF_BLOCKS = ("p", "div", "li", "td", "span", "section", "small", "dd")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "strong", "b", "span")


def _link_chars(el: Any) -> int:
    return sum(len(_SEPARATORS.sub("", a.text_content())) for a in el.iter("a"))


def _is_link_item(li: Any) -> bool:
    """A list item that points elsewhere: its words are (nearly) all inside links, or it is one
    link plus a short note such as a date."""
    words = _SEPARATORS.sub("", li.text_content())
    if not words:
        return True
    linked = _link_chars(li)
    return linked > 0 and (linked >= 0.6 * len(words) or len(words) - linked <= 30)


def _is_link_list(el: Any) -> bool:
    items = [c for c in el if isinstance(c.tag, str) and c.tag in ("li", "dt", "dd")]
    if len(items) < 2:
        return False
    return sum(1 for li in items if _is_link_item(li)) >= 0.7 * len(items)


def _is_link_block(el: Any) -> bool:
    """A short block made of links: a share bar, breadcrumbs, a pager, a footer's link row."""
    text = _text_of(el)
    if not text or len(text) > 200:
        return False
    if any(isinstance(c.tag, str) and c.tag in _LEAF_BLOCKS and c.tag != "span" for c in el):
        return False  # a container: its children are judged one by one
    links = list(el.iter("a"))
    if not links:
        return False
    words = _SEPARATORS.sub("", text)
    linked = _link_chars(el)
    if len(links) == 1:
        # a lone link that is the whole line: "Home", "Back to top", "Next article"
        return linked >= len(words) and len(text.split()) <= 4 and text[-1] not in ".!?"
    return linked >= 0.7 * len(words) or (len(text) <= 60 and text[-1] not in '.!?"”')


def _is_intro_heading(el: Any) -> bool:
    """The short line that introduces a removed list ("Related News", "More stories")."""
    if el is None or not isinstance(el.tag, str) or el.tag not in _HEADINGS:
        return False
    text = _text_of(el)
    return 0 < len(text) <= 60 and text[-1] not in ".!?" and len(el) <= 2


def strip_furniture(tree: Any) -> None:
    """Remove link lists, link-dense short blocks and copyright notices from ``tree`` in place."""
    doomed: list[Any] = []
    for el in tree.iter(*_LIST_TAGS):
        if _is_link_list(el):
            doomed.append(el)
            prev = el.getprevious()
            if _is_intro_heading(prev):
                doomed.append(prev)
    for el in tree.iter(*_LEAF_BLOCKS):
        text = _text_of(el) if len(el) <= 40 else ""
        if _is_link_block(el) or (text and len(text) <= 200 and _COPYRIGHT.match(text)):
            doomed.append(el)
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            _drop(el)


def _drop(el: Any) -> None:
    """Remove ``el`` but keep its tail text (the text after it belongs to the parent)."""
    parent = el.getparent()
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


# --- 3. bold speaker labels ---------------------------------------------------------------------
_LABEL_END = re.compile(r"[:.]\s*$")
_CONTINUES_SENTENCE = re.compile(r"^\s*(?:[\-–—,;:.)\]]|[a-z])")


def mark_bold_labels(tree: Any) -> None:
    """``<p><b>Name</b> Text…`` → ``<p><b>Name:</b> Text…``: a bold opening name is a speaker label.

    Only when the bold part opens the paragraph, is short (≤ 8 words, no final punctuation) and
    is followed by a new sentence: "WASHINGTON — …" (a dateline) and "<b>Important</b> notice"
    stay as they are."""
    for p in tree.iter("p", "div", "li", "dd"):
        if (p.text or "").strip() or not len(p):
            continue
        first = p[0]
        if not isinstance(first.tag, str) or first.tag not in ("b", "strong"):
            continue
        label = _text_of(first)
        rest = p.text_content()[len(first.text_content()) :]  # all that follows, tails included
        if not label or not rest.strip() or len(label.split()) > 8 or len(label) > 80:
            continue
        if _LABEL_END.search(label) or label[-1] in "?!" or _CONTINUES_SENTENCE.match(rest):
            continue
        if label[0].isupper():
            _append_to_end(first, ":")


def _append_to_end(el: Any, suffix: str) -> None:
    """Add ``suffix`` after the last text inside ``el`` (its own text or a descendant's)."""
    if len(el):
        last = el[-1]
        if (last.tail or "").strip():
            last.tail = last.tail.rstrip() + suffix
        else:
            _append_to_end(last, suffix)
    else:
        el.text = (el.text or "").rstrip() + suffix


# --- 4. the document ----------------------------------------------------------------------------
def _main_text(tree: Any, raw: str) -> tuple[str | None, Any]:
    """(main text with one paragraph per line pair, trafilatura's result) or (None, None)."""
    import trafilatura  # a declared dependency: a broken install must fail loudly, not degrade

    if tree is None:
        return None, None
    try:
        ext = trafilatura.bare_extraction(
            tree, with_metadata=True, include_comments=False, include_tables=True
        )
    except (ValueError, TypeError, AttributeError) as exc:  # parser errors on broken markup
        import logging

        logging.getLogger("searchsvc.ingest").debug("trafilatura failed: %s", exc)
        return None, None
    if ext is None or not (ext.text or "").strip():
        return None, ext
    return ext.text.replace("\n", "\n\n"), ext


def html_title(
    page: PageMeta, text_title: str, extracted: str | None = None, address: str | None = None
) -> str:
    """The page's own headline, else its <title> unless that is only the site name, else the h1,
    else a guess from the text, which the file name or URL slug may extend
    (:func:`.metadata.address_says_more`)."""
    site = page.site or (urlparse(page.url).hostname if page.url else None)
    if page.headline:
        return clean_title(page.headline, site)
    if page.title:
        title = clean_title(page.title, site)
        is_site = site is not None and title.casefold() == site.casefold()
        h1_elsewhere = page.h1 and page.h1.casefold() not in page.title.casefold()
        if not is_site and not (
            h1_elsewhere and len(title.split()) <= 5 and len(page.h1) > len(title)
        ):
            return title
    if page.h1:
        return clean_title(page.h1, site)
    guess = clean_title(extracted or text_title or "", site)
    return address_says_more(guess, address) or guess


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
    tree = _parse(raw)
    page = page_meta(tree)
    if tree is not None:
        strip_furniture(tree)
        mark_bold_labels(tree)
        cleaned = _serialise(tree)
    else:
        cleaned = raw
    pre = preformatted_text(raw)
    text, ext = _main_text(tree, cleaned)
    if pre is not None:
        text = pre  # a <pre> page keeps its lines and indents: they are its paragraphing
    if text is None:
        text = _simple_text(cleaned)[0]
    paras = split_paragraphs(text)
    url = page.url or (ext.url if ext is not None else None)
    meta = analyse(paras, address=url or (Path(path).name if path else None))
    address = url or (Path(path).name if path else None)
    title = html_title(page, meta.title, ext.title if ext is not None else None, address)
    date = (
        page.date
        or meta.line_date
        or (parse_date(ext.date) if ext is not None and ext.date else None)
        or date_from_address(url)
        or meta.date
    )
    source = page.site or (ext.sitename if ext is not None else None) or meta.source
    if not source and ext is not None:
        source = ext.hostname
    authors = page.authors or meta.author
    kind = meta.kind
    return Document(
        id=doc_id,
        text=join_paragraphs([p.text for p in paras]),
        title=title,
        source=source,
        date=date,
        kind=kind,
        event=title if kind == "transcript" else None,
        url=url,
        byline=meta.byline or (", ".join(page.authors) if page.authors else None),
        author=authors,
        captions=meta.captions,
        metadata_paragraphs=meta.meta,
        path=path,
    )


def read_html(path: Path, doc_id: str) -> Iterator[Document]:
    yield parse_html(read_source(path), doc_id, str(path))
