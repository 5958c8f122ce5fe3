"""Speaker turns in many layouts, on small texts of our own: one test per label shape or mechanism.

The real transcripts are checked paragraph by paragraph in ``test_transcripts.py``; these pin each
mechanism down on its own so that a change to one shape shows where it broke.
"""

from __future__ import annotations

import pytest

from searchsvc.engine.models import Chunk, Document
from searchsvc.engine.text.chunking import chunk_document
from searchsvc.engine.text.identity import resolve_speakers
from searchsvc.engine.text.ingest.paragraphs import join_paragraphs, split_paragraphs
from searchsvc.engine.text.labels import LabelSet, read_label
from searchsvc.engine.text.speakers import (
    QuoteTracker,
    is_procedure,
    merge_short_forms,
    opener_from_title,
)


def chunks_of(text: str, title: str = "", **kw) -> list[Chunk]:
    """Chunks of a plain text as the text reader builds it (paragraphs first, then chunks)."""
    body = join_paragraphs([p.text for p in split_paragraphs(text)])
    return chunk_document(Document(id="t", text=body, title=title, **kw))


def who(chunks: list[Chunk], start: str) -> tuple[str | None, str | None]:
    c = next(c for c in chunks if c.text.startswith(start))
    return c.speaker, c.role


# --- label shapes ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("paragraph", "raw", "shape"),
    [
        ("THE COURT: Be seated.", "THE COURT", "upper"),
        ("CHAIR JONES. Will the witness answer?", "CHAIR JONES", "period"),
        ("Mr. Brown. Thank you.", "Mr. Brown", "period"),
        ("Chairman Smith. The committee will come to order.", "Chairman Smith", "period"),
        ("Mr. Lee of Ohio. I yield back.", "Mr. Lee of Ohio", "period"),
        ("Wang Wei: We have noted the reports.", "Wang Wei", "name"),
        ("Hon. Speaker: Order.", "Hon. Speaker", "titled"),
        (
            "Hon. Jane Doe (Ward, Party): My question is simple.",
            "Hon. Jane Doe (Ward, Party)",
            "member",
        ),
        ("Mr David Hanson (Delyn) (Lab): Will he act?", "Mr David Hanson (Delyn) (Lab)", "member"),
        (
            "The Cabinet Secretary for Water (Mr John Doe): We will.",
            "The Cabinet Secretary for Water (Mr John Doe)",
            "office",
        ),
        ("CC: Roger.", "CC", "code"),
        ("AB Right, we are recording.", "AB", "code"),
        ("[00:12:28] Ana Ruiz: Welcome back.", "Ana Ruiz", "name"),
        ("00:02:31 AB So where were we?", "AB", "code"),
        ("(10.00 am) LADY CHAIR: Good morning.", "LADY CHAIR", "upper"),
        ("**Ana Ruiz:** Hello.", "Ana Ruiz", "name"),
        ("**Ana Ruiz**: Hello.", "Ana Ruiz", "name"),
        ("Lead 2A: Turn to page four.", "Lead 2A", "name"),
        ("3. Paul Jones (Newtown) (Lab): What progress?", "Paul Jones (Newtown) (Lab)", "member"),
        ("Question: Any comment?", "Q", "q"),
        ("AUDIO DESCRIPTION: The jury enters.", "AUDIO DESCRIPTION", "pseudo"),
    ],
)
def test_label_shapes(paragraph, raw, shape):
    lab = read_label(paragraph)
    assert lab is not None and (lab.raw if lab.shape != "q" else "Q", lab.shape) == (raw, shape)


def test_bold_labels_are_strong_on_their_own():
    assert read_label("**Ana Ruiz:** Hello.").strong
    assert not read_label("Ana Ruiz: Hello.").strong


@pytest.mark.parametrize(
    "paragraph",
    [
        "Note: figures are provisional.",
        "Answer: yes, in most cases.",
        "The bottom line is this: we wait.",
        "ORAL ARGUMENT OF JANE Q. DOE, ESQ.",
        "DEPARTMENT OF WATER AND :",
        "I think so. Mr. Brown. He agreed.",
    ],
)
def test_prose_is_no_label(paragraph):
    lab = read_label(paragraph)
    assert lab is None or lab.shape in ("name", "code")
    assert LabelSet([lab]).accept(lab) is None


def test_two_passes_recurrence_accepts_what_a_single_line_does_not():
    one_off = [read_label("Key Findings: the river rose."), read_label("It rained all week.")]
    assert not LabelSet(one_off)
    recurring = [read_label(p) for p in ("Ana Ruiz: Hi.", "Ben Osei: Hello.", "Ana Ruiz: So.")]
    labels = LabelSet(recurring)
    assert labels.accept(recurring[0]) is not None and labels.accept(recurring[2]) is not None
    # "Ben Osei" speaks once, but among mixed-case labels the style is the document's
    assert labels.accept(recurring[1]) is None or "ben osei" in labels.accepted


def test_period_labels_need_company():
    text = "\n\n".join(
        [
            "Chairman Smith. The committee will come to order.",
            "Ms. Brown. Thank you, Madam Chairman.",
            "Chairman Smith. Ms. Brown, you are recognized for five minutes.",
            "Ms. Brown. Eleven days.",
        ]
    )
    cs = chunks_of(text)
    assert who(cs, "The committee will come") == ("Chairman Smith", "moderator")
    assert who(cs, "Eleven days")[0] == "Brown"
    assert who(cs, "Ms. Brown, you are")[0] == "Chairman Smith"
    lone = chunks_of("Mr. Brown. He said he would come.\n\nThen he left.")
    assert all(c.speaker is None for c in lone)


# --- paragraphs of printed pages -------------------------------------------------------------------
def _page(n: int, lines: list[str], head: str = "Draft - Subject to Correction") -> str:
    body = "\n\n".join(f"{i:2d}   {line}" for i, line in enumerate(lines, 1))
    return f"\f           {head}\n\n\n{body}\n\n                    {n}\n\n          River Reporting Ltd\n"


def test_printed_pages_lose_their_furniture_and_rejoin_sentences():
    p1 = _page(
        1,
        [
            "             JUDGE OKAFOR:      We are here on the",
            "matter of the river permit.     Counsel?",
            "             MS. ADEYEMI:     Thank you, Your Honor. The",
            "permit was granted without the hearing that the",
        ],
    )
    p2 = _page(
        2,
        [
            "statute requires.",
            "             The second point is simpler.",
            "             JUDGE OKAFOR:      Go on.",
        ],
    )
    cs = chunks_of(p1 + p2 + _page(3, ["             MS. ADEYEMI:     Gladly."]))
    texts = [c.text for c in cs]
    assert (
        "Thank you, Your Honor. The permit was granted without the hearing that the statute requires."
        in texts
    )
    assert "The second point is simpler." in texts
    assert not any("River Reporting" in t or "Subject to Correction" in t for t in texts)
    assert who(cs, "The second point")[0] == "Adeyemi"
    assert who(cs, "We are here")[0] == "Judge Okafor"


def test_raw_pdf_text_without_blank_lines():
    numbers = "\n".join(str(i) for i in range(1, 26))
    page = (
        f"{numbers}\nRunning Head Line\nMS. ADEYEMI: The permit was granted\n"
        "without a hearing.\nThat is the whole case.\nJUDGE OKAFOR: Why was no\n"
        "hearing held?\n7\nRiver Reporting Ltd\n"
    )
    page2 = (
        f"{numbers}\nRunning Head Line\nMS. ADEYEMI: Because the clerk\nforgot.\n"
        "8\nRiver Reporting Ltd\n"
    )
    cs = chunks_of(page + "\f" + page2)
    texts = [c.text for c in cs]
    assert "The permit was granted without a hearing." in texts
    assert "That is the whole case." in texts
    assert who(cs, "Why was no hearing held?")[0] == "Judge Okafor"
    assert not any("Running Head" in t or "River Reporting" in t for t in texts)
    assert not any(t.strip().isdigit() for t in texts)


def test_page_of_markers_and_running_headers_in_press_conference_text():
    head = "May 2, 2026 Governor Ito's Press Conference FINAL"
    text = (
        f"{head}\nGOVERNOR ITO. Good afternoon. Rates stay where they are, and we will\n"
        "watch the data closely before we move\nPage 2 of 9\n"
        f"{head}\nagain.\nTARO MORI. Taro Mori, Bay Wire. When will you move?\n"
        f"GOVERNOR ITO. When the data say so.\nPage 3 of 9\n{head}\n"
    )
    cs = chunks_of(text)
    assert any(c.text.endswith("before we move again.") for c in cs)
    assert not any("Page 2 of 9" in c.text or "FINAL" in c.text for c in cs)
    assert who(cs, "Taro Mori, Bay Wire")[1] == "questioner"


def test_indented_paragraphs_without_blank_lines():
    text = (
        "    Chairman Smith. The subcommittee will come to order. We meet\n"
        "today on the floods.\n"
        "    I now recognize Ms. Brown for five minutes.\n"
        "    Ms. Brown. Thank you. The levee failed at night, and we\n"
        "lost the plant.\n"
        "    Chairman Smith. Thank you. The subcommittee stands adjourned.\n" * 1
    ) * 2
    cs = chunks_of(text)
    assert "I now recognize Ms. Brown for five minutes." in [c.text for c in cs]
    assert who(cs, "I now recognize")[0] == "Chairman Smith"
    assert who(cs, "Thank you. The levee")[0] == "Brown"


def test_caption_track_turns_at_speaker_marks():
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n>> good morning, we begin\n\n"
        "00:00:03.000 --> 00:00:05.000\nwith the roll call.\n>> present.\n"
    )
    doc = Document(id="v", text=join_paragraphs([p.text for p in split_paragraphs(vtt)]))
    cs = chunk_document(doc)
    assert [c.text for c in cs] == ["good morning, we begin with the roll call.", "present."]
    assert {c.speaker for c in cs} == {None} and doc.kind == "transcript"


# --- procedure ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "(Laughter.)",
        "[inaudible]",
        "Interjections.",
        "Applause.",
        "*(sworn)*",
        "Opposition members interjecting—",
        "*MS JANE DOE (affirmed).*",
        "(10.00 am)",
        "1120",
        "[00:00:56:11]",
    ],
)
def test_procedure_lines(line):
    assert is_procedure(line)


def test_stage_directions_neither_take_nor_break_a_turn():
    text = "\n\n".join(
        [
            "Ana Ruiz: We opened the dam at noon.",
            "(Laughter.)",
            "And nobody noticed for an hour.",
            "Ben Osei: Really?",
            "Ana Ruiz: Really.",
        ]
    )
    cs = chunks_of(text)
    assert "(Laughter.)" not in [c.text for c in cs]
    assert who(cs, "And nobody noticed")[0] == "Ana Ruiz"


# --- names, openers, roles ---------------------------------------------------------------------------
def test_office_label_then_short_form_is_one_person():
    text = "\n\n".join(
        [
            "Ms Ana Ruiz (Northtown) (Green): Will the Secretary fund the pumps?",
            "The Cabinet Secretary for Water (Mr John Doe): We will fund them this year.",
            "Ms Ruiz: When exactly?",
            "Mr Doe: By the autumn.",
        ]
    )
    cs = chunks_of(text)
    assert who(cs, "By the autumn") == ("John Doe", "official")
    assert who(cs, "We will fund") == ("John Doe", "official")
    assert who(cs, "When exactly")[0] == "Ana Ruiz"
    assert who(cs, "When exactly")[1] == "questioner"


def test_initials_take_the_names_the_text_gives():
    text = "\n\n".join(
        [
            "AB Right, we are recording. My name is Alan Brook, and I am here with",
            "Dr Cara Dale-Ennis today.",
            "CDE Thank you for having me.",
            "AB When did you start?",
            "CDE In 1988, at the works.",
        ]
    )
    cs = chunks_of(text)
    assert who(cs, "In 1988")[0] == "Cara Dale-Ennis"
    assert who(cs, "When did you start")[0] == "Alan Brook"


def test_unlabelled_opening_statement_belongs_to_the_named_briefer():
    assert opener_from_title("Noon briefing by the Spokesperson, Jane Doe") == "Jane Doe"
    assert opener_from_title("Minister Li Na's Regular Press Conference") == "Li Na"
    text = "\n\n".join(
        [
            "Highlights of the noon briefing by the Spokesperson, Jane Doe.",
            "Good afternoon. The floods have displaced thousands.",
            "Question: Is there an appeal coming?",
            "Spokesperson: Next week, we expect.",
        ]
    )
    cs = chunks_of(text)
    assert who(cs, "Good afternoon") == ("Jane Doe", "official")
    assert who(cs, "Next week")[0] == "Jane Doe"
    assert who(cs, "Highlights of")[0] is None


def test_roles_from_behaviour():
    text = "\n\n".join(
        [
            "CHAIR OKAFOR: The hearing will come to order. I recognise Ms. Adeyemi.",
            "MS. ADEYEMI: " + "The permit was granted without a hearing. " * 20,
            "CHAIR OKAFOR: Thank you. Mr. Bello?",
            "MR. BELLO: Why was there no hearing? Who decided?",
            "MS. ADEYEMI: " + "The clerk decided, and the board agreed. " * 20,
            "MR. BELLO: And was the board told of the risk?",
            "MS. ADEYEMI: It was told in writing.",
            "CHAIR OKAFOR: Next speaker, please.",
        ]
    )
    roles = {c.speaker: c.role for c in chunks_of(text)}
    assert roles["Chair Okafor"] == "moderator"
    assert roles["Bello"] == "questioner"
    assert roles["Adeyemi"] == "official"


def test_answers_without_labels_after_bare_questions():
    text = "\n\n".join(
        [
            "Spokesperson Li Na: Good afternoon.",
            "Q: What do you expect from the talks?",
            "We hope for progress on the river crossing.",
            "Bay Morning Post: Has the ministry contacted the owners?",
            "The authorities are in contact with them.",
        ]
    )
    cs = chunks_of(text)
    assert who(cs, "We hope for progress") == ("Li Na", "official")
    assert who(cs, "Has the ministry")[1] == "questioner"
    assert who(cs, "The authorities are")[0] == "Li Na"


def test_turns_are_a_transcript():
    doc = Document(
        id="k", text="Ana Ruiz: Hello.\n\nBen Osei: Hi.\n\nAna Ruiz: Bye.", kind="article"
    )
    chunk_document(doc)
    assert doc.kind == "transcript"


# --- identity across documents -------------------------------------------------------------------------
def test_merge_short_forms():
    assert merge_short_forms(["Jha", "Ashish Jha", "Q"]) == {"Jha": "Ashish Jha"}
    assert merge_short_forms(["Secretary Vale", "Rosa Vale"]) == {"Secretary Vale": "Rosa Vale"}
    assert merge_short_forms(["Biden", "Joe Biden", "Jill Biden"]) == {}
    assert merge_short_forms(["President Biden", "Joe Biden"]) == {}
    assert merge_short_forms(["Moderator", "Senior Moderator"]) == {}


def test_resolve_speakers_by_event_then_batch():
    def doc(i: str, event: str | None, speakers: list[str]) -> tuple[Document, list[Chunk]]:
        d = Document(id=i, text="x", event=event)
        return d, [Chunk(i, k + 1, 0, 1, "x", speaker=s) for k, s in enumerate(speakers)]

    a = doc("a", "Flood briefing", ["Rosa Vale", "Q"])
    b = doc("b", "Flood briefing", ["Vale"])
    c = doc("c", None, ["Otieno"])
    known = resolve_speakers([a, b, c], known={"Grace Otieno"})
    assert [ch.speaker for ch in b[1]] == ["Rosa Vale"]
    assert [ch.speaker for ch in c[1]] == ["Grace Otieno"]
    assert {"Rosa Vale", "Grace Otieno"} <= known


# --- quotes in prose -------------------------------------------------------------------------------------
def test_quotes_in_prose():
    paras = [
        "Grace Otieno, the minister of water, said the dam would hold.",
        '"We have checked every gate," Otieno, the minister of water, said.',
        '"It will hold," she said.',
        "According to Paul Mensah, the repairs cost twice the estimate.",
        "Mensah said his office would publish the figures.",
        '"The first gate failed in March. The second in April.',
        '"Nobody told the town," said Ama Boateng.',
    ]
    q = QuoteTracker(" ".join(paras))
    got = [q.speaker_of(p) for p in paras]
    assert got[1] == "Grace Otieno" or got[1] == "Otieno"
    assert got[2] in ("Grace Otieno", "Otieno")
    assert got[3] == "Paul Mensah"
    assert got[4] == "Paul Mensah"
    assert got[6] == "Ama Boateng"


def test_a_byline_is_never_the_speaker():
    doc = Document(
        id="n",
        text='Ana Reporter\n\n"The dam is safe," said Dr. Jane Roe.\n\nThe council met at noon.',
        byline="Ana Reporter",
    )
    cs = chunk_document(doc)
    assert who(cs, '"The dam is safe,"') == ("Jane Roe", "quoted")
    assert all(c.speaker != "Ana Reporter" for c in cs)
