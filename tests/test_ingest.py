"""Ingest: files and JSON → cleaned ``Document``s (metadata heuristics, boilerplate, formats)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from searchsvc.engine.text.boilerplate import clean_lines, is_boilerplate
from searchsvc.engine.text.chunking import chunk_document, paragraph_spans
from searchsvc.engine.text.ingest import document_from_json, iter_files, read_file, read_path
from searchsvc.errors import InvalidDocument, UnsupportedFormat

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BRIEFING = FIXTURES / "2021-03-03-press-briefing-by-press-secretary-jen-psaki.md"
REMARKS = FIXTURES / "2021-04-02-remarks-by-president-biden-on-the-jobs-report.md"

BOILERPLATE = ("Print E-mail Bookmark and Share", "Bookmark and Share", "Nav Search", "Bookmark")
PAGER = re.compile(r"\b1\s+2\s+3\b|\b15\s+16\b|<\s+1\b")


@pytest.fixture(scope="module")
def seeds() -> dict[str, object]:
    return {d.id: d for d in read_path(SEEDS)}


def test_seed_ids_are_file_stems(seeds):
    assert sorted(seeds) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert "000_a2191ec13ae00466" in seeds


@pytest.mark.parametrize(
    ("doc_id", "source", "date", "kind"),
    [
        ("000_a2191ec13ae00466", "China.org.cn", "2020-03-28", "transcript"),
        ("001_b36268539de8a0c9", "Ministry of Science and Technology", "2020-01-01", "newsletter"),
        ("002_3f000d26b66ae5f8", "Science and Technology Daily", "2020-03-22", "article"),
        ("003_bfa47af47abbb6ae", "English Edition of Qiushi Journal", "2020-07-15", "article"),
        ("004_ba2065517841fb78", "State Council Information Office", "2020-03-28", "transcript"),
    ],
)
def test_seed_metadata(seeds, doc_id, source, date, kind):
    doc = seeds[doc_id]
    assert (doc.source, doc.date, doc.kind) == (source, date, kind)


def test_seed_titles(seeds):
    assert seeds["000_a2191ec13ae00466"].title.startswith("SCIO briefing on the cooperation")
    assert seeds["001_b36268539de8a0c9"].title == (
        "Working together against COVID-19: China in Action"
    )
    assert seeds["003_bfa47af47abbb6ae"].title.startswith("Providing Strong Support for the Global")
    assert seeds["003_bfa47af47abbb6ae"].byline == "Wang Zhigang"
    # 002 has no title line: the first sentence, shortened
    t2 = seeds["002_3f000d26b66ae5f8"].title
    assert t2 and len(t2) <= 101 and "[Photo" not in t2


def test_both_scio_pages_share_one_event(seeds):
    a, b = seeds["000_a2191ec13ae00466"], seeds["004_ba2065517841fb78"]
    assert a.event and a.event == b.event
    assert a.event.startswith("SCIO briefing on")
    assert all(seeds[i].event is None for i in seeds if i[:3] in ("001", "002", "003"))


def test_dates_are_iso(seeds):
    for doc in seeds.values():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.date), doc.id


@pytest.mark.parametrize("phrase", BOILERPLATE)
def test_boilerplate_is_gone_from_text_and_chunks(seeds, phrase):
    for doc in seeds.values():
        assert phrase not in doc.text, doc.id
        for c in chunk_document(doc):
            assert phrase not in c.text


def test_pager_and_toc_stub_are_gone(seeds):
    for doc in seeds.values():
        assert not PAGER.search(doc.text), doc.id
        assert "\nContent\n" not in doc.text
        assert all(c.text != "Content" for c in chunk_document(doc))


def test_cleaned_text_shape(seeds):
    for doc in seeds.values():
        assert "\n\n\n" not in doc.text
        assert "\u00a0" not in doc.text and "\t" not in doc.text
        assert doc.text == doc.text.strip()
        for para in doc.text.split("\n\n"):
            assert para and "\n" not in para and para == para.strip()
            assert "  " not in para


def test_one_paragraph_per_line_without_blank_lines():
    # seed 002 has no blank lines: every line is a paragraph
    raw = (SEEDS / "002_3f000d26b66ae5f8.txt").read_text(encoding="utf-8")
    lines = [line for line in raw.splitlines() if line.strip()]
    doc = read_file(SEEDS / "002_3f000d26b66ae5f8.txt")[0]
    assert len(doc.text.split("\n\n")) == len(lines)


def test_metadata_lines_are_not_chunks(seeds):
    texts = [c.text for d in seeds.values() for c in chunk_document(d)]
    assert not any(t.startswith("China.org.cn March 28") for t in texts)
    assert not any("Source: English Edition of Qiushi" in t for t in texts)
    assert "No.2 2020" not in texts
    # …but they stay in the cleaned text
    assert "China.org.cn March 28, 2020" in seeds["000_a2191ec13ae00466"].text


def test_captions(seeds):
    chunks = chunk_document(seeds["001_b36268539de8a0c9"])
    photos = [c for c in chunks if c.text.startswith("Photo ")]
    assert len(photos) == 4 and all(c.kind == "caption" for c in photos)
    assert all(c.speaker is None for c in photos)
    shows = [c for c in chunks if "The photo shows" in c.text]
    assert shows and all(c.kind == "caption" for c in shows)
    first = chunk_document(seeds["002_3f000d26b66ae5f8"])[0]
    assert first.kind == "caption" and first.text.endswith("[Photo/Xinhua]")
    c3 = chunk_document(seeds["003_bfa47af47abbb6ae"])
    assert any(c.kind == "caption" and c.text.startswith("Top left:") for c in c3)


def test_caption_indexes_match_paragraph_spans(seeds):
    for doc in seeds.values():
        n = len(paragraph_spans(doc.text))
        assert all(0 <= i < n for i in doc.captions | doc.metadata_paragraphs)
        assert n == len(doc.text.split("\n\n"))


# --- boilerplate patterns ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "Print E-mail Bookmark and Share",
        "Print | Email | Share",
        "Share this article: Facebook Twitter LinkedIn",
        "Nav Search",
        "Skip to main content",
        "Menu",
        "<  1  2  3  4  5  6  7  8  9  10  11  12  13  14  15  16  >",
        "« Prev 1 2 3 … 9 Next »",
        "1 | 2 | 3",
        "Page 2 of 16",
        "Content",
        "Contents",
        "Table of Contents",
        "###",
        "\\###",
    ],
)
def test_boilerplate_lines(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "Print media and e-mail newsletters share the blame.",
        "Content moderation is hard.",
        "Search and rescue teams arrived.",
        "2020",
        "No.2 2020",
        "Share prices rose 3 percent.",
        "Sharing research data",
        "Q",
    ],
)
def test_prose_is_not_boilerplate(line):
    assert not is_boilerplate(line)


def test_share_bar_glued_to_a_paragraph():
    assert list(clean_lines(["Thank you. Print E-mail Bookmark and Share"])) == ["Thank you."]


# --- formats ----------------------------------------------------------------------------------
def test_markdown_front_matter_and_hard_wraps():
    (doc,) = read_file(BRIEFING)
    assert doc.id == BRIEFING.stem
    assert doc.title == "Press Briefing by Press Secretary Jen Psaki, March 3, 2021"
    assert doc.date == "2021-03-03"
    assert doc.url.startswith("https://www.whitehouse.gov/briefing-room/press-briefings/")
    assert doc.source == "The White House"
    assert doc.kind == "briefing" and doc.event == doc.title
    assert "I have a couple of items for you at the top, and then we will get" in doc.text
    assert "###" not in doc.text
    chunks = chunk_document(doc)
    assert not any("P.M. EST" in c.text or "Briefing Room" in c.text for c in chunks)
    (remarks,) = read_file(REMARKS)
    assert remarks.kind == "remarks" and remarks.date == "2021-04-02"


def test_markdown_without_front_matter(tmp_path):
    p = tmp_path / "note.md"
    p.write_text("# A plain note\n\nSome text that is\nwrapped here.\n", encoding="utf-8")
    (doc,) = read_file(p)
    assert doc.title == "A plain note"
    assert "Some text that is wrapped here." in doc.text


def test_html_main_text_only():
    (doc,) = read_file(FIXTURES / "story.html")
    assert doc.id == "story"
    assert doc.title == "Scientists share coronavirus data with the world"
    assert doc.date == "2020-03-29"
    for junk in (
        "do-not-index-this-script",
        "font-family",
        "NavigationMenuOnly",
        "gossip",
        "Bookmark",
        "Copyright 2020",
    ):
        assert junk not in doc.text
    paras = doc.text.split("\n\n")
    assert any(p.startswith("Researchers at the Chinese Center") for p in paras)
    assert "Platforms for open science" in paras
    chunks = chunk_document(doc)
    quoted = [c for c in chunks if c.role == "quoted"]
    assert [c.speaker for c in quoted] == ["Xu Nanping"]


def test_json_list_file():
    docs = read_file(FIXTURES / "stories.json")
    assert [d.id for d in docs] == ["story-1", "story-2"]
    one = docs[0]
    assert one.date == "2020-03-16" and one.source == "Xinhua"
    assert one.subject == ["vaccines"] and one.person == ["Chen Wei"] and one.place == ["Wuhan"]
    assert one.text.split("\n\n")[1].startswith('"We are moving')
    assert 2 in one.captions


def test_ninjs_file():
    (doc,) = read_file(FIXTURES / "ninjs-story.json")
    assert doc.id == "newsml_example.com_20200328_scio-briefing-42"
    assert doc.title == "China shares COVID-19 research data with the world"
    assert doc.date == "2020-03-28"
    assert doc.version == "2020-03-28T01:30:00+00:00"
    assert doc.byline == "Wang Yiming" and doc.source == "China.org.cn"
    assert doc.place == ["Beijing", "China"]
    assert doc.person == ["Xu Nanping"]
    assert doc.organisation == ["World Health Organization", "State Council Information Office"]
    assert doc.subject == ["health"]
    assert doc.event == "SCIO briefing on international cooperation against COVID-19"
    assert "alert" not in doc.text
    assert (
        doc.text.split("\n\n")[1]
        == '"Every day, we are receiving a lot of suggestions," said Xu Nanping.'
    )


def test_document_from_json_native():
    doc = document_from_json(
        {
            "id": "a1",
            "title": "T",
            "body": "First line\nstill first.\n\nSecond.",
            "date": "2020-3-5",
        }
    )
    assert doc.text == "First line still first.\n\nSecond."
    assert doc.date == "2020-03-05" and doc.kind == "article"
    assert document_from_json({"title": "T", "body": "x"}, doc_id="given").id == "given"
    html = document_from_json(
        {"id": "h", "title": "T", "body_html": "<p>One</p><p>Two &amp; three</p>"}
    )
    assert html.text == "One\n\nTwo & three"


def test_document_from_json_ninjs_id_and_override():
    obj = {"uri": "https://example.com/news/2020/03/28/abc?x=1", "body_text": "Hello."}
    assert document_from_json(obj).id == "example.com_news_2020_03_28_abc_x_1"
    assert document_from_json(obj, "mine").id == "mine"
    assert document_from_json(obj).url == obj["uri"]


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], "JSON object"),
        ("text", "JSON object"),
        (None, "JSON object"),
        ({"id": "x", "title": 3, "body": "b"}, "title"),
        ({"id": "x", "title": "t"}, "body"),
        ({"id": "x", "title": "t", "body": "   "}, "body"),
        ({"id": "x", "title": "t", "body": ["b"]}, "body"),
        ({"id": "x", "title": "t", "body": "b", "date": "not a date"}, "date"),
        ({"id": "x", "title": "t", "body": "b", "date": 20200328}, "date"),
        ({"id": "x", "title": "t", "body": "b", "person": [1]}, "person"),
        ({"id": "x", "title": "t", "body": "b", "source": {"a": 1}}, "source"),
        ({"id": "a/b", "title": "t", "body": "b"}, "id"),
        ({"id": True, "title": "t", "body": "b"}, "id"),
        ({"title": "t", "body": "b"}, "id"),
        ({"uri": 5, "body_text": "b"}, "uri"),
        ({"uri": "urn:x", "headline": "h"}, "body"),
        ({"uri": "urn:x", "body_text": "b", "versioncreated": "yesterday-ish"}, "versioncreated"),
    ],
)
def test_document_from_json_rejects(obj, message):
    with pytest.raises(InvalidDocument) as e:
        document_from_json(obj)
    assert message in e.value.message
    assert e.value.code == "invalid_document"


def test_absent_optionals_are_fine():
    doc = document_from_json({"id": "x", "title": "t", "body": "b", "date": None, "person": None})
    assert doc.date is None and doc.person == []


# --- walking and sidecars ---------------------------------------------------------------------
def test_directory_walk_sorted_recursive_skipping_hidden_and_unknown(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    shutil.copy(SEEDS / "000_a2191ec13ae00466.txt", tmp_path / "b" / "z.txt")
    shutil.copy(SEEDS / "002_3f000d26b66ae5f8.txt", tmp_path / "a.txt")
    (tmp_path / ".secret.txt").write_text("hidden", encoding="utf-8")
    (tmp_path / ".hidden" / "x.txt").write_text("hidden", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "a.meta.json").write_text('{"source": "Override"}', encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_files(tmp_path)] == [
        "a.txt",
        "b/z.txt",
    ]
    docs = list(read_path(tmp_path))
    assert [d.id for d in docs] == ["a", "z"]
    assert docs[0].source == "Override"


def test_explicit_unknown_file_is_unsupported(tmp_path):
    p = tmp_path / "image.png"
    p.write_bytes(b"\x89PNG")
    with pytest.raises(UnsupportedFormat):
        list(read_path(p))
    with pytest.raises(InvalidDocument):
        list(read_path(tmp_path / "missing.txt"))


def test_sidecar_overrides_metadata(tmp_path):
    src = tmp_path / "004_ba2065517841fb78.txt"
    shutil.copy(SEEDS / src.name, src)
    meta = {
        "source": "China.org.cn",
        "date": "28 March 2020",
        "subject": "covid",
        "kind": "transcript",
    }
    (tmp_path / "004_ba2065517841fb78.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (doc,) = read_file(src)
    assert doc.source == "China.org.cn" and doc.date == "2020-03-28" and doc.subject == ["covid"]
    (tmp_path / "004_ba2065517841fb78.meta.json").write_text('{"date": 5}', encoding="utf-8")
    with pytest.raises(InvalidDocument, match="date"):
        read_file(src)


def test_bad_file_reported_with_on_error(tmp_path):
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    shutil.copy(SEEDS / "002_3f000d26b66ae5f8.txt", tmp_path / "good.txt")
    errors = []
    docs = list(read_path(tmp_path, on_error=lambda p, e: errors.append((p.name, e.code))))
    assert [d.id for d in docs] == ["good"] and errors == [("bad.json", "invalid_document")]
    with pytest.raises(InvalidDocument, match=r"bad\.json"):
        list(read_path(tmp_path))


def test_crlf_bom_and_nbsp_are_normalised(tmp_path):
    p = tmp_path / "w.txt"
    p.write_bytes("\ufeffTitle line\r\n\r\nA\u00a0paragraph\u00a0 here.\r\n".encode())
    (doc,) = read_file(p)
    assert doc.text == "Title line\n\nA paragraph here."
    assert doc.title == "Title line"


def test_rereading_gives_identical_documents_and_chunks():
    for path in list(SEEDS.glob("*.txt")) + [p for p in FIXTURES.iterdir() if p.is_file()]:
        a, b = read_file(path), read_file(path)
        assert a == b
        assert [chunk_document(d) for d in a] == [chunk_document(d) for d in b]
