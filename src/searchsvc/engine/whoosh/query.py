"""Query parsing: what a person typed → a Whoosh query, safely.

Syntax (Whoosh's parser, trimmed and extended): words are ANDed; ``"phrases"``; ``OR``, ``AND``,
``NOT`` and ``-word``; ``field:value`` for ``speaker``, ``source``, ``kind``, ``role`` and ``title``;
``prefix*``. Each bare word searches the stemmed ``text``, the surface-form ``exact`` field (so exact
matches outrank stem-only ones), the title and the speaker name, with BM25F field boosts.

Nothing a user types may raise: limits (length, number of terms, prefix expansion) become
``InvalidParameter`` errors, and syntax the parser cannot make sense of falls back to the words
alone, as a literal AND query. A ``loose`` (OR) variant of the same words serves the partial-match
top-up for natural-language questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

from whoosh import query as wq
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup, plugins
from whoosh.query import Query

from ...errors import InvalidParameter, QueryTooLong
from ..text.analysis import stem

SEARCH_FIELDS = ("text", "exact", "title", "speaker_t")
# Tuned on CISI (bench/cisi.py: nDCG@10 0.3198 → 0.338, tantivy BM25 0.333): a title word is
# worth half a body word, and an exact word adds a quarter on top of its stem's score, enough to
# rank exact matches first without letting surface forms outweigh meaning.
FIELD_BOOSTS = {"text": 1.0, "exact": 0.25, "title": 0.5, "speaker_t": 0.5}
FIELD_ALIASES = {"speaker_t": ["speaker"], "source_t": ["source"]}
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Query syntax, removed to recover the plain words: operators, field prefixes, and +/- at a word's
# start (inside a word "-" joins a compound such as "2019-nCoV").
_SYNTAX_RE = re.compile(
    r'\b[A-Za-z_]+:|["()*?^~\[\]{}\\]|(?<![^\s(])[+-]|:|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b'
)


@dataclass
class QueryPlan:
    """A parsed query: the strict query, its loose variant, and what snippets should mark."""

    text: str
    query: Query | None  # None: match everything (empty query, lone "*")
    loose_words: list[str] = field(default_factory=list)  # ORed for the partial top-up
    words: list[str] = field(default_factory=list)  # plain words, for did-you-mean
    stems: set[str] = field(default_factory=set)  # stemmed terms to mark
    exact: set[str] = field(default_factory=set)  # surface terms to mark
    phrases: set[tuple[str, ...]] = field(default_factory=set)  # stemmed phrases to mark whole


class QueryParser:
    def __init__(
        self, schema, max_length: int = 1000, max_terms: int = 64, max_expansion: int = 128
    ):
        self.schema = schema
        self.max_length = max_length
        self.max_terms = max_terms
        self.max_expansion = max_expansion
        self._strict = self._parser(AndGroup)
        self._loose = self._parser(OrGroup)

    def _parser(self, group) -> MultifieldParser:
        p = MultifieldParser(
            list(SEARCH_FIELDS), self.schema, fieldboosts=FIELD_BOOSTS, group=group
        )
        p.remove_plugin_class(plugins.RangePlugin)
        # "+word"/"-word" only at the start of a word: "2019-nCoV" is a compound, not a NOT.
        p.add_plugin(plugins.PlusMinusPlugin(r"(?<![^\s(])\+", r"(?<![^\s(])-"))
        p.add_plugin(plugins.FieldAliasPlugin(FIELD_ALIASES))
        return p

    def parse(self, text: str, reader) -> QueryPlan:
        text = _CONTROL_RE.sub(" ", text or "").strip()
        if len(text) > self.max_length:
            raise QueryTooLong(f"q is {len(text)} characters; the limit is {self.max_length}")
        n_terms = count_terms(text)
        if n_terms > self.max_terms:
            raise InvalidParameter(
                f"q has {n_terms} terms; the limit is {self.max_terms}", code="too_many_terms"
            )
        words = _SYNTAX_RE.sub(" ", text).split()
        if not text or text.strip("*? ") == "":
            return QueryPlan(text=text, query=None)
        # A question mark that ends a word is punctuation ("…since their call?"), not a
        # one-character wildcard; "colo?r" keeps its wildcard.
        parsed_text = _QUESTION_MARK_RE.sub("", text) or text
        q = self._plain(parsed_text.split(), wq.And)
        if q is None:
            try:
                q = self._strict.parse(parsed_text)
                # One expansion budget for the whole query: 26 prefixes must not mean 26 × the
                # limit.
                q = self._expand(q, reader, [self.max_expansion * len(SEARCH_FIELDS)])
            except InvalidParameter:
                raise
            except Exception:  # the parser chokes on odd syntax: fall back to the words
                q = None
        if q is None or _has_error(q):
            q = self._literal(words, AndGroup)
        plan = QueryPlan(text=text, query=_normalize(q), words=words)
        collect_marks(plan.query, plan)
        # Only plain words get the partial top-up: quotes, operators, fields and wildcards
        # say exactly what the user wants matched.
        if len(words) > 1 and not _EXPLICIT_RE.search(parsed_text):
            plan.loose_words = words
        return plan

    def loose(self, plan: QueryPlan) -> Query | None:
        """The OR of the plan's words, parsed only when a search needs the partial top-up."""
        return self._literal(plan.loose_words, OrGroup) if plan.loose_words else None

    def _literal(self, words: list[str], group) -> Query | None:
        """The words alone (syntax characters already stripped), ANDed or ORed."""
        parser = self._strict if group is AndGroup else self._loose
        if not words:
            return wq.NullQuery
        plain = self._plain(words, wq.And if group is AndGroup else wq.Or)
        return _normalize(plain if plain is not None else parser.parse(" ".join(words)))

    def _plain(self, words: list[str], group: type[wq.CompoundQuery]) -> Query | None:
        """The query Whoosh's parser builds for plain words (each word: an OR of its term in
        every search field, with the field boosts), built directly — Whoosh's parser and its
        plugins were a fifth of a simple query's time. None (use Whoosh's parser) for anything
        else: syntax (operators included), or a word that analyses to several terms (CJK runs)
        or to a term in some fields only. tests/test_query.py checks the two agree."""
        if not words or any(w in _OPERATORS or not _PLAIN_WORD_RE.fullmatch(w) for w in words):
            return None
        clauses: list[Query] = []
        for word in words:
            terms = []
            for fieldname in SEARCH_FIELDS:
                analyzer = self.schema[fieldname].analyzer
                texts = [t.text for t in analyzer(word, mode="query")]
                if len(texts) > 1:
                    return None
                if texts:
                    terms.append(wq.Term(fieldname, texts[0], boost=FIELD_BOOSTS[fieldname]))
            if terms and len(terms) != len(SEARCH_FIELDS):
                return None
            if terms:
                clauses.append(wq.Or(terms))
        if not clauses:
            return wq.NullQuery
        return clauses[0] if len(clauses) == 1 else group(clauses)

    def _expand(self, q: Query, reader, budget: list[int]) -> Query:
        """Replace prefix and wildcard queries by an OR of their most frequent expansions, and
        phrases on fields without positions by the AND of their words."""
        if isinstance(q, wq.Every):
            return wq.Every()
        if isinstance(q, wq.Phrase) and not _has_positions(self.schema, q.fieldname):
            if q.fieldname not in self.schema:
                return wq.NullQuery
            return PhraseWords([wq.Term(q.fieldname, w) for w in q.words], boost=q.boost)
        if isinstance(q, wq.Prefix | wq.Wildcard):
            return self._expansions(q, reader, budget)
        if q.is_leaf():
            return q
        return q.apply(lambda sub: self._expand(sub, reader, budget))

    def _expansions(self, q: wq.Prefix | wq.Wildcard, reader, budget: list[int]) -> Query:
        fieldname = q.fieldname
        limit = min(self.max_expansion, budget[0])
        if fieldname not in self.schema or not self.schema[fieldname].scorable or limit <= 0:
            return wq.NullQuery
        if isinstance(q, wq.Prefix):
            if not q.text:
                return wq.NullQuery
            candidates = (
                (term.decode("utf-8") if isinstance(term, bytes) else term, info.doc_frequency())
                for term, info in islice(reader.iter_prefix(fieldname, q.text), limit * 20)
            )
        else:
            if len(q.text.strip("*?")) < 2:
                return wq.NullQuery
            texts = islice(q._btexts(reader), limit * 20)
            candidates = (
                (
                    t.decode("utf-8") if isinstance(t, bytes) else t,
                    reader.doc_frequency(fieldname, t),
                )
                for t in texts
            )
        best = sorted(candidates, key=lambda pair: -pair[1])[:limit]
        budget[0] -= len(best)
        if not best:
            return wq.NullQuery
        return wq.Or([wq.Term(fieldname, t, boost=q.boost) for t, _ in best])


class PhraseWords(wq.And):
    """A phrase's words ANDed in a field without positions; not highlighted word by word."""


# A word with nothing Whoosh's parser would read as syntax: letters or digits at both ends, only
# joiners (- & ' ’ .) and thousands commas inside, and trailing sentence punctuation.
_PLAIN_WORD_RE = re.compile(r"[^\W_](?:[\w&'’.,-]*[^\W_])?[.,;!]*")
_QUESTION_MARK_RE = re.compile(r"(?<=\w)\?+(?=[\s)]|$)")
_EXPLICIT_RE = re.compile(r'"|\b(?:AND|OR|NOT)\b|(?<![^\s(])[+-]|\w:|[*?()]')
_TERM_RE = re.compile(r'"[^"]*"?|\S+')
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})


def count_terms(text: str) -> int:
    """Words, phrases and prefixes a query asks for; operators and a phrase's inner words are not
    counted, so 40 words joined by OR are 40 terms."""
    return sum(1 for t in _TERM_RE.findall(text) if t not in _OPERATORS and t.strip("+-()"))


def _has_positions(schema, fieldname: str) -> bool:
    return fieldname in schema and schema[fieldname].format.supports("positions")


def _has_error(q: Query) -> bool:
    if isinstance(q, wq.qcore._NullQuery):
        return False
    if q.__class__.__name__ == "ErrorQuery":
        return True
    return any(_has_error(sub) for sub in q.children()) if not q.is_leaf() else False


def _normalize(q: Query | None) -> Query | None:
    if q is None:
        return None
    q = q.normalize()
    if q is wq.NullQuery:
        return wq.NullQuery
    if isinstance(q, wq.Every):
        return None
    return q


def collect_marks(q: Query | None, plan: QueryPlan) -> None:
    """Positive terms of the query, per field flavour, for the highlighter."""
    if q is None or q is wq.NullQuery:
        return
    if isinstance(q, wq.Not | PhraseWords):
        return
    if isinstance(q, wq.AndNot):
        collect_marks(q.a, plan)
        return
    if isinstance(q, wq.Term):
        _mark(q.fieldname, q.text, plan)
        return
    if isinstance(q, wq.Phrase):
        if q.fieldname in ("text", "exact", "title"):
            plan.phrases.add(tuple(stem(_text(w)) for w in q.words))
        return
    if not q.is_leaf():
        for sub in q.children():
            collect_marks(sub, plan)


def _text(text) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text


def _mark(fieldname: str, text, plan: QueryPlan) -> None:
    text = _text(text)
    if fieldname == "text" or fieldname == "title":
        plan.stems.add(text)
    elif fieldname == "exact":
        plan.exact.add(text)
        plan.stems.add(stem(text))
