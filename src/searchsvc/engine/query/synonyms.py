"""Synonyms the newsroom controls, applied to the parsed query so no reindex is ever needed.

The set is written in the Solr/Elasticsearch synonyms format, one rule per line:

* ``covid-19, 2019-ncov, novel coronavirus pneumonia, ncp`` — equivalent: any one of them finds
  every other;
* ``ncp => novel coronavirus pneumonia`` — one way: the left side also finds the right side, not the
  reverse (several terms on either side are comma-separated);
* ``#`` starts a comment; blank lines are ignored.

Rules are matched on analysed terms (folded and stemmed by :mod:`searchsvc.engine.text.analysis`),
so ``Vaccines`` meets a rule written for ``vaccine`` and ``WHO`` keeps meaning the organisation. A
match replaces the words by ``Or(the words, alternative^SYNONYM_WEIGHT, …)``: chunks with the literal
words rank above those found only through a synonym, the alternatives are highlighted like any
query word, and every backend translates the same tree. Multi-word alternatives become phrases.
Words addressed to a field (``speaker:…``) are left alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from ...errors import InvalidParameter
from ..text.analysis import iter_terms, stem
from .tree import And, AndMaybe, AndNot, Node, Not, Or, Phrase, Word

SYNONYM_WEIGHT = 0.6
MAX_RULES = 10_000
#: Where ``str.splitlines`` cuts a set into lines, as a regular-expression class body.
LINE_BREAKS = r"\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029"


def synonyms_pattern() -> str:
    """The grammar :func:`parse_synonyms` reads, as one regular expression (for the OpenAPI
    document; Python and ECMA-262 read it alike): lines that are blank, a comment, or a rule
    before an optional comment; a rule is two or more comma-separated terms, or terms ``=>``
    terms; a term holds a letter or digit and no ``#``, ``,`` or ``=>``. What it cannot say is
    that a term's words must not all be stopwords; ``parse_synonyms`` checks that too."""
    br = LINE_BREAKS
    # Written so that each string matches one way only, or a failing match would backtrack for
    # ever: a term is what comes before its first letter or digit, that character, and the rest;
    # neither part holds "=>".
    before = f"(?:[^\\w{br}#,=]|_|=+(?:[^\\w{br}#,=>]|_))*=*"
    after = f"(?:[^{br}#,=]|=+[^{br}#,=>])*=*"
    term = f"{before}[^\\W_]{after}"
    terms = f"{term}(?:,{term})*"
    rule = f"{term}(?:,{term})+|{terms}=>{terms}"
    line = f"(?:{rule}|[^\\S{br}]*)(?:#[^{br}]*)?"
    return f"^{line}(?:[{br}]{line})*$"


class InvalidSynonyms(InvalidParameter):
    code = "invalid_synonyms"


Key = tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    line: int
    sources: tuple[str, ...]  # as written
    targets: tuple[str, ...]  # as written; equal to sources for an equivalence
    one_way: bool


@dataclass
class SynonymSet:
    """Parsed rules plus the lookup the expansion uses: analysed key → alternatives as written."""

    text: str = ""
    rules: list[Rule] = field(default_factory=list)
    lookup: dict[Key, list[str]] = field(default_factory=dict)
    longest: int = 0

    def __bool__(self) -> bool:
        return bool(self.lookup)


@dataclass(frozen=True)
class Expansion:
    """What one run of the query's words was expanded to (reported in the response)."""

    term: str
    synonyms: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"term": self.term, "synonyms": list(self.synonyms)}


def key_of(entry: str) -> Key:
    """The analysed form an entry is matched by: folded, stemmed terms in order."""
    return tuple(stem(t.text) for t in iter_terms(entry, query=True))


def parse_synonyms(text: str) -> SynonymSet:
    """Parse a synonyms file; a malformed line is an ``InvalidSynonyms`` naming it."""
    out = SynonymSet(text=text)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.count("=>") > 1:
            raise InvalidSynonyms(f"synonyms line {number}: more than one '=>'")
        one_way = "=>" in line
        left, _, right = line.partition("=>")
        sources = _entries(left, number)
        targets = _entries(right, number) if one_way else sources
        if one_way and not (sources and targets):
            raise InvalidSynonyms(f"synonyms line {number}: '=>' needs terms on both sides")
        if not one_way and len(sources) < 2:
            raise InvalidSynonyms(
                f"synonyms line {number}: an equivalence needs two or more comma-separated terms"
            )
        out.rules.append(Rule(number, sources, targets, one_way))
        if len(out.rules) > MAX_RULES:
            raise InvalidSynonyms(f"more than {MAX_RULES} synonym rules")
    for rule in out.rules:
        for source in rule.sources:
            key = key_of(source)
            alternatives = out.lookup.setdefault(key, [])
            for target in rule.targets:
                if key_of(target) != key and target not in alternatives:
                    alternatives.append(target)
            out.longest = max(out.longest, len(key))
    out.lookup = {k: v for k, v in out.lookup.items() if v}
    return out


def _entries(part: str, number: int) -> tuple[str, ...]:
    entries = tuple(" ".join(e.split()) for e in part.split(","))
    if part.strip() and any(not e for e in entries):
        raise InvalidSynonyms(f"synonyms line {number}: an empty term between commas")
    for entry in entries:
        if entry and not key_of(entry):
            raise InvalidSynonyms(
                f"synonyms line {number}: {entry!r} has no searchable word (only stopwords?)"
            )
    return tuple(e for e in entries if e)


def expand(tree: Node, synonyms: SynonymSet) -> tuple[Node, list[Expansion]]:
    """The tree with every rule that matches applied, and what was expanded."""
    if not synonyms:
        return tree, []
    used: list[Expansion] = []
    return _expand(tree, synonyms, used), used


def _expand(node: Node, syn: SynonymSet, used: list[Expansion]) -> Node:
    if isinstance(node, Word) and node.field is None:
        return _run([node], syn, used)[0]
    if isinstance(node, Phrase) and node.field is None:
        text = " ".join(node.words)
        alternatives = syn.lookup.get(key_of(text))
        return _alternated(node, text, alternatives, used) if alternatives else node
    if isinstance(node, And):
        return dataclasses.replace(node, children=tuple(_run(list(node.children), syn, used)))
    if isinstance(node, Or):
        children = tuple(_expand(c, syn, used) for c in node.children)
        return dataclasses.replace(node, children=children)
    if isinstance(node, Not):
        return Not(_expand(node.child, syn, used))
    if isinstance(node, AndNot):
        return AndNot(_expand(node.positive, syn, used), _expand(node.negative, syn, used))
    if isinstance(node, AndMaybe):
        return AndMaybe(_expand(node.required, syn, used), _expand(node.optional, syn, used))
    return node


def _run(children: list[Node], syn: SynonymSet, used: list[Expansion]) -> list[Node]:
    """Children of an AND: runs of plain words matching a rule (longest first) are replaced by
    one alternation; everything else is expanded on its own."""
    out: list[Node] = []
    i = 0
    while i < len(children):
        n = _match_len(children, i, syn)
        if n:
            run = children[i : i + n]
            text = " ".join(c.text for c in run)  # type: ignore[union-attr]
            original: Node = run[0] if n == 1 else And(tuple(run))
            out.append(_alternated(original, text, syn.lookup[key_of(text)], used))
            i += n
        else:
            child = children[i]
            out.append(child if isinstance(child, Word) else _expand(child, syn, used))
            i += 1
    return out


def _plain(node: Node) -> bool:
    return isinstance(node, Word) and node.field is None


def _match_len(children: list[Node], i: int, syn: SynonymSet) -> int:
    """How many plain words from ``i`` on form the longest rule source (0: none)."""
    words: list[str] = []
    for child in children[i : i + syn.longest]:
        if not _plain(child):
            break
        words.append(child.text)  # type: ignore[union-attr]
    for n in range(len(words), 0, -1):
        if key_of(" ".join(words[:n])) in syn.lookup:
            return n
    return 0


def _alternated(
    original: Node, text: str, alternatives: Iterable[str], used: list[Expansion]
) -> Node:
    alternatives = tuple(alternatives)
    used.append(Expansion(text, alternatives))
    nodes: list[Node] = [original]
    for alt in alternatives:
        words = tuple(alt.split())
        if len(words) == 1:
            nodes.append(Word(alt, boost=SYNONYM_WEIGHT))
        else:
            nodes.append(Phrase(words, boost=SYNONYM_WEIGHT))
    return Or(tuple(nodes))


def count_terms(node: Node) -> int:
    """Words, phrases, prefixes and wildcards in a tree: what the term limit counts."""
    if isinstance(node, And | Or):
        return sum(count_terms(c) for c in node.children)
    if isinstance(node, Not):
        return count_terms(node.child)
    if isinstance(node, AndNot):
        return count_terms(node.positive) + count_terms(node.negative)
    if isinstance(node, AndMaybe):
        return count_terms(node.required) + count_terms(node.optional)
    return 0 if node.__class__.__name__ in ("MatchAll", "MatchNone") else 1
