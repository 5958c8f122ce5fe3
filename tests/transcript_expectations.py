"""What a careful human reader expects the chunker to make of real transcripts: data only.

Written before the transcript-aware chunker exists; ``tests/test_transcripts.py`` runs it.

The real files in ``../shared/corpora/transcripts/`` and ``../shared/corpora/wh-briefings/`` may not
be copied, not even in part, so every expectation on them is anchored by a **line number** of the
source file (as ``sed -n`` / ``grep -n`` count lines: ``\\n``-separated, form feeds and ``\\r`` are not
line breaks). At run time the test reads that line, strips markup and picks its longest run of
words (see ``anchor_of`` in the test) and looks for the one chunk that contains it. Our own fixtures
in ``tests/fixtures/transcripts/`` are anchored by a phrase (``Para.phrase``) instead.

Speaker keys are surnames (or the one word that identifies the speaker) compared, casefolded, with
the last word of the chunk's speaker; ``name`` is the full name when the document itself gives it.
Roles: ``moderator`` for whoever chairs and passes the floor (chief justice, judge, Speaker, inquiry
chair, host); ``questioner`` for whoever asks (justices, reporters, members asking, inquiry counsel);
``official`` for whoever answers or states (counsel arguing, ministers, witnesses, spokespeople);
``quoted`` for people quoted in prose. A frozenset means a careful reader accepts any of them; the
``why`` line says why.
"""

from __future__ import annotations

from dataclasses import dataclass

OFFICIAL = "official"
QUESTIONER = "questioner"
MODERATOR = "moderator"
QUOTED = "quoted"
# The chair who also questions (Chief Justice, the judge who examines, the host who interviews).
CHAIR_OR_ASKS = frozenset({MODERATOR, QUESTIONER})


@dataclass(frozen=True)
class Para:
    """One expected paragraph.

    ``line``: 1-based line of the source file whose text anchors the paragraph (real files);
    ``phrase``: a phrase of our own fixture text (fixtures only).
    ``speaker``: the expected key (surname, or ``Q`` for an anonymous White House reporter), or
    ``None`` when nobody speaks (heading, stage direction, narration, caption line).
    ``role``: one role, a frozenset of acceptable roles, or ``None``.
    ``name``: the full display name when the document gives it (compared ignoring honorifics,
    initials, periods and suffixes such as "Jr.").
    ``standalone``: ``False`` for procedural lines ("(Laughter.)", "Interjections.", time stamps)
    that must not be a chunk of their own (they may be dropped, or kept inside a neighbouring
    chunk); speaker and role are then not checked.
    ``with_line``: another line (or ``with_phrase``: another phrase) that must be in the same chunk
    (a paragraph the page furniture split in two must be joined again).
    """

    line: int = 0
    speaker: str | None = None
    role: str | frozenset[str | None] | None = None
    name: str | None = None
    why: str = ""
    standalone: bool = True
    with_line: int | None = None
    phrase: str | None = None
    with_phrase: str | None = None


@dataclass(frozen=True)
class Transcript:
    """One source file and what a reader expects of it.

    ``furniture``: lines (real files) or phrases (fixtures) of page furniture (running heads,
    reporters' footers, site navigation, copyright) that must appear in no chunk at all.
    ``speaker_share``: the least share of body chunks (not headings or captions) that must have a
    speaker; ``None`` where no such floor is honest (captions without names).
    ``author``: the byline of an article, which is metadata and never a speaker.
    ``max_chunks``: where the layout makes over-splitting likely, an upper bound on chunks.
    """

    file: str
    kind: str = "transcript"
    date: str | None = None
    title_has: str | None = None
    paragraphs: tuple[Para, ...] = ()
    furniture: tuple[int | str, ...] = ()
    speaker_share: float | None = 0.8
    author: str | None = None
    title_not: tuple[str, ...] = ()
    corpus: str = "transcripts"  # transcripts | wh-briefings | fixtures
    note: str = ""


SCOTUS_DAY1 = Transcript(
    file="us-supreme-court-2012-03-26-hhs-v-florida-layout.txt",
    date="2012-03-26",
    title_has="Florida",
    furniture=(1, 56),  # the running head and the reporter's footer of every page
    note="pdftotext -layout: printed line numbers, blank line after each, wide inner spacing",
    paragraphs=(
        Para(123, "Roberts", CHAIR_OR_ASKS, why="first turn: the Chief Justice calls the case"),
        Para(129, None, None, why="section head ORAL ARGUMENT OF …: nobody speaks"),
        Para(
            133,
            "Long",
            OFFICIAL,
            name="Robert A. Long",
            why="counsel's first turn; the appearances give his full name",
        ),
        Para(151, "Long", OFFICIAL, why="second paragraph of Long's opening, no label"),
        Para(
            175,
            "Long",
            OFFICIAL,
            with_line=165,
            why="sentence carried over the page 3/4 break (footer, header, line numbers between)",
        ),
        Para(193, "Scalia", QUESTIONER, why="a justice's first question, wrapped over lines"),
        Para(689, "Sotomayor", QUESTIONER, why="a justice's question"),
        Para(1185, "Kagan", QUESTIONER, why="continuation line of a question"),
        Para(
            1125,
            "Breyer",
            QUESTIONER,
            with_line=1117,
            why="a long question carried over the page 20/21 break",
        ),
        Para(1143, "Breyer", QUESTIONER, why="second paragraph of Breyer's long question"),
        Para(1669, "Long", OFFICIAL, why="last paragraph of a long answer, reserving time"),
        Para(355, "Roberts", CHAIR_OR_ASKS, why="the Chief Justice questioning counsel"),
        Para(119, standalone=False, why="time stamp (10:12 a.m.): not a paragraph of its own"),
    ),
)

SCOTUS_DAY2 = Transcript(
    file="us-supreme-court-2012-03-27-hhs-v-florida-pdf-raw.txt",
    date="2012-03-27",
    title_has="Florida",
    furniture=(26, 49),
    note="pdftotext -raw: no blank lines; 25 bare line numbers as a block before each page",
    paragraphs=(
        Para(120, "Roberts", CHAIR_OR_ASKS, why="first turn: the Chief Justice resumes the case"),
        Para(123, None, None, why="section head ORAL ARGUMENT OF …"),
        Para(
            127,
            "Verrilli",
            OFFICIAL,
            name="Donald B. Verrilli",
            why="the Solicitor General's opening (label GENERAL VERRILLI)",
        ),
        Para(170, "Verrilli", OFFICIAL, why="first line after the page 3/4 break, same turn"),
        Para(180, "Scalia", QUESTIONER, why="question whose turn starts mid-line block"),
        Para(186, "Verrilli", OFFICIAL, why="unlabelled paragraph inside an answer"),
        Para(
            194,
            "Kennedy",
            QUESTIONER,
            with_line=223,
            why="a one-sentence question split by the page 4/5 furniture",
        ),
        Para(233, "Scalia", QUESTIONER, why="continuation of a question, no blank line before"),
        Para(875, "Roberts", CHAIR_OR_ASKS, why="the Chief Justice questioning (broccoli)"),
        Para(931, "Ginsburg", QUESTIONER, why="continuation of a question"),
        Para(1566, "Kennedy", QUESTIONER, why="second paragraph deep in a justice's question"),
        Para(1573, "Verrilli", OFFICIAL, why="last turn, cut at the page 30 footer"),
        Para(118, standalone=False, why="time stamp (10:00 a.m.)"),
    ),
)

UK_COMMONS = Transcript(
    file="uk-house-of-commons-2011-07-19-oral-answers-fco.html",
    date="2011-07-19",
    title_has="Oral Answers",
    furniture=(9, 15),  # navigation links; column headings are checked through with_line
    note="debtext XHTML: <b> labels with constituency/party or office on first mention",
    paragraphs=(
        Para(54, None, None, why="'The Secretary of State was asked—': narration, nobody speaks"),
        Para(
            65,
            "Hanson",
            QUESTIONER,
            name="David Hanson",
            why="question 1, label with constituency and party, after '1.'",
        ),
        Para(
            72,
            "Hague",
            OFFICIAL,
            name="William Hague",
            why="minister's label is his office with the name in parentheses",
        ),
        Para(79, "Hanson", QUESTIONER, name="David Hanson", why="supplementary, short label"),
        Para(86, "Hague", OFFICIAL, name="William Hague", why="short label 'Mr Hague:'"),
        Para(93, "Hollobone", QUESTIONER, name="Philip Hollobone", why="backbench question"),
        Para(
            100,
            "Hague",
            OFFICIAL,
            with_line=108,
            why="one paragraph split by the 'Column 772' heading: must be joined",
        ),
        Para(115, "Twigg", QUESTIONER, name="Stephen Twigg", why="label with no honorific"),
        Para(122, "Hague", OFFICIAL, why="answer"),
        Para(132, "Flynn", QUESTIONER, name="Paul Flynn", why="question 3 under a new <h3>"),
        Para(
            139,
            "Burt",
            OFFICIAL,
            name="Alistair Burt",
            why="junior minister: office label, name in parentheses",
        ),
        Para(142, "Flynn", QUESTIONER, why="supplementary in the same <p> run as the answer"),
        Para(149, "Burt", OFFICIAL, name="Alistair Burt", why="short label 'Alistair Burt:'"),
    ),
)

TRANSCRIPTS: tuple[Transcript, ...] = (SCOTUS_DAY1, SCOTUS_DAY2, UK_COMMONS)
WH_BRIEFINGS: tuple[Transcript, ...] = ()
FIXTURES: tuple[Transcript, ...] = ()
