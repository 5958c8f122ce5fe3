"""Readers and metadata: authors apart from speakers, dates and titles in the shapes pages use,
HTML furniture by shape, furniture by repetition across a batch, and bad records failing alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from searchsvc.config import Settings
from searchsvc.engine.models import Document, SearchRequest
from searchsvc.engine.render.citation import cite
from searchsvc.engine.service import Engine
from searchsvc.engine.text.chunking import chunk_document
from searchsvc.engine.text.ingest import document_from_json, read_file, read_path
from searchsvc.engine.text.ingest.html import parse_html
from searchsvc.engine.text.ingest.metadata import (
    analyse,
    authors_from_byline,
    clean_title,
    date_from_address,
)
from searchsvc.engine.text.ingest.paragraphs import split_paragraphs
from searchsvc.engine.text.repeated import repeated_lines, without_repeated
from searchsvc.errors import InvalidDocument

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SRC = Path(__file__).resolve().parent.parent / "src"


def meta_of(text: str, address: str | None = None):
    return analyse(split_paragraphs(text), address)


# --- authors -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("byline", "people"),
    [
        ("By Ana Reporter and Ben Writer", ["Ana Reporter", "Ben Writer"]),
        ("Von Christian Hollmann, dpa", ["Christian Hollmann"]),
        ("Karl Melander/TT", ["Karl Melander"]),
        ("Jane Doe, Staff Writer", ["Jane Doe"]),
        ("By Ana Reporter, Health Correspondent", ["Ana Reporter"]),
        ("Maria de la Cruz & Tom O'Neill", ["Maria de la Cruz", "Tom O'Neill"]),
        ("NTB", ["NTB"]),  # an agency credit names no person: kept whole
    ],
)
def test_a_byline_is_one_author_per_person(byline: str, people: list[str]) -> None:
    assert authors_from_byline(byline) == people


def test_native_json_author_is_not_the_speaker() -> None:
    doc = document_from_json(
        {"id": "a", "title": "T", "body": "One.\n\nTwo.", "author": "Ana Reporter and Ben Writer"}
    )
    assert doc.author == ["Ana Reporter", "Ben Writer"] and doc.speaker is None
    assert {c.speaker for c in chunk_document(doc)} == {None}
    listed = document_from_json({"id": "b", "body": "x", "author": ["Ana Reporter", "Li Wei"]})
    assert listed.author == ["Ana Reporter", "Li Wei"]
    from_byline = document_from_json({"id": "c", "body": "x", "byline": "By Ana Reporter"})
    assert from_byline.author == ["Ana Reporter"]
    # a statement read by a spokesperson: ``speaker`` speaks the whole text, the author wrote it
    statement = document_from_json(
        {
            "id": "d",
            "title": "Statement on the ruling",
            "body": "We welcome the ruling.",
            "speaker": "Mara Lind",
            "author": "Press Office",
        }
    )
    (chunk,) = chunk_document(statement)
    assert chunk.speaker == "Mara Lind" and statement.author == ["Press Office"]
    with pytest.raises(InvalidDocument, match="author"):
        document_from_json({"id": "e", "body": "x", "author": [3]})


def test_a_by_line_at_the_top_is_the_author_not_a_chunk() -> None:
    m = meta_of(
        "Harbour wall repairs finished early\n\nBy Ines Varga and Ola Brenner\n\n"
        "The repairs at Port Selden were finished three weeks ahead of schedule, the council said."
    )
    assert m.author == ["Ines Varga", "Ola Brenner"] and 1 in m.meta
    combined = meta_of(
        "Ferry terminal to stay open\n\nBy Tomas Berg | Updated: 4th June 2024\n\n"
        "The ministry said on Tuesday that the Hollin terminal would stay open for another year."
    )
    assert (
        combined.author == ["Tomas Berg"] and combined.date == "2024-06-04" and 1 in combined.meta
    )
    prose = meta_of("A title\n\nBy the end of the year the council will have spent its budget.")
    assert prose.author == [] and 1 not in prose.meta  # "By the end of…" is prose, not a credit
    keyed = meta_of(
        "Title here\n\nBy Wang Zhigang Source: Qiushi Journal Updated: 2020-07-15\n\nText."
    )
    assert keyed.author == ["Wang Zhigang"] and keyed.source == "Qiushi Journal"
    assert keyed.date == "2020-07-15"


@pytest.mark.parametrize(
    ("speaker", "role", "author", "expected"),
    [
        ("Xu Nanping", "official", None, "Xu Nanping, T (Src, 2020-03-28), ¶7"),
        (None, None, ["Ana Reporter"], "Ana Reporter, T (Src, 2020-03-28), ¶7"),
        (None, None, ["A B", "C D", "E F"], "A B, C D and E F, T (Src, 2020-03-28), ¶7"),
        (
            "Jane Roe",
            "quoted",
            ["Ana Reporter"],
            "Jane Roe, quoted by Ana Reporter, T (Src, 2020-03-28), ¶7",
        ),
        ("Mara Lind", "official", ["Press Office"], "Mara Lind, T (Src, 2020-03-28), ¶7"),
        (None, None, None, "T (Src, 2020-03-28), ¶7"),
    ],
)
def test_citation_credits_the_speaker_or_the_writers(speaker, role, author, expected) -> None:
    doc = {"id": "d1", "title": "T", "source": "Src", "date": "2020-03-28", "author": author}
    citation = cite(doc, 7, speaker, role)
    assert citation.text == expected and citation.url == "/documents/d1#p7"


# --- dates and titles ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("3rd June 2024", "2024-06-03"),
        ("Thursday, 14 March 2026", "2026-03-14"),
        ("Updated: 14 March 2026 10:32 GMT", "2026-03-14"),
        ("Published: Monday, 3 June 2024", "2024-06-03"),
        ("Last updated on 21st of May 2023", "2023-05-21"),
        ("Posted: March 28, 2020 at 9:15 AM", "2020-03-28"),
    ],
)
def test_date_lines_in_more_shapes(line: str, date: str) -> None:
    m = meta_of(f"A title for the page\n\n{line}\n\nThe story itself starts here and goes on.")
    assert m.date == date and 1 in m.meta  # the date line is metadata, not a chunk


def test_dates_from_addresses_and_file_names(tmp_path: Path) -> None:
    assert date_from_address("https://news.example/2024/06/03/harbour.html") == "2024-06-03"
    assert date_from_address("2024-06-03-regular-briefing.txt") == "2024-06-03"
    assert date_from_address("briefing_20240603.txt") == "2024-06-03"
    assert date_from_address("000_a2191ec13ae00466") is None  # a hash is not a date
    assert date_from_address("item-20241399") is None  # nor an impossible one
    page = tmp_path / "2023-11-02-statement.txt"
    page.write_text("Statement on the harbour\n\nWe welcome the decision of the council.\n")
    assert read_file(page)[0].date == "2023-11-02"


@pytest.mark.parametrize(
    ("raw", "site", "title"),
    [
        (
            "Scientists share coronavirus data | Example News",
            None,
            "Scientists share coronavirus data",
        ),
        ("- Press briefing by the Spokesperson", None, "Press briefing by the Spokesperson"),
        ("Budget passes - Daily Example", "Daily Example", "Budget passes"),
        (
            "Biden - Putin summit ends without agreement",
            None,
            "Biden - Putin summit ends without agreement",
        ),
        (
            "Home | Ministry of Coastal Affairs | Regular briefing of 3 June",
            None,
            "Regular briefing of 3 June",
        ),
    ],
)
def test_titles_lose_site_furniture(raw: str, site: str | None, title: str) -> None:
    assert clean_title(raw, site) == title


def test_a_masthead_is_not_the_title() -> None:
    m = meta_of(
        "REPUBLIC OF ESTUARIA\n\nMINISTRY OF COASTAL AFFAIRS\n\n"
        "Press statement on the Hollin ferry terminal\n\n"
        "The ministry has received more than four thousand responses to the consultation."
    )
    assert m.title == "Press statement on the Hollin ferry terminal" and m.title_index == 2
    assert {0, 1} <= m.meta  # the masthead lines are not chunked
    caps_title = meta_of(
        "UNITED ESTUARIA PRESS SERVICE\n\nDAILY BRIEFING BY THE SPOKESPERSON\n\n"
        "Good afternoon. I have three announcements before I take your questions today, starting "
        "with the visit of the coastal commission, which arrives on Monday for two days of talks."
    )
    assert caps_title.title == "DAILY BRIEFING BY THE SPOKESPERSON"


# --- HTML ----------------------------------------------------------------------------------------
def test_html_furniture_goes_by_shape_and_labels_stay() -> None:
    (doc,) = read_file(FIXTURES / "ministry-briefing.html")
    chunks = chunk_document(doc)
    texts = [c.text for c in chunks]
    joined = "\n".join(texts)
    for furniture in (
        "The Ministry",  # menu
        "Regular briefing",  # breadcrumb tail
        "Related News",  # heading of a list of other articles
        "27 May 2024",  # the list itself
        "Facebook",  # share bar
        "Privacy",  # footer link row
        "All rights reserved",  # copyright
        "REPUBLIC OF ESTUARIA",  # masthead
    ):
        assert furniture not in joined, furniture
    assert "Home" not in texts
    # <title> is only the site's name: the h1 is the title; DC.date the date
    assert doc.title == "Regular Press Briefing by Spokesperson Mara Lind, 3rd June 2024"
    assert doc.date == "2024-06-03" and doc.source == "coastal.example.gov"
    # a bold opening name is kept as a plain "Name:" label for the chunker
    assert any(t.startswith("Mara Lind: Good afternoon.") for t in doc.text.split("\n\n"))
    assert "Mara Lind: No decision has been taken." in doc.text
    # bold questions are text, not captions
    questions = [c for c in chunks if "northern dunes?" in c.text or "Hollin?" in c.text]
    assert len(questions) == 2 and all(c.kind == "paragraph" for c in questions)
    assert not doc.captions


def test_html_metadata_from_the_head_and_json_ld() -> None:
    (doc,) = read_file(FIXTURES / "news-article.html")
    assert doc.title == "Tidal barrier opens after six years of works"  # og:title, cleaned
    assert doc.author == ["Ines Varga", "Ola Brenner"]  # JSON-LD; article:author is a URL
    assert doc.date == "2024-03-14" and doc.source == "Selden Post"
    joined = "\n".join(c.text for c in chunk_document(doc))
    for furniture in ("More stories", "Ferry strike", "Share", "All rights reserved", "By Ines"):
        assert furniture not in joined, furniture
    assert "Six years of work came down to forty minutes." in joined


def test_html_meta_tags_of_every_common_shape() -> None:
    body = "<p>The tide rose forty centimetres above the forecast during the night.</p>" * 3
    for head, date in (
        ('<meta name="DC.date" content="2022-05-01">', "2022-05-01"),
        ('<meta property="article:published_time" content="2022-05-02T08:00:00Z">', "2022-05-02"),
        ('<meta name="date" content="3 May 2022">', "2022-05-03"),
        ('<meta itemprop="datePublished" content="2022-05-04">', "2022-05-04"),
        ('<link rel="canonical" href="https://tide.example/2022/05/05/night-tide">', "2022-05-05"),
    ):
        raw = f"<html><head><title>Night tide</title>{head}</head><body>{body}</body></html>"
        assert parse_html(raw, "t").date == date, head
    raw = (
        '<html><head><title>Night tide</title><meta name="author" content="Ana Reporter">'
        f"</head><body>{body}</body></html>"
    )
    assert parse_html(raw, "t").author == ["Ana Reporter"]


def test_body_html_keeps_bold_labels_and_drops_link_lists() -> None:
    doc = document_from_json(
        {
            "id": "b1",
            "title": "Briefing",
            "body_html": "<p><b>MS. LIND</b> Good afternoon, everyone.</p>"
            "<p><b>Q</b> Thank you. Is the terminal closing?</p>"
            "<p><strong>WASHINGTON</strong> — The talks went on late.</p>"
            "<ul><li><a href='/a'>Another story</a></li><li><a href='/b'>And another</a></li></ul>",
        }
    )
    paras = doc.text.split("\n\n")
    assert paras[:2] == [
        "MS. LIND: Good afternoon, everyone.",
        "Q: Thank you. Is the terminal closing?",
    ]
    assert paras[2] == "WASHINGTON — The talks went on late."  # a dateline is not a label
    assert "Another story" not in doc.text


# --- furniture by repetition ---------------------------------------------------------------------
HARBOUR = sorted(FIXTURES.glob("harbour-gazette-*.txt"))


def test_lines_repeated_across_a_site_are_furniture() -> None:
    docs = [d for p in HARBOUR for d in read_file(p)]
    furniture = repeated_lines(docs)
    assert furniture == {
        "harbour gazette": frozenset(
            {
                "subscribe to the harbour gazette morning briefing",
                "follow the harbour gazette on social media for live updates",
                "harbour gazette is an independent newspaper serving the selden coast since 1921.",
            }
        )
    }
    cleaned = list(without_repeated(docs))
    for doc in cleaned:
        texts = [c.text for c in chunk_document(doc)]
        assert not any("Harbour Gazette" in t for t in texts), texts
        assert texts[0] == doc.title  # the story stays
    # only in two of the three: a story's own line, kept
    assert (
        sum(
            "Lifeboat crews were called out twice." in c.text
            for d in cleaned
            for c in chunk_document(d)
        )
        == 2
    )
    # pure and per batch: the same batch gives the same answer, a smaller batch keeps its lines
    again = [d for p in HARBOUR for d in read_file(p)]
    assert repeated_lines(again) == furniture
    assert repeated_lines(again[:2]) == {}


def test_repetition_needs_the_same_site() -> None:
    def page(n: int, source: str) -> Document:
        text = f"Story {n}\n\nFollow us for updates\n\nThe {n}th story about the harbour is here."
        return Document(id=f"p{n}", text=text, title=f"Story {n}", source=source)

    mixed = [page(1, "A Post"), page(2, "B Times"), page(3, "C Herald"), page(4, "A Post")]
    assert repeated_lines(mixed) == {}


def test_indexing_a_batch_drops_repeated_furniture(tmp_path: Path) -> None:
    engine = Engine(Settings.from_env({}, index_dir=tmp_path / "ix"))
    report = engine.index_paths(HARBOUR)
    assert report.documents == 3 and not report.skipped
    assert engine.search(SearchRequest(q="subscribe")).total == 0
    hits = engine.search(SearchRequest(q="shanty")).hits
    assert hits and {h.document["id"] for h in hits} == {"harbour-gazette-festival"}


# --- bad records ---------------------------------------------------------------------------------
def write_batch(tmp_path: Path) -> tuple[Path, Path]:
    tmp_path = tmp_path / "batch"
    tmp_path.mkdir()
    stories = [
        {"id": "good-1", "title": "Dredging vote", "body": "The council voted to dredge."},
        {"id": "no-body", "title": "Empty", "body": ""},
        {"id": "good-2", "title": "Ferry", "body": "The ferry runs earlier."},
        {
            "uri": "urn:example:bad-date",
            "headline": "H",
            "body_text": "x",
            "versioncreated": "soon",
        },
    ]
    listing = tmp_path / "stories.json"
    listing.write_text(json.dumps(stories), encoding="utf-8")
    lines = tmp_path / "feed.ndjson"
    lines.write_text(
        '{"id": "nd-1", "title": "One", "body": "First line story about tides."}\n'
        "{not json\n"
        "\n"
        '{"id": "nd-2", "title": 7, "body": "Bad title type."}\n'
        '{"id": "nd-3", "title": "Three", "body": "Third line story about tides."}\n',
        encoding="utf-8",
    )
    return listing, lines


def test_a_bad_record_fails_alone(tmp_path: Path) -> None:
    listing, lines = write_batch(tmp_path)
    with pytest.raises(InvalidDocument, match=r"record 2 \(id 'no-body'\)"):
        read_file(listing)  # without a callback nothing is lost silently
    bad: list[str] = []
    docs = read_file(listing, lambda record: bad.append(record.message))
    assert [d.id for d in docs] == ["good-1", "good-2"]
    assert bad[
        0
    ] == f"{listing}: record 2 (id 'no-body'): document 'no-body' has an empty body" or (
        bad[0].startswith(f"{listing}: record 2 (id 'no-body'): ") and "body" in bad[0]
    )
    assert bad[1].startswith(f"{listing}: record 4 (id 'urn:example:bad-date'): ")
    assert "versioncreated" in bad[1]
    errors: list[str] = []
    nd = list(read_path(lines, on_error=lambda p, e: errors.append(e.message)))
    assert [d.id for d in nd] == ["nd-1", "nd-3"]
    assert errors[0].startswith(f"{lines}: record 2: not valid JSON")
    assert errors[1].startswith(f"{lines}: record 4 (id 'nd-2'): ") and "title" in errors[1]


def test_index_reports_each_skipped_record(tmp_path: Path) -> None:
    listing, lines = write_batch(tmp_path)
    engine = Engine(Settings.from_env({}, index_dir=tmp_path / "ix"))
    report = engine.index_paths([listing.parent])
    assert report.documents == 4
    assert sorted(reason.split("): ")[0].split(": ")[0] for _, reason in report.skipped) == [
        "record 2",
        "record 2 (id 'no-body'",
        "record 4 (id 'nd-2'",
        "record 4 (id 'urn:example:bad-date'",
    ]
    assert {path for path, _ in report.skipped} == {str(listing), str(lines)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "searchsvc.cli",
            "index",
            str(listing.parent),
            "--quiet",
            "--index-dir",
            str(tmp_path / "ix2"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert f"skipped {listing}: record 2 (id 'no-body'):" in result.stderr
    assert "indexed 4 documents" in result.stdout and "4 skipped" in result.stdout
