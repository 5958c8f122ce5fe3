"""Property tests (hypothesis) for the pipeline stages that see arbitrary user text.

Analyzer, chunker, JSON ingest and highlighter must hold their invariants for *any* Unicode a
newsroom can paste: CJK, right-to-left scripts, emoji, NUL and control characters, lone labels
("MS. X:", "Q"), blank-line runs. The default profile is modest so the module stays well under a
minute; ``HYPOTHESIS_PROFILE=thorough`` runs ten times as many examples.
"""

from __future__ import annotations

import html
import itertools
import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from searchsvc.engine.models import Document
from searchsvc.engine.render.snippets import Marks, find_spans, snippet
from searchsvc.engine.text.analysis import iter_terms, stem, words_with_terms
from searchsvc.engine.text.chunking import MAX_CHUNK_CHARS, chunk_document
from searchsvc.engine.text.ingest import document_from_json
from searchsvc.engine.text.ingest.paragraphs import join_paragraphs, split_paragraphs
from searchsvc.engine.whoosh.analyzer import NewsAnalyzer
from searchsvc.errors import InvalidDocument

settings.register_profile(
    "default",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# --- strategies ---------------------------------------------------------------------------------

# Pieces a newsroom text is made of, so random text hits the interesting code paths often.
FRAGMENTS = [
    "MS. PSAKI:",
    "MS. X:",
    "Q",
    "Q:",
    "Q  Thank you.",
    "Xu Nanping:",
    "Economic Daily:",
    "MODERATOR:",
    "SENIOR ADMINISTRATION OFFICIAL:",
    "WHO",
    "who",
    "76,000",
    "2019-nCoV",
    "S&T",
    "U.S.",
    "mRNA",
    "4.44",
    "China.org.cn",
    "新冠肺炎疫情",
    "中国",
    "مرحبا بالعالم",
    "שלום עולם",
    "\u202eevil\u202c",
    "\u200f",
    "👩‍👩‍👧‍👦",
    "🇺🇸",
    "😀",
    "e\u0301",
    "Müller",
    "İstanbul",
    "ﬁnance",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\u2028",
    "\u2029",
    "\x85",
    "\ufeff",
    "\u00ad",
    "\u200b",
    "<script>alert(1)</script>",
    "&amp;",
    '"',
    "'",
    "…",
    "。",
    "?",
    ".",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\n \n",
    "\r\n",
    "\r",
    "Print E-mail Bookmark and Share",
    "Nav Search",
    "<  1  2  3  >",
    "I. Deepening cooperation",
    "Sharing research data",
    '"We will win," explained Xu Nanping.',
    "Good afternoon. ",
]

any_char = st.characters(codec="utf-8")  # every code point but lone surrogates
newsroom_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(any_char, max_size=12)), max_size=40
).map("".join)
long_paragraph = st.lists(
    st.one_of(
        st.sampled_from(["Yes. ", "No? ", "Mr. Smith said so. ", "中国。", "x" * 50, " "]),
        st.text(any_char, max_size=8),
    ),
    min_size=40,
    max_size=120,
).map("".join)
texts = st.one_of(st.text(any_char, max_size=300), newsroom_text, long_paragraph)


def cleaned(raw: str) -> str:
    """What every reader does to a body before chunking: the shared paragraph builder."""
    return join_paragraphs([p.text for p in split_paragraphs(raw)])


# --- analyzer -----------------------------------------------------------------------------------


@given(texts, st.booleans(), st.booleans())
def test_analyzer_terms_lie_within_the_input(text: str, query: bool, keep_stops: bool) -> None:
    last_pos = -1
    for term in iter_terms(text, query=query, keep_stops=keep_stops):
        assert 0 <= term.start < term.end <= len(text), term
        assert term.text, term
        assert term.pos >= 0
        # positions never go backwards (phrases and highlights rely on document order)
        assert term.pos >= last_pos or term.part, term
        last_pos = max(last_pos, term.pos)
        stem(term.text)  # never raises


@given(texts)
def test_words_analysed_one_at_a_time_give_the_terms_of_the_whole_text(text: str) -> None:
    """The highlighter's word-at-a-time analysis, shifted by each word's offset and position,
    is exactly ``iter_terms`` of the whole text: compounds, CJK runs and stopwords included."""
    shifted = [
        type(t)(t.text, pos + t.pos, start + t.start, start + t.end, t.part)
        for start, pos, terms in words_with_terms(text)
        for t in terms
    ]
    assert shifted == list(iter_terms(text))


@given(texts, st.booleans(), st.sampled_from(["index", "query"]))
def test_whoosh_analyzer_never_raises(text: str, stemming: bool, mode: str) -> None:
    tokens = [
        (t.text, t.startchar, t.endchar)
        for t in NewsAnalyzer(stemming)(text, positions=True, chars=True, mode=mode)
    ]
    for term, start, end in tokens:
        assert term
        assert 0 <= start < end <= len(text)


# --- chunker ------------------------------------------------------------------------------------


def check_chunks(doc: Document) -> None:
    chunks = chunk_document(doc)
    assert [c.paragraph for c in chunks] == list(range(1, len(chunks) + 1))
    prev_end = 0
    for c in chunks:
        assert c.doc_id == doc.id
        assert 0 <= c.start < c.end <= len(doc.text), c
        assert doc.text[c.start : c.end] == c.text, c
        assert c.text == c.text.strip(), c  # trimmed
        assert c.start >= prev_end, "chunks overlap or are out of document order"
        prev_end = c.end
        assert len(c.text) <= MAX_CHUNK_CHARS or " " not in c.text, len(c.text)
        assert c.kind in {"paragraph", "caption", "heading"}
        assert c.role in {None, "official", "questioner", "moderator", "quoted"}


@given(texts, st.sampled_from([None, "transcript", "article"]))
def test_chunker_on_cleaned_text(raw: str, kind: str | None) -> None:
    text = cleaned(raw)
    title = text.split("\n", 1)[0] if text else ""
    check_chunks(Document(id="d", text=text, title=title, kind=kind))


@given(texts)
def test_chunker_on_uncleaned_text(raw: str) -> None:
    """The chunker promises its offsets 'for any Unicode input', cleaned or not."""
    check_chunks(Document(id="d", text=raw))


@given(st.lists(newsroom_text.filter(str.strip), min_size=1, max_size=8))
def test_chunker_paragraph_count_for_clean_paragraphs(paras: list[str]) -> None:
    """A body of N short, label-free, one-line paragraphs gives N chunks (what crash tests and the
    write API rely on to know a document's chunk count)."""
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    body = [f"{w} said {i} things, and more." for i, w in enumerate(words[: len(paras)])]
    doc = Document(id="d", text=cleaned("\n\n".join(body)))
    assert len(chunk_document(doc)) == len(body)


# --- JSON ingest --------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(any_char, max_size=30),
    st.sampled_from(
        ["2020-03-28", "2021-01-20T12:00:00Z", "yesterday", "", "id-1", "a/b", "x" * 250]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "id", "title", "body", "body_html", "date", "source", "url", "kind", "event", "speaker",
    "version", "person", "organisation", "subject", "place", "byline",
    # ninjs
    "uri", "headline", "body_text", "versioncreated", "located", "description_text",
]  # fmt: skip
json_documents = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=10),
    st.fixed_dictionaries(
        {"id": st.sampled_from(["a", "doc-1", "x.y~z"]), "body": texts},
        optional={k: json_values for k in FIELDS if k not in ("id", "body")},
    ),
    st.fixed_dictionaries(
        {"uri": st.text(any_char, min_size=1, max_size=40), "body_text": texts},
        optional={k: json_values for k in FIELDS if k not in ("uri", "body_text")},
    ),
    st.fixed_dictionaries({"id": st.just("h"), "body_html": newsroom_text}),
)


@given(json_documents, st.sampled_from([None, "given-id"]))
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_json_ingest_gives_a_document_or_invalid_document(obj: object, doc_id: str | None) -> None:
    json.dumps(obj)  # the strategy only builds what a JSON body can hold
    try:
        doc = document_from_json(obj, doc_id)
    except InvalidDocument as exc:
        assert exc.message  # a clear message, never an empty one
        return
    assert isinstance(doc, Document)
    assert doc.id and (doc_id is None or doc.id == doc_id)
    assert doc.text.strip()
    check_chunks(doc)


with_surrogates = st.text(st.one_of(any_char, st.characters(categories=["Cs"])), max_size=40)


@given(
    st.fixed_dictionaries(
        {"id": st.just("s"), "body": with_surrogates},
        optional={"title": with_surrogates, "speaker": with_surrogates, "source": with_surrogates},
    )
)
def test_json_ingest_never_keeps_what_utf8_cannot_carry(obj: dict) -> None:
    """``json.loads`` turns ``"\\ud800"`` into a lone surrogate. A document that holds one cannot
    be sent in any UTF-8 response, so ingest must refuse it or clean it, never store it."""
    try:
        doc = document_from_json(obj)
    except InvalidDocument:
        return
    for value in (doc.text, doc.title, doc.speaker, doc.source):
        if value:
            value.encode("utf-8")  # raises UnicodeEncodeError on a lone surrogate


# --- highlighter --------------------------------------------------------------------------------


class MarkChecker(HTMLParser):
    """Only <mark> may appear as markup; marks are balanced and never nested."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.errors: list[str] = []
        self.marks = 0

    def handle_starttag(self, tag, attrs):
        if tag != "mark" or attrs:
            self.errors.append(f"unexpected tag <{tag} {attrs}>")
        self.depth += 1
        self.marks += 1
        if self.depth > 1:
            self.errors.append("nested <mark>")

    def handle_startendtag(self, tag, attrs):
        self.errors.append(f"unexpected self-closing <{tag}/>")

    def handle_endtag(self, tag):
        if tag != "mark":
            self.errors.append(f"unexpected </{tag}>")
        self.depth -= 1
        if self.depth < 0:
            self.errors.append("</mark> without <mark>")

    def handle_comment(self, data):
        self.errors.append("comment in snippet")

    def handle_decl(self, decl):
        self.errors.append("declaration in snippet")

    def handle_pi(self, data):
        self.errors.append("processing instruction in snippet")


def is_subsequence_of_pieces(snippet_text: str, text: str) -> bool:
    """The unescaped, unmarked snippet, split at the ' … ' joins, is a sequence of substrings of
    ``text`` appearing in order (fragment edges may be trimmed of whitespace)."""
    pieces = [p for p in snippet_text.split("…") if p.strip()]
    pos = 0
    for piece in pieces:
        piece = piece.strip()
        idx = text.find(piece, pos)
        if idx < 0:
            return False
        pos = idx + len(piece)
    return True


query_words = st.lists(
    st.one_of(
        st.sampled_from(["who", "WHO", "nCoV", "2019-nCoV", "中国", "said", "script", "amp", "x"]),
        st.text(any_char, min_size=1, max_size=6),
    ),
    max_size=4,
)


@given(texts, query_words, st.lists(query_words, max_size=2))
def test_snippets_are_well_formed_escaped_html(text: str, words: list[str], phrases) -> None:
    text = "\n".join(p.text for p in split_paragraphs(text)) or text  # a chunk: one paragraph
    exact = {t.text for w in words for t in iter_terms(w, query=True)}
    stems = {stem(t) for t in exact}
    phrase_stems = {
        tuple(stem(t.text) for t in iter_terms(" ".join(p), query=True)) for p in phrases
    }
    marks = Marks(frozenset(stems), frozenset(exact), frozenset(p for p in phrase_stems if p))
    spans = find_spans(text, marks)
    for s, e in spans:
        assert 0 <= s < e <= len(text), (s, e)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), "overlapping spans"
    out = snippet(text, spans)
    checker = MarkChecker()
    checker.feed(out)
    checker.close()
    assert not checker.errors, (checker.errors, out)
    assert checker.depth == 0, out
    assert "<" not in out.replace("<mark>", "").replace("</mark>", ""), out
    plain = html.unescape(out.replace("<mark>", "").replace("</mark>", ""))
    assert is_subsequence_of_pieces(plain, text), (plain, text)
    if spans and len(text) <= 300:  # short texts are shown whole: every span is marked
        assert checker.marks == len(spans)


@pytest.mark.parametrize(
    "text", ["<script>alert(1)</script> said WHO", "a & b <b>WHO</b>", "\"WHO\" 'WHO'"]
)
def test_snippet_escapes_markup_around_marks(text: str) -> None:
    marks = Marks(frozenset({stem("who")}), frozenset({"who"}))
    out = snippet(text, find_spans(text, marks))
    assert "<script>" not in out and "<b>" not in out
    assert "<mark>WHO</mark>" in out
    assert html.unescape(out.replace("<mark>", "").replace("</mark>", "")) == text.strip()


def test_hypothesis_strategies_produce_the_hostile_pieces() -> None:
    """Guard against a strategy change that silently stops generating what this module is for."""
    for needle in ("\x00", "MS. PSAKI:", "中国", "\u202e", "😀", "<script>"):
        assert any(needle in f for f in FRAGMENTS)


# --- the engine as a state machine ----------------------------------------------------------------


class EngineMachine(RuleBasedStateMachine):
    """Random sequences of put/replace/delete (with and without versions) against a real Engine on
    a temp index, compared with a dict after every step: the index holds exactly the model's
    documents, each whole (its N chunks, all of one revision), older versions refused with 409."""

    IDS = ("a", "b", "c-1", "d.2")

    def __init__(self) -> None:
        super().__init__()
        import tempfile

        from searchsvc.config import Settings
        from searchsvc.engine.service import Engine

        self.tmp = tempfile.TemporaryDirectory(prefix="engine-machine-")
        self.engine = Engine(Settings(index_dir=Path(self.tmp.name) / "index"))
        self.model: dict[str, tuple[str | None, int, str]] = {}  # id -> (version, n, token)
        self.step = 0

    def teardown(self) -> None:
        self.tmp.cleanup()

    @rule(
        doc_id=st.sampled_from(IDS),
        n=st.integers(1, 4),
        version=st.one_of(st.none(), st.integers(1, 6)),
    )
    def put(self, doc_id: str, n: int, version: int | None) -> None:
        from searchsvc.errors import VersionConflict

        self.step += 1
        token = f"tok{self.step}x"
        body = "\n\n".join(f"Revision {token} paragraph {k} of {n}." for k in range(1, n + 1))
        obj = {"id": doc_id, "title": doc_id, "body": body}
        if version is not None:
            obj["version"] = version
        stored = self.model.get(doc_id)
        older = (
            stored is not None
            and version is not None
            and stored[0] is not None
            and version < int(stored[0])
        )
        if older:
            with pytest.raises(VersionConflict):
                self.engine.put_json(obj)
            return
        result = self.engine.put_json(obj)
        assert result.created == (stored is None)
        assert result.chunks == n
        self.model[doc_id] = (None if version is None else str(version), n, token)

    @rule(doc_id=st.sampled_from(IDS))
    def delete(self, doc_id: str) -> None:
        from searchsvc.errors import DocumentNotFound

        if doc_id in self.model:
            self.engine.delete_document(doc_id)
            del self.model[doc_id]
        else:
            with pytest.raises(DocumentNotFound):
                self.engine.delete_document(doc_id)

    @invariant()
    def index_matches_model(self) -> None:
        from searchsvc.engine.models import SearchRequest
        from searchsvc.errors import DocumentNotFound

        stats = self.engine.stats()
        assert stats["documents"] == len(self.model), (stats, self.model)
        assert stats["chunks"] == sum(n for _v, n, _t in self.model.values()), stats
        for doc_id in self.IDS:
            if doc_id not in self.model:
                with pytest.raises(DocumentNotFound):
                    self.engine.get_document(doc_id)
                continue
            _version, n, token = self.model[doc_id]
            paragraphs = self.engine.get_document(doc_id)["paragraphs"]
            assert [p["number"] for p in paragraphs] == list(range(1, n + 1))
            assert all(token in p["text"] for p in paragraphs), (token, paragraphs)
            assert self.engine.search(SearchRequest(q=token)).total == n


EngineMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_STATEFUL_EXAMPLES", "12")),
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
test_engine_state_machine = EngineMachine.TestCase


iso_like_dates = (
    st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?"
        r"(Z|[+-][0-9]{2}:?[0-9]{2})?)?\Z"
    )
    | st.dates().map(str)
    | st.datetimes().map(lambda d: d.isoformat() + "Z")
)


@given(iso_like_dates)
def test_iso_dates_read_as_dateutil_reads_them(value: str) -> None:
    """The ISO fast path gives the date dateutil gives, impossible days and hours included."""
    from searchsvc.engine.text.ingest.metadata import parse_date, parse_date_by_dateutil

    assert parse_date(value) == parse_date_by_dateutil(value)


@given(st.text(alphabet="ABCDEFGHIJ abcdefghij'’sS-,", max_size=60) | texts)
def test_owner_hint_never_hides_an_owner_match(title: str) -> None:
    """A title ``_OWNER`` matches always holds ``_OWNER_HINT``: skipping ``_OWNER`` without it
    changes no speaker."""
    from searchsvc.engine.text import speakers

    for t in (title, title + "'s Press Briefing", "Minister " + title + "’S remarks"):
        if speakers._OWNER.search(t):
            assert speakers._OWNER_HINT.search(t)
