"""The engine end to end on the seeds, with a real Whoosh index in a temp directory."""

from __future__ import annotations

import html
import re
import shutil
import time
from pathlib import Path

import pytest

from searchsvc.config import Settings
from searchsvc.engine.bulk import Put
from searchsvc.engine.models import Document, SearchRequest
from searchsvc.engine.service import Engine
from searchsvc.engine.text.chunking import chunk_document
from searchsvc.errors import (
    DocumentNotFound,
    IndexBusy,
    InvalidDocument,
    InvalidParameter,
    SearchsvcError,
    VersionConflict,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
TRANSCRIPT = "000_a2191ec13ae00466"


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    eng = Engine(Settings.from_env(index_dir=tmp_path_factory.mktemp("ix")))
    report = eng.index_paths([SEEDS])
    assert report.documents == 5 and not report.skipped
    return eng


@pytest.fixture
def scratch(tmp_path) -> Engine:
    """An engine of its own, for tests that write."""
    eng = Engine(Settings.from_env(index_dir=tmp_path / "ix"))
    eng.index_paths([SEEDS])
    return eng


def search(engine: Engine, q: str = "", **kw):
    return engine.search(SearchRequest(q=q, **kw))


def test_transcript_speakers_and_roles(engine):
    doc = engine.get_document(TRANSCRIPT)
    paras = doc["paragraphs"]
    by_speaker = {}
    for p in paras:
        by_speaker.setdefault(p["speaker"], set()).add(p["role"])
    assert by_speaker["Economic Daily"] == {"questioner"}
    assert by_speaker["Xu Nanping"] == {"official"}
    xu = [p for p in paras if p["speaker"] == "Xu Nanping"]
    assert len(xu) >= 5, "Xu Nanping's answer spans several paragraphs after one label"
    assert all("Xu Nanping:" not in p["text"] for p in paras), "label lines are not chunks"
    # the question comes before the answer, and the answer's paragraphs are consecutive
    numbers = [p["number"] for p in xu]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))


@pytest.mark.parametrize(
    "phrase", ["Print E-mail Bookmark and Share", "Nav Search", "1 2 3 4 5 6 7 8 9 10"]
)
def test_boilerplate_is_unfindable(engine, phrase):
    result = search(engine, f'"{phrase}"')
    assert not [h for h in result.hits if not h.partial], f"{phrase!r} found in {result.hits[:1]}"
    for doc_id in (p.stem for p in SEEDS.glob("*.txt")):
        for p in engine.get_document(doc_id)["paragraphs"]:
            assert "Bookmark and Share" not in p["text"]
            assert not re.search(r"<\s+1\s+2\s+3", p["text"])


def test_who_the_organisation_is_not_drowned_by_who(engine):
    result = search(engine, "WHO", per_page=50)
    assert result.total >= 5
    for hit in result.hits:
        assert re.search(r"\bWHO\b", hit.text), hit.text
        assert "<mark>WHO</mark>" in hit.snippet
    assert search(engine, "who").total == 0  # the pronoun alone is a stopword


def test_numbers_with_and_without_separators(engine):
    a = {h.id for h in search(engine, "76,000").hits}
    b = {h.id for h in search(engine, "76000").hits}
    assert a == b and len(a) == 2


def test_compound_matches_whole_and_by_part(engine):
    whole = search(engine, "2019-nCoV")
    assert whole.total >= 1
    assert all("2019-nCoV" in h.text for h in whole.hits)
    part = search(engine, "nCoV")
    assert {h.id for h in whole.hits} <= {h.id for h in part.hits}


def test_exact_word_outranks_stem_only_match(tmp_path):
    eng = Engine(Settings.from_env(index_dir=tmp_path / "ix"))
    eng.backend.add_documents(
        [
            _doc("a", "The vaccines were shipped. Plenty of other words here to pad it out."),
            _doc("b", "The vaccine was shipped. Plenty of other words here to pad it out."),
        ]
    )
    hits = search(eng, "vaccine").hits
    assert [h.document["id"] for h in hits] == ["b", "a"]


def _doc(doc_id: str, text: str, **meta):
    from searchsvc.engine.text.chunking import chunk_document

    doc = Document(id=doc_id, text=text, title=meta.pop("title", doc_id), **meta)
    return doc, chunk_document(doc)


def test_snippets_are_escaped_and_marked(tmp_path):
    eng = Engine(Settings.from_env(index_dir=tmp_path / "ix"))
    eng.backend.add_documents(
        [
            _doc(
                "x",
                'Officials said <script>alert("genome")</script> & <img src=x onerror=alert(1)>',
            )
        ]
    )
    hit = search(eng, "genome").hits[0]
    assert "&lt;script&gt;" in hit.snippet and "<script>" not in hit.snippet
    assert "<img" not in hit.snippet
    assert re.sub(r"</?mark>", "", hit.snippet) == html.escape(hit.text)
    assert "<mark>genome</mark>" in hit.snippet


def test_phrase_is_one_mark_and_highlight_offsets_slice_the_text(engine):
    hit = search(engine, '"genome sequence"').hits[0]
    assert "<mark>genome sequence</mark>" in hit.snippet.lower()
    for start, end in hit.highlights:
        assert hit.text[start:end].lower() in {"genome sequence"}


def test_long_paragraph_snippet_has_at_most_three_fragments(engine):
    hit = search(engine, "platform sharing data", per_page=1).hits[0]
    assert hit.snippet.count(" … ") <= 2 + 2  # three fragments, plus leading/trailing ellipses
    assert len(re.sub(r"</?mark>", "", hit.snippet)) <= 3 * 260 + 20


def test_citation_names_speaker_document_and_paragraph(engine):
    hit = search(engine, "genome", filters={"speaker": ["Xu Nanping"]}).hits[0]
    assert hit.citation.url == f"/documents/{TRANSCRIPT}#p{hit.paragraph}"
    assert hit.citation.text.startswith("Xu Nanping, SCIO briefing")
    assert "(China.org.cn, 2020-03-28)" in hit.citation.text
    assert hit.citation.text.endswith(f"¶{hit.paragraph}")


def test_filter_by_facet_value_returns_exactly_its_count(engine):
    base = search(engine, "cooperation")
    for field in ("speaker", "role", "source", "kind", "year"):
        for entry in base.facets[field][:3]:
            filtered = search(engine, "cooperation", filters={field: [entry["value"]]})
            assert filtered.total == entry["count"], (field, entry)
            # the selected value stays listed with the same count
            assert entry in filtered.facets[field]


def test_facets_are_sorted_and_count_the_whole_result(engine):
    result = search(engine, "China", per_page=1)
    for values in result.facets.values():
        counts = [v["count"] for v in values]
        assert counts == sorted(counts, reverse=True)
    assert sum(v["count"] for v in result.facets["year"]) <= result.total
    assert sum(v["count"] for v in result.facets["kind"]) == result.total


def test_filters_or_within_and_across(engine):
    one = search(engine, "China", filters={"speaker": ["Xu Nanping"]}).total
    two = search(engine, "China", filters={"speaker": ["Xu Nanping", "Luo Zhaohui"]}).total
    other = search(engine, "China", filters={"speaker": ["Luo Zhaohui"]}).total
    assert two == one + other
    both = search(engine, "China", filters={"speaker": ["Xu Nanping"], "role": ["questioner"]})
    assert both.total == 0


def test_paging_has_no_overlap_and_ranks_continue(engine):
    first = search(engine, "China", per_page=5, page=1)
    second = search(engine, "China", per_page=5, page=2)
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    assert [h.rank for h in second.hits] == [6, 7, 8, 9, 10]


def test_group_by_document_returns_unique_documents(engine):
    result = search(engine, "China", group="document", per_page=10)
    ids = [h.document["id"] for h in result.hits]
    assert len(ids) == len(set(ids)) == result.total == 5


def test_date_sort_and_date_filters(engine):
    newest = search(engine, "China", sort="-date", per_page=50).hits
    dates = [h.document["date"] for h in newest if h.document["date"]]
    assert dates == sorted(dates, reverse=True)
    ranged = search(engine, "China", date_from="2020-07-01", per_page=50)
    assert ranged.total > 0 and all(h.document["date"] >= "2020-07-01" for h in ranged.hits)


def test_empty_query_lists_chunks_by_date(engine):
    result = search(engine, "", filters={"kind": ["transcript"]}, per_page=100)
    assert result.total > 0 and all(h.document["kind"] == "transcript" for h in result.hits)
    assert search(engine, "").total == engine.stats()["chunks"]


def test_natural_language_question_is_topped_up_with_partial_matches(engine):
    result = search(engine, "how will china share its experience with the world vaccines")
    assert len(result.hits) == 10
    partial = [h.partial for h in result.hits]
    assert partial == sorted(partial), "complete matches first"
    assert any(partial)


def test_did_you_mean_for_unknown_words(engine):
    assert search(engine, "genoem").suggestion == "genome"
    assert search(engine, "genome").suggestion is None


def test_the_speller_answers_what_whoosh_corrector_does_and_gives_way(scratch, monkeypatch):
    """On an index of several segments ``Speller`` replaces Whoosh's corrector (the same
    candidates, filtered by length and letters first, read at safe points): its answer must be
    the corrector's, word for word."""
    from searchsvc.engine import pacing
    from searchsvc.engine.whoosh.spelling import Speller

    def closest_term(reader, field, word):
        found = speller.suggest(reader, field, word, maxdist=2, prefix=1)
        return found[0] if found else None

    speller = Speller()
    text = "Genome sequencing of the echo chamber: ministers, vaccines and the economy."
    scratch.put_document(Document(id="second-segment", text=text, title="A second segment"))
    reader = scratch.backend.reader.view().searcher.reader()
    assert not reader.is_atomic()
    corrector = reader.corrector("exact")
    words = [t.decode() for t in reader.lexicon("exact")][::5][:200]
    typos = [w[:1] + w[2:] for w in words if len(w) > 3] + [w[::-1] for w in words]
    typos += [w[:2] + "e" + w[2:] for w in words] + ["genoem", "epoh", "zzzzq", "x"]
    pauses = []
    monkeypatch.setattr(pacing, "INTERVAL", 0.0)
    pacing.install(lambda: pauses.append(1))
    try:
        for word in typos:
            expected = corrector.suggest(word, limit=1, maxdist=2, prefix=1)
            assert closest_term(reader, "exact", word) == (expected[0] if expected else None), word
    finally:
        pacing.install(None)
    assert sum(1 for w in typos if closest_term(reader, "exact", w)) > 50  # not all None
    assert len(pauses) > 100, "the first walk over a letter's terms gives way"


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        "((",
        "a AND",
        "OR",
        "NOT",
        "*",
        "?",
        "speaker:",
        "title:(",
        "[a TO b]",
        "\x00\x01",
        "مرحبا",
        "😀 genome",
        "<script>",
        "a" * 900,
        "-",
        "+",
        "~",
        "^2",
        "genome^",
        "a*",
        "field:value",
        '""',
        "\\",
        "}{",
        "genome~2",
        "NOT genome",
        "-genome",
    ],
)
def test_malformed_queries_answer_without_exceptions(engine, q):
    result = search(engine, q)
    assert result.total >= 0


def test_limits_raise_typed_errors(engine):
    with pytest.raises(InvalidParameter):
        search(engine, "genome", per_page=0)
    with pytest.raises(InvalidParameter):
        search(engine, "genome", page=1000, per_page=100)
    with pytest.raises(InvalidParameter):
        search(engine, " ".join(f"w{i}" for i in range(200)))
    with pytest.raises(SearchsvcError):
        search(engine, "x" * 5000)
    with pytest.raises(InvalidParameter):
        search(engine, "genome", date_from="yesterday")


def test_reindexing_the_same_files_changes_nothing(scratch):
    before = scratch.stats()
    first = search(scratch, "genome").total
    scratch.index_paths([SEEDS])
    assert scratch.stats()["chunks"] == before["chunks"]
    assert scratch.stats()["documents"] == 5
    assert search(scratch, "genome").total == first


def test_put_replace_delete_and_versions(scratch):
    created = scratch.put_json(
        {
            "id": "story-1",
            "title": "Flood",
            "body": "The river rose.\n\nRescue teams arrived.",
            "version": "2",
        }
    )
    assert created.created and created.chunks == 2
    assert search(scratch, "river").total == 1
    replaced = scratch.put_json(
        {"id": "story-1", "title": "Flood", "body": "The levee held.", "version": "3"}
    )
    assert not replaced.created and replaced.chunks == 1
    assert search(scratch, "river").total == 0 and search(scratch, "levee").total == 1
    with pytest.raises(VersionConflict):
        scratch.put_json({"id": "story-1", "title": "Flood", "body": "Old text.", "version": "2"})
    assert search(scratch, "levee").total == 1
    scratch.delete_document("story-1")
    assert search(scratch, "levee").total == 0
    with pytest.raises(DocumentNotFound):
        scratch.delete_document("story-1")
    with pytest.raises(DocumentNotFound):
        scratch.get_document("story-1")


def test_bulk_lines_apply_in_order_across_batches_and_repeats(tmp_path):
    """Two lines per commit: a repeated id, an older version, a delete of what an earlier line
    of the same request wrote, and a bad line each come out as they would one call at a time."""
    eng = Engine(Settings.from_env(index_dir=tmp_path / "ix", bulk_batch=2))

    def doc(doc_id: str, body: str, version: str) -> tuple[str, str, dict]:
        return ("index", doc_id, {"id": doc_id, "title": "T", "body": body, "version": version})

    out = eng.bulk(
        [
            doc("a", "Quokkas first.", "2"),
            doc("a", "Wombats second.", "3"),  # same id, same batch: replaces the first
            doc("a", "Quokkas again.", "1"),  # older than the line before it
            doc("b", "Numbats.", "1"),
            ("delete", "b", None),  # deletes what the line before wrote
            ("delete", "b", None),
            ("index", None, InvalidDocument("bad line")),
            doc("c", "Bilbies.", "1"),
        ]
    )
    kinds = [type(o).__name__ for o in out]
    assert kinds == [
        "WriteResult",
        "WriteResult",
        "VersionConflict",
        "WriteResult",
        "NoneType",
        "DocumentNotFound",
        "InvalidDocument",
        "WriteResult",
    ]
    assert [out[i].created for i in (0, 1, 3, 7)] == [True, False, True, True]
    assert search(eng, "wombats").total == 1 and search(eng, "quokkas").total == 0
    assert search(eng, "numbats").total == 0 and search(eng, "bilbies").total == 1
    assert eng.get_document("a")["version"] == "3"


def test_bulk_past_its_deadline_tries_nothing(tmp_path):
    eng = Engine(Settings.from_env(index_dir=tmp_path / "ix"))
    line = ("index", "late", {"id": "late", "title": "T", "body": "Never stored."})
    (out,) = eng.bulk([line], deadline=0.0)
    assert isinstance(out, IndexBusy)
    with pytest.raises(DocumentNotFound):
        eng.get_document("late")


def test_a_bulk_commit_puts_off_a_merge_it_has_no_time_for(tmp_path):
    """A commit merges small segments (in Python) only when it can finish well before the
    request's deadline; the next commit with time to spare merges what was put off."""
    eng = Engine(Settings.from_env(index_dir=tmp_path / "ix"))
    store = eng.backend.store

    def segments() -> int:
        return len(store.open().reader().leaf_readers())

    def put(n: int, deadline: float | None) -> None:
        doc = Document(id=f"m{n}", text=f"Story {n} about marsupials.", title="M")
        assert store.write_batch([Put(doc, chunk_document(doc))], deadline) == [True]

    put(0, deadline=None)
    before = segments()
    for n in range(1, 6):
        put(n, deadline=time.perf_counter())  # no time left at all: no merge
    assert segments() == before + 5
    put(6, deadline=None)
    assert segments() < before + 5
    assert search(eng, "marsupials").total == 7


def test_reindex_swaps_in_a_new_generation(scratch):
    before = scratch.stats()
    scratch.index_paths([SEEDS], into_new=True)
    after = scratch.stats()
    assert after["index"] != before["index"]
    assert after["chunks"] == before["chunks"]


def test_a_search_racing_a_reindex_reads_the_new_generation(tmp_path):
    """The interleaving a serving worker can hit (seen under CI load): it resolves ``live``, a
    reindex then swaps the link and removes that generation, and only then does the worker open
    it. The worker's store below replays exactly that order with a real reindex in between; the
    search must answer from the new generation instead of failing."""
    serving = Engine(Settings(index_dir=tmp_path / "ix"))
    serving.index_paths([SEEDS])
    stale = serving.backend.store.open_live()
    serving.backend.reader._view = None  # not opened yet in this worker
    Engine(Settings(index_dir=tmp_path / "ix")).index_paths([SEEDS], into_new=True)
    assert not stale[0].exists(), "the reindex removed the generation the worker resolved"

    real_open_live = serving.backend.store.open_live
    calls = []

    def resolved_before_the_swap():
        calls.append(1)
        return stale if len(calls) == 1 else real_open_live()

    serving.backend.store.open_live = resolved_before_the_swap
    result = search(serving, "genome")
    assert result.total > 0 and len(calls) >= 2  # the stale pair, then a fresh resolve
    assert serving.stats()["index"] != stale[0].name


def test_backup_and_restore(scratch, tmp_path):
    scratch.backup(tmp_path / "backup")
    scratch.delete_document(TRANSCRIPT)
    assert search(scratch, "", filters={"speaker": ["Economic Daily"]}).total == 0
    scratch.restore(tmp_path / "backup")
    assert scratch.stats()["documents"] == 5


def test_suggest_terms_and_speakers_by_prefix(engine):
    values = {s["value"]: s["type"] for s in engine.suggest("gen")}
    assert "genome" in values
    speakers = {s["value"] for s in engine.suggest("xu") if s["type"] == "speaker"}
    assert "Xu Nanping" in speakers


def test_an_empty_index_answers(tmp_path):
    eng = Engine(Settings.from_env(index_dir=tmp_path / "empty"))
    assert eng.is_empty()
    assert eng.stats()["chunks"] == 0 and isinstance(eng.stats()["generation"], int)
    assert search(eng, "anything").total == 0 and search(eng).total == 0
    assert eng.suggest("ab") == []


def test_facets_list_the_most_frequent_values_and_keep_the_selected_ones(tmp_path):
    from searchsvc.engine.whoosh.reader import FACET_LIMIT

    eng = Engine(Settings.from_env(index_dir=tmp_path / "ix"))
    n = FACET_LIMIT + 20
    docs = [
        _doc(f"d{i}", "Budget talks went on. " * (1 + (i == 0)), speaker=f"Speaker {i:03d}")
        for i in range(n)
    ]
    for doc, chunks in docs:
        for c in chunks:
            c.speaker = doc.speaker
    eng.backend.add_documents(docs)
    result = search(eng, "budget")
    assert result.total == n
    assert len(result.facets["speaker"]) == FACET_LIMIT
    rare = f"Speaker {n - 1:03d}"
    selected = search(eng, "budget", filters={"speaker": [rare]})
    assert {"value": rare, "count": 1} in selected.facets["speaker"]
    ghost = search(eng, "budget", filters={"speaker": ["Nobody"]})
    assert ghost.total == 0 and {"value": "Nobody", "count": 0} in ghost.facets["speaker"]


def test_reindex_from_files_keeps_pushed_stories(scratch):
    scratch.put_json({"id": "pushed-1", "title": "Levee", "body": "The levee held overnight."})
    scratch.put_json({"id": TRANSCRIPT, "title": "Override", "body": "A pushed replacement."})
    scratch.index_paths([SEEDS], into_new=True)
    assert search(scratch, "levee").total == 1, "a pushed story survives a rebuild from files"
    assert scratch.stats()["documents"] == 6
    # where files and a push share an id, the rebuild from files wins
    assert search(scratch, "", filters={"speaker": ["Xu Nanping"]}).total > 0


def test_backup_is_atomic_and_restore_refuses_a_damaged_one(scratch, tmp_path):
    good = scratch.backup(tmp_path / "good")
    assert (good / "MANIFEST.json").exists()
    assert not list(tmp_path.glob(".good.partial-*"))
    damaged = tmp_path / "damaged"
    shutil.copytree(good, damaged)
    biggest = max(
        (p for p in damaged.iterdir() if p.suffix != ".json"), key=lambda p: p.stat().st_size
    )
    biggest.write_bytes(biggest.read_bytes()[: biggest.stat().st_size // 2])
    before = scratch.stats()
    with pytest.raises(InvalidParameter):
        scratch.restore(damaged)
    assert scratch.stats()["chunks"] == before["chunks"]
    assert search(scratch, "genome").total > 0


def test_the_same_id_twice_in_one_batch_is_indexed_once(tmp_path):
    a = tmp_path / "a" / "story.txt"
    b = tmp_path / "b" / "story.txt"
    for path, word in ((a, "walrus"), (b, "narwhal")):
        path.parent.mkdir()
        path.write_text(f"A story\n\nThe {word} swam north today.\n", encoding="utf-8")
    eng = Engine(Settings.from_env(index_dir=tmp_path / "ix"))
    eng.index_paths([tmp_path / "a", tmp_path / "b"])
    assert eng.stats()["documents"] == 1
    assert search(eng, "walrus").total == 0 and search(eng, "narwhal").total == 1
    paragraphs = eng.get_document("story")["paragraphs"]
    assert len({p["number"] for p in paragraphs}) == len(paragraphs)


def test_explicit_syntax_is_not_topped_up_and_question_marks_are_punctuation(engine):
    phrase = search(engine, '"genome sequence"', filters={"speaker": ["Xu Nanping"]})
    assert phrase.total == 0 and not phrase.hits, "a quoted phrase is not loosened into its words"
    question = search(engine, "what has China done for data sharing?")
    assert question.total > 0 and not any(h.partial for h in question.hits[:1])
    plan = engine.parse("their call late last evening?")
    assert "evening" in str(plan.tree) and "Wildcard" not in repr(plan.tree)


def test_the_default_backend_is_the_embedded_one_behind_the_protocol(tmp_path):
    from searchsvc.engine.backend import Backend

    backend = Engine(Settings(index_dir=tmp_path / "ix")).backend
    assert isinstance(backend, Backend) and backend.name == "whoosh"
