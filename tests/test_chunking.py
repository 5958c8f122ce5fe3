"""Chunking: paragraphs, headings, captions, speaker turns, roles, long-paragraph splits, offsets."""

from __future__ import annotations

import os
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.engine.models import Document
from searchsvc.engine.text.chunking import MAX_CHUNK_CHARS, chunk_document
from searchsvc.engine.text.ingest import read_file, read_path
from searchsvc.engine.text.speakers import NameResolver, find_label, role_for, speaker_from_title

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = Path(
    os.environ.get("SEARCHSVC_CORPUS", ROOT.parent / "shared" / "corpora" / "wh-briefings")
)


@pytest.fixture(scope="module")
def chunks() -> dict[str, list]:
    return {d.id: chunk_document(d) for d in read_path(SEEDS)}


def by_start(chunks, prefix):
    return next(c for c in chunks if c.text.startswith(prefix))


# --- seed transcripts ---------------------------------------------------------------------------
def test_seed_000_turns(chunks):
    c0 = chunks["000_a2191ec13ae00466"]
    q = by_start(c0, "Since the outbreak of the epidemic")
    assert (q.speaker, q.role) == ("Economic Daily", "questioner")
    xu = [c for c in c0 if c.speaker == "Xu Nanping"]
    assert len(xu) >= 6 and {c.role for c in xu} == {"official"}
    # inherited across his paragraphs: "First, …", "Second, …", "Fourth, …" carry no label
    for start in ("Thank you for your question", "First, sharing", "Second, we", "Fourth, carry"):
        assert by_start(c0, start).speaker == "Xu Nanping"
    assert by_start(c0, "I would like to add a little more").speaker == "Hu Kaihong"
    # label lines are not chunks
    assert not any(c.text in ("Xu Nanping:", "Economic Daily:", "Hu Kaihong:") for c in c0)


def test_seed_000_title_is_the_first_chunk_a_heading(chunks):
    first = chunks["000_a2191ec13ae00466"][0]
    assert first.paragraph == 1 and first.kind == "heading"
    assert first.text.startswith("SCIO briefing on") and first.speaker is None


def test_seed_004_opens_with_an_unlabelled_question(chunks):
    c4 = chunks["004_ba2065517841fb78"]
    q = by_start(c4, "Prior to the press conference")
    assert q.role == "questioner" and q.text.endswith("?")
    intro = by_start(c4, "The State Council Information Office (SCIO) held")
    assert intro.role is None
    luo = [c for c in c4 if c.speaker == "Luo Zhaohui"]
    assert len(luo) == 5 and {c.role for c in luo} == {"official"}
    assert by_start(c4, "I think China's experience").speaker == "Zeng Yixin"


def test_prose_with_colons_is_not_a_turn(chunks):
    c1 = chunks["001_b36268539de8a0c9"]
    assert all(c.speaker is None for c in c1)
    minister = by_start(c1, "Science and Technology Minister Wang Zhigang:")
    assert minister.kind == "paragraph"
    assert by_start(c1, "Photo 1: Chinese staff").kind == "caption"


def test_quotes_in_prose(chunks):
    c2 = chunks["002_3f000d26b66ae5f8"]
    quoted = [c for c in c2 if c.role == "quoted"]
    assert quoted and {c.speaker for c in quoted} == {"Xu Nanping"}
    assert by_start(c2, '"During its epidemic prevention').speaker == "Xu Nanping"
    assert by_start(c2, "Xu also pointed out").speaker == "Xu Nanping"
    assert by_start(c2, "China has not only effectively").speaker is None


def test_headings_set_sections(chunks):
    c1 = chunks["001_b36268539de8a0c9"]
    h = by_start(c1, "I. Deepening international S&T cooperation")
    assert h.kind == "heading"
    after = by_start(c1, "The global pandemic of COVID-19 stresses")
    assert after.section == h.text
    c2 = chunks["002_3f000d26b66ae5f8"]
    assert by_start(c2, "Sharing research data").kind == "heading"
    assert by_start(c2, "Since the beginning of the COVID-19").section == "Sharing research data"
    assert by_start(c2, "As of March 22").section == "Providing assistance worldwide"
    c3 = chunks["003_bfa47af47abbb6ae"]
    assert by_start(c3, "II. Advancing international").kind == "heading"


def test_paragraph_numbers_are_1_to_n(chunks):
    for cs in chunks.values():
        assert [c.paragraph for c in cs] == list(range(1, len(cs) + 1))
        assert len({c.id for c in cs}) == len(cs)
        assert all(a.end <= b.start for a, b in pairwise(cs))


def test_long_paragraphs_split_at_sentences(chunks):
    c0 = chunks["000_a2191ec13ae00466"]
    assert all(len(c.text) <= MAX_CHUNK_CHARS for cs in chunks.values() for c in cs)
    # seed 000's longest paragraph (1,845 characters) becomes two numbered chunks, same speaker
    second = by_start(c0, "Second, we have established academic sharing")
    nxt = c0[second.paragraph]  # the next chunk
    assert nxt.speaker == "Xu Nanping"
    assert second.text.endswith((".", "?", "!", '"', "”"))
    doc = read_file(SEEDS / "000_a2191ec13ae00466.txt")[0]
    assert doc.text[second.start : nxt.end].startswith(second.text)


def test_long_paragraph_pieces():
    sentence = "This sentence is about the pandemic response and nothing else at all. "
    body = "MS. PSAKI: " + sentence * 80 + "Dr. Fauci agrees with Mr. Zients on Jan. 5 plans."
    doc = Document(id="long", text=body, kind="briefing")
    cs = chunk_document(doc)
    assert len(cs) >= 3
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in cs)
    assert all(c.speaker == "Psaki" and c.role == "official" for c in cs)
    assert all(c.text.endswith(".") for c in cs)
    assert "".join(c.text for c in cs).replace(" ", "") == body[len("MS. PSAKI: ") :].replace(
        " ", ""
    )
    # no sentence boundary at all: cut at whitespace, still sliceable
    words = Document(id="w", text="word " * 1000)
    assert all(words.text[c.start : c.end] == c.text for c in chunk_document(words))
    cjk = Document(id="c", text="中文句子。" * 600)
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in chunk_document(cjk))


# --- wh-briefings style ---------------------------------------------------------------------------
def test_briefing_fixture_turns():
    (doc,) = read_file(FIXTURES / "2021-03-03-press-briefing-by-press-secretary-jen-psaki.md")
    cs = chunk_document(doc)
    assert [(c.speaker, c.role) for c in cs[:3]] == [
        ("Jen Psaki", "official"),
        ("Jen Psaki", "official"),
        ("Q", "questioner"),
    ]
    # the label is not part of the chunk; hard-wrapped lines are joined
    assert cs[0].text.startswith("Good afternoon, everyone. I have a couple of items")
    assert cs[0].text.endswith("the vaccine supply and the relief package.")
    assert cs[2].text == (
        "Thank you, Jen. On the relief package: does the President support the changes "
        "proposed by moderate senators this week?"
    )
    speakers = Counter((c.speaker, c.role) for c in cs)
    assert speakers == {("Jen Psaki", "official"): 6, ("Q", "questioner"): 3}
    assert not any("MS. PSAKI" in c.text or c.text.startswith("Q ") for c in cs)


def test_remarks_fixture_roles():
    (doc,) = read_file(FIXTURES / "2021-04-02-remarks-by-president-biden-on-the-jobs-report.md")
    cs = chunk_document(doc)
    assert [(c.speaker, c.role) for c in cs] == [
        ("President Biden", "official"),
        ("President Biden", "official"),
        ("Moderator", "moderator"),
        ("Q", "questioner"),
        ("President Biden", "official"),
    ]


def test_psaki_without_full_name_is_her_surname():
    doc = Document(
        id="x",
        title="Press Briefing, May 1",
        text="MS. PSAKI: Hello.\n\nQ Thank you.\n\nMR. KIRBY: Yes.",
        kind="briefing",
    )
    assert [c.speaker for c in chunk_document(doc)] == ["Psaki", "Q", "Kirby"]


@pytest.mark.parametrize(
    ("paragraph", "label", "own_line"),
    [
        ("MS. PSAKI: Good afternoon.", "MS. PSAKI", False),
        ("MS.  JEAN-PIERRE: Hi.", "MS. JEAN-PIERRE", False),
        ("SENIOR ADMINISTRATION OFFICIAL: Thanks.", "SENIOR ADMINISTRATION OFFICIAL", False),
        ("THE PRESIDENT: Thank you.", "THE PRESIDENT", False),
        ("PRESIDENT LÓPEZ OBRADOR: (As interpreted.)", "PRESIDENT LÓPEZ OBRADOR", False),
        ("MODERATOR:", "MODERATOR", True),
        ("Q Thank you, Jen.", "Q", False),
        ("Q: And on Iran?", "Q", False),
        ("Q", "Q", True),
        ("Q — and one more.", "Q", False),
        ("Xu Nanping:", "Xu Nanping", True),
        ("Economic Daily:", "Economic Daily", True),
        ("Xinhua News Agency:", "Xinhua News Agency", True),
    ],
)
def test_labels(paragraph, label, own_line):
    found = find_label(paragraph)
    assert found is not None and (found.raw, found.own_line) == (label, own_line)


@pytest.mark.parametrize(
    "paragraph",
    [
        "Photo 1: Chinese staff demonstrating the experimental process.",
        "Note: figures are provisional.",
        "NOTE: figures are provisional.",
        "Working together against COVID-19: China in Action",
        "Science and Technology Minister Wang Zhigang: boosting results-oriented cooperation.",
        "I think China's experience can be summarized from several aspects:",
        "Let me be clear:",
        "END 2:15 P.M. EST",
        "Q fever is a bacterial infection.",
        "Key points:",
        "The bottom line is this:",
    ],
)
def test_not_labels(paragraph):
    assert find_label(paragraph) is None


@pytest.mark.parametrize(
    ("raw", "role"),
    [
        ("Q", "questioner"),
        ("Economic Daily", "questioner"),
        ("CGTN", "questioner"),
        ("China Daily", "questioner"),
        ("Xinhua News Agency", "questioner"),
        ("Phoenix TV", "questioner"),
        ("Reuters", "questioner"),
        ("AUDIENCE MEMBER", "questioner"),
        ("MODERATOR", "moderator"),
        ("OPERATOR", "moderator"),
        ("Xu Nanping", "official"),
        ("MS. PSAKI", "official"),
        ("MR. POST", "official"),
        ("SECRETARY BLINKEN", "official"),
    ],
)
def test_roles(raw, role):
    assert role_for(raw, raw) == role


def test_display_names():
    r = NameResolver(
        "Press Briefing by Press Secretary Jen Psaki and Dr. Anthony Fauci",
        "Joining us is NSC spokesman John Kirby. Vice President Harris spoke. "
        "President Biden said so. Secretary Blinken agreed.",
    )
    assert r.display("MS. PSAKI") == "Jen Psaki"
    assert r.display("DR. FAUCI") == "Anthony Fauci"
    assert r.display("MR. KIRBY") == "John Kirby"
    assert r.display("MS. JEAN-PIERRE") == "Jean-Pierre"
    assert r.display("THE PRESIDENT") == "President Biden"
    assert r.display("THE VICE PRESIDENT") == "Vice President Harris"
    assert r.display("SECRETARY BLINKEN") == "Secretary Blinken"
    assert r.display("SENIOR ADMINISTRATION OFFICIAL") == "Senior Administration Official"
    assert r.display("Q") == "Q"
    assert NameResolver("", "").display("THE PRESIDENT") == "The President"


@pytest.mark.parametrize(
    ("title", "speaker"),
    [
        (
            "Remarks as Prepared for Delivery by First Lady Jill Biden at the HLTH Conference",
            "First Lady Biden",
        ),
        ("Remarks by NEC Director Lael Brainard on the Economy", "Lael Brainard"),
        ("Remarks of President Joe Biden – State of the Union Address", "President Biden"),
        ("Remarks by Vice President Harris in a Town Hall", "Vice President Harris"),
        ("Remarks by APNSA Jake Sullivan at the Brookings Institution", "Jake Sullivan"),
        ("Press Briefing by Press Secretary Jen Psaki", None),
    ],
)
def test_speaker_from_title(title, speaker):
    assert speaker_from_title(title) == speaker


def test_speech_without_labels_gets_the_title_speaker(tmp_path):
    p = tmp_path / "speech.md"
    p.write_text(
        "---\ntags: speeches-remarks\ndate: '2024-10-23'\n"
        "title: Remarks as Prepared for Delivery by First Lady Jill Biden at a School\n---\n\n"
        "Thank you all for being here. We read\n**every** [letter](https://example.com/x) you\n"
        'sent.\n\n<img src="a.png"\nwidth="750" />\n\nTeachers change lives.\n',
        encoding="utf-8",
    )
    (doc,) = read_file(p)
    cs = chunk_document(doc)
    assert [c.text for c in cs] == [
        "Thank you all for being here. We read every letter you sent.",
        "Teachers change lives.",
    ]
    assert {(c.speaker, c.role) for c in cs} == {("First Lady Biden", "official")}


def test_moderator_by_behaviour():
    text = "\n\n".join(
        [
            "Hu Kaihong:",
            "Ladies and gentlemen, good afternoon. Welcome to the press conference. "
            "We have invited Mr. Xu Nanping. Now the floor is open for questions.",
            "CGTN:",
            "What has China done?",
            "Xu Nanping:",
            "Thank you for your question. " * 30,
            "Hu Kaihong:",
            "Next question, please.",
            "China Daily:",
            "How will data be shared?",
            "Xu Nanping:",
            "We share it openly.",
            "Hu Kaihong:",
            "This concludes today's press conference. Thank you.",
        ]
    )
    cs = chunk_document(Document(id="m", text=text))
    roles = {c.speaker: c.role for c in cs}
    assert roles == {
        "Hu Kaihong": "moderator",
        "CGTN": "questioner",
        "Xu Nanping": "official",
        "China Daily": "questioner",
    }


def test_default_speaker_and_single_colon_line():
    doc = Document(id="d", text="Key Findings:\n\nThe economy grew.", speaker="Jen Psaki")
    cs = chunk_document(doc)
    assert [(c.text, c.speaker, c.role) for c in cs] == [
        ("Key Findings:", "Jen Psaki", "official"),
        ("The economy grew.", "Jen Psaki", "official"),
    ]


# --- invariants -----------------------------------------------------------------------------------
def test_offsets_slice_exactly_on_every_input():
    for doc in list(read_path(SEEDS)) + list(read_path(FIXTURES)):
        for c in chunk_document(doc):
            assert doc.text[c.start : c.end] == c.text and c.text.strip() == c.text and c.text


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(),
    title=st.text(max_size=20),
    captions=st.sets(st.integers(0, 5), max_size=3),
    meta=st.sets(st.integers(0, 5), max_size=3),
    kind=st.sampled_from([None, "transcript", "article"]),
)
def test_offsets_property(text, title, captions, meta, kind):
    doc = Document(id="p", text=text, title=title, captions=captions, kind=kind)
    doc.metadata_paragraphs = meta
    cs = chunk_document(doc)
    assert [c.paragraph for c in cs] == list(range(1, len(cs) + 1))
    for c in cs:
        assert text[c.start : c.end] == c.text
        assert c.text and c.text == c.text.strip()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "MS. PSAKI: Hi there.",
                "Q Why?",
                "Xu Nanping:",
                "CGTN:",
                "Sharing data",
                "Q",
                "A long sentence. " * 120,
                "Photo 1: a caption.",
                "“Yes,” said Jen Psaki.",
                " ",
                "",
            ]
        ),
        max_size=25,
    )
)
def test_offsets_property_on_transcript_shapes(parts):
    text = "\n\n".join(parts)
    doc = Document(id="t", text=text, kind="transcript")
    for c in chunk_document(doc):
        assert text[c.start : c.end] == c.text


# --- the real corpus ------------------------------------------------------------------------------
NAME_LIKE = re.compile(r"^(?:Q|[A-ZÀ-Þ][\w’'.\-]*(?: (?:[A-ZÀ-Þ][\w’'.\-]*|of|de|the))*)$")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="wh-briefings corpus not available")
def test_wh_briefings_speaker_stats():
    files = sorted(CORPUS.rglob("*.md"))
    files = [f for f in files if f.name != "README.md"][::17][:220]
    assert len(files) >= 150
    speakers: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    n = 0
    for f in files:
        for doc in read_file(f):
            assert doc.date and doc.title and doc.kind in ("briefing", "remarks")
            for c in chunk_document(doc):
                n += 1
                assert doc.text[c.start : c.end] == c.text
                assert "\n" not in c.text
                speakers[c.speaker] += 1
                roles[c.role] += 1
    top = [s for s, _ in speakers.most_common(30) if s is not None]
    # the most frequent speakers are real names, not prose fragments
    for s in top:
        assert NAME_LIKE.match(s) and len(s.split()) <= 4, s
    assert "Q" in top[:3]
    assert any("Psaki" in s or "Jean-Pierre" in s for s in top[:6])
    assert roles["questioner"] > n * 0.1 and roles["official"] > n * 0.5
    assert speakers[None] < n * 0.05
