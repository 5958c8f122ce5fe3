"""What a person typed → a query tree, once per request, for every backend.

Syntax: words are ANDed; ``"phrases"`` (``"…"~2`` for words within two places); ``OR``, ``AND``,
``NOT``, ``ANDNOT``, ``ANDMAYBE`` between words; ``-word`` (must not match) and ``+word`` (must
match; the other words then only add to the score), both only at a word's start so ``2019-nCoV``
stays one compound; ``field:value`` for the fields in :data:`tree.FIELDS`, also before a phrase or
a bracketed group; ``prefix*``; ``colo?r``; ``word^2`` to weigh a word, phrase or group. A question
mark that ends a word is punctuation ("…since their call?"), not a wildcard.

Precedence, loosest first: the implicit AND between juxtaposed terms, then ``ANDMAYBE``,
``ANDNOT``, ``OR``, ``AND`` and ``NOT``; so ``a b OR c`` is ``a AND (b OR c)``. Nothing a user
types raises: an operator with nothing on one side,
an unclosed quote or bracket, or a field the index does not have are searched as the words they
contain. Analysis (stemming, stopwords, compounds) is left to the backend that translates the tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from .tree import (
    FIELDS,
    And,
    AndMaybe,
    AndNot,
    MatchAll,
    MatchNone,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Wildcard,
    Word,
)

MAX_DEPTH = 16  # brackets nested deeper are read as spaces
INFIX = frozenset({"AND", "OR", "ANDNOT", "ANDMAYBE"})
OPERATORS = INFIX | {"NOT"}

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Query syntax, removed to recover the plain words: operators, field prefixes, and +/- at a word's
# start (inside a word "-" joins a compound such as "2019-nCoV").
_SYNTAX_RE = re.compile(
    r'\b[A-Za-z_]+:|["()*?^~\[\]{}\\]|(?<![^\s(])[+-]|:|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b'
)
_QUESTION_MARK_RE = re.compile(r"(?<=\w)\?+(?=[\s)]|$)")
# Anything beyond plain words: such a query says exactly what it wants matched, so it gets no
# partial (OR) top-up.
_EXPLICIT_RE = re.compile(r'"|\b(?:AND|OR|NOT)\b|(?<![^\s(])[+-]|\w:|[*?()]')
_TOKEN_RE = re.compile(r'\s+|\(|\)|"(?P<phrase>[^"]*)"(?:~(?P<slop>[1-9]\d?))?|"|[^\s()"]+')
_BOOST_RE = re.compile(r"^(?P<body>.*?)\^(?P<boost>\d{1,3}(?:\.\d{1,3})?)$")
_FIELD_RE = re.compile(rf"^(?P<field>{'|'.join(FIELDS)}):(?P<rest>.*)$", re.S)


@dataclass(frozen=True)
class ParsedQuery:
    """A query parsed once: the tree to match, its plain words (for did-you-mean) and, for queries
    of plain words only, the OR of those words that tops up a page when too few chunks match all."""

    text: str
    tree: Node
    words: tuple[str, ...] = ()
    loose: Node | None = None
    # Score-only terms (relevance feedback): they reorder what ``tree``/``loose`` match, never
    # widen it, and are not highlighted, since the person did not ask for them.
    bonus: Node | None = None


def parse(text: str) -> ParsedQuery:
    """The tree of ``text``; never a syntax error. The limits on length and number of terms
    are the request's (``engine/request.py`` checks them before any query is parsed)."""
    text = _CONTROL_RE.sub(" ", text or "").strip()
    if text.strip("*? ") == "":
        return ParsedQuery(text=text, tree=MatchAll())
    parsed_text = _QUESTION_MARK_RE.sub("", text) or text
    words = _words(parsed_text)
    tree = _Parser(_tokens(parsed_text)).query()
    loose = None
    if len(words) > 1 and not _EXPLICIT_RE.search(parsed_text):
        loose = Or(tuple(Word(w, match="any") for w in words))
    return ParsedQuery(text=text, tree=tree, words=words, loose=loose)


def is_wildcard(word: str) -> bool:
    """A word of ``ParsedQuery.words`` that is a pattern (``progr*``, ``colo?r``): the person
    asked for what it expands to, so it is no misspelling to correct."""
    return "*" in word or "?" in word


def _words(text: str) -> tuple[str, ...]:
    """The words of ``text`` without the query syntax. A pattern stays whole (bar brackets,
    quotes and a leading + or -), so that did-you-mean leaves it as typed."""
    out: list[str] = []
    for token in text.split():
        if is_wildcard(token):
            pattern = token.strip('()"').lstrip("+-")
            if pattern.strip("*?"):
                out.append(pattern)
        else:
            out.extend(_SYNTAX_RE.sub(" ", token).split())
    return tuple(out)


# --- tokens -------------------------------------------------------------------------------------
@dataclass
class _Token:
    kind: str  # word | phrase | open | close | op | mark
    text: str
    glued: bool  # no space between this token and the previous one
    slop: int = 1


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    glued = False
    for m in _TOKEN_RE.finditer(text):
        s = m.group()
        if s.isspace() or s == '"':  # a quote that is never closed is only a separator
            glued = False
            continue
        if s in "()":
            out.append(_Token("open" if s == "(" else "close", s, glued))
        elif m.group("phrase") is not None:
            out.append(_Token("phrase", m.group("phrase"), glued, int(m.group("slop") or 1)))
        else:
            if s[0] in "+-" and not glued:
                out.append(_Token("mark", s[0], glued))
                s, glued = s[1:], True
                if not s:
                    continue
            out.append(_Token("word", s, glued))
        glued = True
    out = _matched_brackets(out)
    # Operators need something on both sides: one at the very start or end is a word.
    for i, t in enumerate(out):
        if t.kind == "word" and t.text in OPERATORS and 0 < i < len(out) - 1:
            if t.text == "NOT" or not (t.glued or out[i + 1].glued):
                t.kind = "op"
        elif t.kind == "word" and t.text == "NOT" and i == 0 and len(out) > 1:
            t.kind = "op"
    return out


def _matched_brackets(tokens: list[_Token]) -> list[_Token]:
    """The tokens without brackets that are never closed or never opened (read as spaces)."""
    unmatched: set[int] = set()
    opened: list[int] = []
    for i, tok in enumerate(tokens):
        if tok.kind == "open":
            opened.append(i)
        elif tok.kind == "close":
            if opened:
                opened.pop()
            else:
                unmatched.add(i)
    unmatched.update(opened)
    return [tok for i, tok in enumerate(tokens) if i not in unmatched]


# --- grammar ------------------------------------------------------------------------------------
class _Parser:
    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.i = 0

    def query(self) -> Node:
        group = self.group(None, 0)
        return MatchNone() if group is None else group

    def _peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def group(self, field: str | None, depth: int) -> Node | None:
        """Terms up to the closing bracket (not consumed) or the end: +/- terms set apart, then
        the rest combined by their operators. None when there is no term at all."""
        required: list[Node] = []
        banned: list[Node] = []
        items: list[Node | str] = []  # terms and infix operators, in order
        while (tok := self._peek()) is not None and tok.kind != "close":
            if tok.kind == "op" and tok.text in INFIX:
                items.append(tok.text)
                self.i += 1
                continue
            mark = None
            if tok.kind == "mark":
                mark = tok.text
                self.i += 1
            node = self.unit(field, depth)
            if node is None:
                continue
            if mark == "+":
                required.append(node)
            elif mark == "-":
                banned.append(node)
            else:
                items.append(node)
        optional = _combine(items)
        if required:
            must = _and(required)
            node = AndMaybe(must, optional) if optional is not None else must
        else:
            node = optional
        if banned:
            return MatchNone() if node is None else AndNot(node, _or(banned))
        return node

    def unit(self, field: str | None, depth: int) -> Node | None:
        """One term: NOTs, then a word, phrase, ``field:…`` or bracketed group, then a ``^boost``."""
        negate = False
        while (tok := self._peek()) is not None and tok.kind == "op" and tok.text == "NOT":
            negate = not negate
            self.i += 1
        tok = self._peek()
        if tok is None or tok.kind in ("close", "mark") or (tok.kind == "op" and tok.text in INFIX):
            return None  # NOT before "-word" or nothing: the NOT is dropped, the rest read on
        self.i += 1
        node: Node | None
        if tok.kind == "phrase":
            node = _phrase(tok.text, field, tok.slop)
        elif tok.kind == "open":
            if depth >= MAX_DEPTH:
                return None
            node = self.group(field, depth + 1)
            if self._peek() is not None:
                self.i += 1  # the closing bracket
        elif tok.kind == "word" and (m := _FIELD_RE.match(tok.text)):
            rest, nxt = m.group("rest"), self._peek()
            if rest:
                node = _leaf(rest, m.group("field"))
            elif nxt is not None and nxt.glued and nxt.kind in ("phrase", "open"):
                node = self.unit(m.group("field"), depth)
            else:
                node = _leaf(m.group("field"), field)
        else:
            node = _leaf(tok.text, field)
        nxt = self._peek()
        boost = _BOOST_RE.match(nxt.text) if nxt is not None and nxt.glued else None
        if node is not None and boost and nxt.kind == "word" and not boost.group("body"):
            node = _boosted(node, float(boost.group("boost")))
            self.i += 1
        if node is not None and negate:
            node = Not(node)
        return node


def _combine(items: list[Node | str]) -> Node | None:
    """Juxtaposed terms are ANDed; explicit operators bind tighter (``PRECEDENCE``). An operator
    without a term on both sides is dropped (only the first of several in a row counts)."""
    segments: list[list[Node | str]] = []
    prev_op = True
    for item in items:
        if isinstance(item, str):
            if not prev_op and segments:
                segments[-1].append(item)
            prev_op = True
            continue
        if prev_op and segments and isinstance(segments[-1][-1], str):
            segments[-1].append(item)
        else:
            segments.append([item])
        prev_op = False
    parts = []
    for seg in segments:
        if isinstance(seg[-1], str):
            seg.pop()
        parts.append(_by_precedence(seg, 0))
    return _and(parts) if parts else None


PRECEDENCE = ("ANDMAYBE", "ANDNOT", "OR", "AND")
"""Infix operators, loosest first."""


def _by_precedence(seg: list[Node | str], level: int) -> Node:
    """A run of terms joined by operators (``[term, op, term, …]``) as one node."""
    if level == len(PRECEDENCE) or len(seg) == 1:
        return cast(Node, seg[0])
    op = PRECEDENCE[level]
    runs: list[list[Node | str]] = [[]]
    for x in seg:
        if x == op:
            runs.append([])
        else:
            runs[-1].append(x)
    nodes = [_by_precedence(run, level + 1) for run in runs]
    if op == "AND":
        return _and(nodes)
    if op == "OR":
        return _or(nodes)
    node = nodes[0]
    for n in nodes[1:]:
        node = AndNot(node, n) if op == "ANDNOT" else AndMaybe(node, n)
    return node


def _leaf(text: str, field: str | None) -> Node | None:
    b = _BOOST_RE.match(text)
    boost = 1.0
    if b and b.group("body"):
        text, boost = b.group("body"), float(b.group("boost"))
    if "*" in text or "?" in text:
        if text.strip("*?") == "":
            return MatchAll() if "*" in text else None
        if text.endswith("*") and "*" not in text[:-1] and "?" not in text:
            return Prefix(text[:-1], field, boost)
        return Wildcard(text, field, boost)
    return Word(text, field, boost)


def _phrase(text: str, field: str | None, slop: int) -> Node | None:
    if not text.strip():
        return None
    return Phrase(tuple(text.split()), field, slop=slop)


def _boosted(node: Node, boost: float) -> Node:
    if isinstance(node, Word | Phrase | Prefix | Wildcard | And | Or):
        return type(node)(**{**node.__dict__, "boost": node.boost * boost})
    return node


def _and(children: list[Node]) -> Node:
    return _joined(And, children, neutral=MatchAll, absorbing=MatchNone)


def _or(children: list[Node]) -> Node:
    return _joined(Or, children, neutral=MatchNone, absorbing=MatchAll)


def _joined(kind: type[And | Or], children: list[Node], neutral: type, absorbing: type) -> Node:
    """``kind`` of the children, nested unweighted groups of the same kind flattened; a child
    that changes nothing (``neutral``) is dropped, one that decides everything wins."""
    flat: list[Node] = []
    for c in children:
        if isinstance(c, kind) and c.boost == 1.0:
            flat.extend(c.children)
        elif not isinstance(c, neutral):
            flat.append(c)
    if any(isinstance(c, absorbing) for c in flat):
        return absorbing()
    if not flat:
        return neutral()
    return flat[0] if len(flat) == 1 else kind(tuple(flat))
