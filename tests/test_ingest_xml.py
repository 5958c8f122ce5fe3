"""The XML reader: declared turns, any other XML as paragraphs, and hostile XML refused quickly.

The structured shapes (Hansard talkers, Akoma Ntoso, TEI utterances) are checked paragraph by
paragraph in ``test_transcripts.py``; here are the rules around them.
"""

from __future__ import annotations

import pytest

from searchsvc.engine.text.chunking import chunk_document
from searchsvc.engine.text.ingest import iter_files, read_file, read_path
from searchsvc.engine.text.ingest.xmlfmt import MAX_DEPTH, parse_xml_document
from searchsvc.errors import InvalidDocument

ARTICLE = """<?xml version="1.0" encoding="UTF-8"?>
<story id="4711">
  <headline>Ferry timetable changes from Monday</headline>
  <published>2026-04-20</published>
  <byline>By Ana Reporter</byline>
  <body>
    <p>The morning ferry to the islands leaves twenty minutes earlier from Monday, the operator said.</p>
    <p>Passengers with season tickets keep their <em>reserved</em> seats on the earlier crossing.</p>
  </body>
  <link>https://example.org/ferry</link>
  <wordcount>31</wordcount>
</story>
"""

LABELLED = """<?xml version="1.0"?>
<transcript>
  <p>THE CHAIR: The hearing will come to order. Mr. Hale, please begin.</p>
  <p>MR. HALE: Thank you. The pumping station was built in 1961 and has not been renovated since.</p>
  <p>THE CHAIR: How much would a renovation cost?</p>
  <p>MR. HALE: About four million, spread over three years.</p>
</transcript>
"""


def _doc(raw: str, name: str = "story.xml"):
    return parse_xml_document(raw.encode("utf-8"), "x", f"/tmp/{name}")


def test_any_xml_is_read_as_paragraphs_with_its_title_and_date():
    doc = _doc(ARTICLE)
    assert doc.title == "Ferry timetable changes from Monday"
    assert doc.date == "2026-04-20"
    assert doc.kind == "article"
    assert "Ana Reporter" in doc.author
    chunks = chunk_document(doc)
    texts = [c.text for c in chunks]
    assert any("reserved seats on the earlier crossing" in t for t in texts)
    # single tokens outside speeches are data: the link and the word count are no paragraphs
    assert not any("example.org" in t or t == "31" for t in texts)
    assert all(c.speaker is None for c in chunks)


def test_xml_without_speech_markup_keeps_the_labels_of_its_text():
    chunks = chunk_document(_doc(LABELLED, "hearing.xml"))
    by_text = {c.text[:20]: (c.speaker, c.role) for c in chunks}
    assert by_text["The hearing will com"][1] == "moderator"
    assert by_text["Thank you. The pumpi"][0] == "Hale"
    assert by_text["About four million, "][0] == "Hale"


def test_a_talker_in_the_first_child_spans_the_whole_question():
    raw = """<debate><question><talk.start><talker><name role="metadata">Roe, Jane, MP</name>
    <name role="display">Ms ROE</name></talker><para>My question is to the minister.</para>
    </talk.start><quote><para>Reporter: Is there a shortage?</para></quote>
    <para>Does the minister agree there is none?</para></question>
    <answer><talk.start><talker><name role="display">Mr DOE</name></talker>
    <para>There is no shortage of water in the district.</para></talk.start></answer></debate>"""
    chunks = chunk_document(_doc(raw, "qt.xml"))
    got = [(c.speaker, c.role) for c in chunks]
    assert got[:3] == [("Jane Roe", "questioner")] * 3  # the quoted "Reporter:" is no label
    assert got[3][1] == "official"


def test_the_walk_and_an_explicit_file_read_xml(tmp_path):
    (tmp_path / "a.xml").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.txt").write_text("A plain paragraph of text here.", encoding="utf-8")
    assert [p.name for p in iter_files(tmp_path)] == ["a.xml", "b.txt"]
    assert [d.id for d in read_path(tmp_path)] == ["a", "b"]
    assert read_file(tmp_path / "a.xml")[0].title.startswith("Ferry")


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<p>&lol9;</p>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE p [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<p>&secret;</p>
"""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (BOMB, "entity"),
        (EXTERNAL, "entity"),
        ("<p>unclosed <b>tags</p>", "not well-formed"),
        ("<a>" * (MAX_DEPTH + 50) + "deep" + "</a>" * (MAX_DEPTH + 50), "nests deeper"),
    ],
    ids=["billion-laughs", "external-entity", "malformed", "deep"],
)
def test_hostile_or_broken_xml_is_refused_with_a_clear_error(raw, message):
    # refused before anything is expanded or walked (a bomb that were expanded would hang here)
    with pytest.raises(InvalidDocument, match=message):
        _doc(raw, "bad.xml")


def test_a_refused_xml_file_names_itself(tmp_path):
    p = tmp_path / "bomb.xml"
    p.write_text(BOMB, encoding="utf-8")
    with pytest.raises(InvalidDocument, match=r"bomb\.xml"):
        read_file(p)


def test_a_turn_that_opens_with_a_stage_direction_is_still_its_speakers():
    raw = """<TEI><text><body>
    <u who="#Ana"><seg>We open the session with the harbour report from the master.</seg></u>
    <u who="#Ben"><seg>(Laughter)</seg><seg>As I was saying, the channel silts up every winter.</seg></u>
    </body></text></TEI>"""
    chunks = chunk_document(_doc(raw, "board.xml"))
    assert [c.speaker for c in chunks] == ["Ana", "Ben"]


def test_speaker_attributes_without_a_person_list():
    """TheyWorkForYou-style ``speakername`` is a name as it stands; a ``#reference`` with no
    target in the file is spelt out from its identifier."""
    raw = """<publicwhip>
    <speech speakername="Jane Roe"><p>I beg to move that the Bill be now read a second time.</p></speech>
    <u who="#JohnDoe"><seg>I rise to oppose the motion before the House today.</seg></u>
    </publicwhip>"""
    chunks = chunk_document(_doc(raw, "debate.xml"))
    assert [c.speaker for c in chunks] == ["Jane Roe", "John Doe"]
