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
    ``None`` when nobody speaks (heading, stage direction, narration, caption line); a frozenset
    lists the keys a careful reader accepts (``None`` among them: "unnamed is honest too").
    ``role``: one role, a frozenset of acceptable roles, or ``None``.
    ``name``: the full display name when the document gives it (compared ignoring honorifics,
    initials, periods and suffixes such as "Jr.").
    ``standalone``: ``False`` for procedural lines (stage directions, interjection notes, time
    stamps) that must not be a paragraph chunk of their own: they may be dropped, kept inside a
    neighbouring chunk, or kept as a chunk of another kind (heading, procedure) with no speaker
    and no role. Whatever is done, the turn around them goes on (neighbouring ``Para``s say so).
    ``with_line``: another line (or ``with_phrase``: another phrase) that must be in the same chunk
    (a paragraph the page furniture split in two must be joined again).
    ``apart_from`` (or ``apart_phrase``): a line of the previous turn that must *not* be in the
    same chunk (a turn change the chunker must see, e.g. a ``>>`` caption marker).
    """

    line: int = 0
    speaker: str | frozenset[str | None] | None = None
    role: str | frozenset[str | None] | None = None
    name: str | None = None
    why: str = ""
    standalone: bool = True
    with_line: int | None = None
    phrase: str | None = None
    with_phrase: str | None = None
    apart_from: int | None = None
    apart_phrase: str | None = None


@dataclass(frozen=True)
class Transcript:
    """One source file and what a reader expects of it.

    ``furniture``: lines (real files) or phrases (fixtures) of page furniture (running heads,
    reporters' footers, site navigation, copyright) that must appear in no chunk at all.
    ``speaker_share``: the least share of body chunks (not headings or captions) that must have a
    speaker; ``None`` where no such floor is honest (captions without names).
    ``author``: the byline of an article, which is metadata and never a speaker.
    ``not_speakers``: keys that must never be a chunk's speaker (pseudo-labels such as
    ``Break:``, ``AUDIO DESCRIPTION:``, an article's byline).
    """

    file: str
    kind: str | frozenset[str] = "transcript"  # a frozenset: any of these kinds is right
    date: str | None = None
    title_has: str | None = None
    paragraphs: tuple[Para, ...] = ()
    furniture: tuple[int | str, ...] = ()
    speaker_share: float | None = 0.8
    author: str | None = None
    title_not: tuple[str, ...] = ()
    not_speakers: tuple[str, ...] = ()
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
        Para(129, None, None, why="section head naming the advocate: nobody speaks"),
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
        Para(
            119,
            standalone=False,
            why="time stamp under the proceedings head: not a paragraph of its own",
        ),
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
        Para(123, None, None, why="section head naming the advocate"),
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
        Para(118, standalone=False, why="time stamp under the proceedings head"),
    ),
)

UK_COMMONS = Transcript(
    file="uk-house-of-commons-2011-07-19-oral-answers-fco.html",
    date="2011-07-19",
    title_has="Oral Answers",
    furniture=(9, 15),  # navigation links; column headings are checked through with_line
    note="debtext XHTML: <b> labels with constituency/party or office on first mention",
    paragraphs=(
        Para(
            54,
            None,
            None,
            why="the italic line that introduces the questions: narration, nobody speaks",
        ),
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
            why="one paragraph split by a column heading: must be joined",
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
        Para(149, "Burt", OFFICIAL, name="Alistair Burt", why="short label: the name alone"),
    ),
)

CHANGELOG = Transcript(
    file="changelog-2021-10-06-the-changelog-461-fauna.md",
    date="2021-10-06",  # only the file name says so; the body has no date
    title_has="Changelog",  # likewise: no heading, no front matter
    not_speakers=("Break",),
    note="bold Markdown labels; hosts interview a guest; escaped inline time codes",
    paragraphs=(
        Para(
            1,
            "Santo",
            CHAIR_OR_ASKS,
            name="Jerod Santo",
            why="a host opens the show: he hosts and he asks",
        ),
        Para(3, "Santo", CHAIR_OR_ASKS, why="host's second paragraph, unlabelled; a question"),
        Para(5, "Weaver", OFFICIAL, name="Evan Weaver", why="the guest's first answer"),
        Para(11, "Weaver", OFFICIAL, why="continuation that starts with a time code"),
        Para(15, "Weaver", OFFICIAL, why="fourth paragraph of one answer"),
        Para(35, "Weaver", OFFICIAL, why="deep inside the longest answer (no label for 4 paras)"),
        Para(
            59,
            "Stacoviak",
            CHAIR_OR_ASKS,
            name="Adam Stacoviak",
            why="the other host's first turn, a question",
        ),
        Para(
            93,
            standalone=False,
            why="the Break pseudo-label marks an ad break: no speaker, no paragraph",
        ),
        Para(95, "Santo", CHAIR_OR_ASKS, why="first turn after the ad break"),
        Para(101, "Weaver", OFFICIAL, why="continuation with a time code"),
        Para(125, "Stacoviak", CHAIR_OR_ASKS, why="label followed by a time code"),
        Para(147, "Weaver", OFFICIAL, why="last paragraph before the second break"),
        Para(155, "Weaver", OFFICIAL, why="continuation near the end of the excerpt"),
        Para(157, standalone=False, why="a bracketed laugh alone: a stage note, not a paragraph"),
    ),
)

# Air-to-ground loop: CC (capsule communicator) calls and asks, P (the pilot, John Glenn, whom the
# text calls only "John" and "Friendship Seven") reports; CT (com tech) and S (surgeon) are ground
# stations. Keys: the code, or a name a reader could give it.
_PILOT = frozenset({"P", "Pilot", "Glenn"})
_CAPCOM = frozenset({"CC", "Capcom", "Com", "Communicator"})
NASA = Transcript(
    file="nasa-1962-02-20-mercury-atlas-6-air-to-ground.txt",
    date="1962-02-20",  # only the file name says so
    title_has="Mercury",
    furniture=(2, 67),  # page-number metadata lines of the printed source
    note="Spacelog: time stamp line, role code label, hanging-indent continuation lines",
    paragraphs=(
        Para(7, _PILOT, OFFICIAL, why="the pilot's first report after lift-off"),
        Para(
            399,
            _CAPCOM,
            CHAIR_OR_ASKS,
            why="CC asks for the status report: the ground directs and asks",
        ),
        Para(49, _PILOT, OFFICIAL, why="one-line report"),
        Para(68, _PILOT, OFFICIAL, why="block whose time stamp is followed by a _page line"),
        Para(404, _PILOT, OFFICIAL, why="third line of a long block (5-space hanging indent)"),
        Para(428, _PILOT, OFFICIAL, with_line=420, why="hard-wrapped block, one paragraph"),
        Para(
            702,
            frozenset({"CT", "Zanzibar", "Tech"}),
            frozenset({MODERATOR, QUESTIONER, OFFICIAL}),
            why="a tracking station's com tech calls the capsule",
        ),
        Para(
            747,
            frozenset({"S", "Surgeon", "Zanzibar"}),
            frozenset({QUESTIONER, OFFICIAL}),
            why="the station surgeon reports the blood pressure to the pilot",
        ),
        Para(1115, _PILOT, OFFICIAL, why="block after a _page line"),
        Para(1133, _PILOT, OFFICIAL, why="continuation line of an observation"),
        Para(1146, _CAPCOM, CHAIR_OR_ASKS, why="continuation of CC's question, with <sub> markup"),
        Para(1, standalone=False, why="a time stamp line is not a paragraph"),
    ),
)

# Captions name nobody: speaker changes are only ">>". An honest chunker leaves the speaker None
# (or gives a name the captions themselves make plain: a public speaker announced by the clerk
# and introducing herself); roles are not knowable from labels, so None is always accepted.
# What must hold: cues of one turn are joined, turns are split at ">>", timings are not text.
_UNNAMED = frozenset({None})
OAKLAND = Transcript(
    file="oakland-city-council-2022-08-09-special-meeting-captions.txt",
    date="2022-08-09",
    title_has="Oakland",  # file name; the captions say "oakland city council"
    speaker_share=None,
    furniture=(1, 6),  # WEBVTT header, a cue timing line
    note="WebVTT captions; '>>' marks a new speaker; no names",
    paragraphs=(
        Para(
            16,
            _UNNAMED,
            frozenset({None, MODERATOR}),
            with_line=12,
            why="the clerk's opening turn, joined across cues",
        ),
        Para(
            93,
            _UNNAMED,
            frozenset({None, MODERATOR}),
            with_line=89,
            why="the president's welcome, spread over many cues",
        ),
        Para(
            65,
            _UNNAMED,
            frozenset({None, MODERATOR}),
            apart_from=61,
            why="a '>>' turn change between the clerk's count and the chair's welcome",
        ),
        Para(129, _UNNAMED, frozenset({None, MODERATOR}), why="the chair hands to the clerk"),
        Para(
            136,
            _UNNAMED,
            frozenset({None, MODERATOR}),
            apart_from=129,
            why="the clerk calls a public speaker: a new '>>' turn",
        ),
        Para(
            143,
            frozenset({None, "Olugbala"}),
            frozenset({None, QUESTIONER}),
            apart_from=136,
            why="a public commenter, announced by name in the previous turn",
        ),
        Para(
            726,
            _UNNAMED,
            frozenset({None, OFFICIAL}),
            apart_from=722,
            why="a councilmember moves the consent calendar",
        ),
        Para(
            754,
            frozenset({None, "Fife"}),
            frozenset({None, OFFICIAL}),
            why="the councilmember the chair has just called on by name",
        ),
        Para(
            1081,
            frozenset({None, "Beekman", "Beeman"}),
            frozenset({None, QUESTIONER}),
            why="a public speaker who gives his own name as he starts",
        ),
        Para(
            1353,
            _UNNAMED,
            frozenset({None, MODERATOR}),
            apart_from=1346,
            why="the clerk cuts a speaker off: '!>>' is a turn marker too",
        ),
        Para(
            1377,
            frozenset({None, "Parker"}),
            frozenset({None, QUESTIONER}),
            why="a caller who names himself at the start of his turn",
        ),
        Para(
            1531,
            _UNNAMED,
            frozenset({None, MODERATOR}),
            with_line=1523,
            why="the chair adjourns; closing turn joined across cues",
        ),
    ),
)

# Inquiry counsel appears first as "Mr Dawson" and then only by the alias "Lead 2A": a careful reader
# knows they are one person (he introduces the witness, asks "You are Kate Forbes?", and "Lead 2A"
# goes on with the same questioning); a chunker that keeps the alias is accepted too.
_COUNSEL = frozenset({"Dawson", "2A"})
COVID_INQUIRY = Transcript(
    file="uk-covid-19-inquiry-2024-01-30-module-2a-kate-forbes.txt",
    date="2024-01-30",
    title_has="Module 2A",
    note="RST: **Label**: turns, italic stage directions, a section title underlined with '='",
    paragraphs=(
        Para(3, standalone=False, why="time stamp (10.00 am)"),
        Para(7, "Dawson", QUESTIONER, why="inquiry counsel's first turn: calls the witness"),
        Para(14, None, None, why="caption line naming the questioning: a heading, nobody speaks"),
        Para(
            20,
            _COUNSEL,
            QUESTIONER,
            why="first turn under the role alias 'Lead 2A' (the same counsel)",
        ),
        Para(
            54,
            "Forbes",
            OFFICIAL,
            name="Kate Forbes",
            why="the witness's first long answer ('Ms Kate Forbes')",
        ),
        Para(56, "Forbes", OFFICIAL, why="the witness's second paragraph, unlabelled"),
        Para(60, _COUNSEL, QUESTIONER, why="counsel's next paragraph after a one-line thanks"),
        Para(80, _COUNSEL, QUESTIONER, why="a question in a continuation paragraph"),
        Para(98, _COUNSEL, QUESTIONER, why="counsel moves to a new topic, unlabelled"),
        Para(120, "Forbes", OFFICIAL, name="Kate Forbes", why="an answer about WhatsApp messages"),
        Para(346, _COUNSEL, QUESTIONER, why="continuation ending in a question"),
        Para(374, _COUNSEL, QUESTIONER, why="a proposition put to the witness, unlabelled"),
        Para(464, "Forbes", OFFICIAL, why="later in a long answer"),
        Para(504, "Forbes", OFFICIAL, why="last paragraph of the excerpt"),
    ),
)

# Question time: the member asking is a questioner, the minister answering an official, the
# Speaker a moderator. Labels come from <talker> (a display form "Mr SURNAME" and a metadata form "Surname, Given, MP").
# Quoted exchanges read out inside a turn (<quote>, "Journalist:"/"Treasurer:") are still the
# reader's turn, or quoted speech: either is accepted.
AUSTRALIA = Transcript(
    file="australia-house-of-representatives-2007-09-20-question-time.xml",
    date="2007-09-20",
    title_has="Questions Without Notice",
    not_speakers=("Journalist",),
    note="ParlInfo Hansard XML: <question>/<answer>/<interjection>/<continue> with <talker>",
    paragraphs=(
        Para(
            39,
            "Rudd",
            QUESTIONER,
            name="Kevin Rudd",
            why="Leader of the Opposition asks the first question",
        ),
        Para(
            43,
            frozenset({"Rudd", "Treasurer", "Costello"}),
            frozenset({QUESTIONER, QUOTED}),
            why="'Treasurer:' inside a <quote> the questioner reads out: not a turn of its own",
        ),
        Para(47, "Rudd", QUESTIONER, why="the question proper, after the quoted exchange"),
        Para(61, "Howard", OFFICIAL, name="John Howard", why="the Prime Minister answers"),
        Para(
            63, standalone=False, why="italic note of interjections from the opposition: procedure"
        ),
        Para(71, "Speaker", MODERATOR, why="The SPEAKER calls order and gives the call"),
        Para(81, "Howard", OFFICIAL, why="<continue>: the answer resumes after the Speaker"),
        Para(91, standalone=False, why="italic note that one member interjects: procedure"),
        Para(153, "Fawcett", QUESTIONER, name="David Fawcett", why="government backbench question"),
        Para(172, "Howard", OFFICIAL, why="fourth <para> of a long answer, no talker of its own"),
        Para(346, "Speaker", MODERATOR, why="the Speaker rules on a point of order"),
        Para(359, "Costello", OFFICIAL, name="Peter Costello", why="Treasurer's answer continues"),
        Para(
            474,
            frozenset({"Costello", "Rudd"}),
            frozenset({OFFICIAL, QUOTED}),
            why="a quotation of Rudd inside the Treasurer's answer",
        ),
        Para(526, "Macklin", QUESTIONER, name="Jenny Macklin", why="opposition question"),
        Para(
            535,
            "Abbott",
            frozenset({OFFICIAL, QUESTIONER}),
            why="a minister's point of order: neither question nor answer, both readings defensible",
        ),
    ),
)

ONTARIO = Transcript(
    file="ontario-legislative-assembly-2016-03-02-oral-questions.html",
    date="2016-03-02",
    title_has="Official Records",
    title_not=("|",),  # the site's breadcrumb after "|" is not part of the title
    furniture=(128, 136, 137),  # a print link; the bilingual table-of-contents masthead
    note="Ontario Hansard page: <strong> labels, unlabelled continuations, procedure and clock lines",
    paragraphs=(
        Para(
            203,
            "Levac",
            MODERATOR,
            name="Dave Levac",
            why="'The Speaker (Hon. Dave Levac):' opens the sitting",
        ),
        Para(
            207,
            "Brown",
            QUESTIONER,
            name="Patrick Brown",
            why="first oral question, label wrapped around an anchor",
        ),
        Para(209, "Matthews", OFFICIAL, name="Deborah Matthews", why="the Deputy Premier answers"),
        Para(210, standalone=False, why="a procedure line (interjections)"),
        Para(211, "Levac", MODERATOR, why="the Speaker restores order"),
        Para(220, "Brown", QUESTIONER, why="unlabelled continuation of a supplementary"),
        Para(221, "Brown", QUESTIONER, why="third paragraph of the turn: the question itself"),
        Para(
            227, "Hoskins", OFFICIAL, name="Eric Hoskins", why="continuation of a referred answer"
        ),
        Para(236, "Hoskins", OFFICIAL, why="continuation after the minister's label paragraph"),
        Para(
            237,
            "Yakabuski",
            QUESTIONER,
            name="John Yakabuski",
            why="a heckle recorded with a label: an opposition member asking across the floor",
        ),
        Para(241, standalone=False, why="clock stamp 1040 (<p class=timeStamp>)"),
        Para(291, "Singh", QUESTIONER, name="Jagmeet Singh", why="third party leader's question"),
        Para(
            443,
            "McDonell",
            QUESTIONER,
            name="Jim McDonell",
            why="continuation right after the 1120 clock stamp: the turn goes on",
        ),
        Para(445, "Orazietti", OFFICIAL, why="second paragraph of a minister's answer"),
    ),
)

# Every paragraph is one turn on one line. The judge (THE COURT) presides and also questions
# counsel; the prosecutors arguing the contempt motion and the defence answer; AUDIO DESCRIPTION
# is a transcriber's pseudo-label for procedure, not a speaker.
NY_TRUMP = Transcript(
    file="new-york-supreme-court-2024-04-23-people-v-trump-hearing.txt",
    date="2024-04-23",  # only the file name gives the day
    title_has="Trump",
    not_speakers=("Description",),
    note="plain text, ALL-CAPS labels with a colon, one very long paragraph per turn",
    paragraphs=(
        Para(
            1,
            "Clerk",
            frozenset({MODERATOR, OFFICIAL}),
            why="THE CLERK calls the case: court staff running the calendar",
        ),
        Para(
            3,
            "Steinglass",
            OFFICIAL,
            name="Joshua Steinglass",
            why="appearances; he names himself in full",
        ),
        Para(
            7, "Blanche", OFFICIAL, why="defence counsel's appearance (the text misspells his name)"
        ),
        Para(17, None, None, why="AUDIO DESCRIPTION: procedure, nobody speaks"),
        Para(19, "Steinglass", OFFICIAL, why="the prosecutor asks for a conference"),
        Para(23, None, None, why="AUDIO DESCRIPTION in capitals: sealed proceedings"),
        Para(
            29,
            frozenset({"Court", "Merchan"}),
            MODERATOR,
            why="the judge opens the hearing (the text names Judge Merchan)",
        ),
        Para(
            31,
            "Conroy",
            OFFICIAL,
            name="Christopher Conroy",
            why="the prosecutor arguing the motion; named in the appearances",
        ),
        Para(35, "Conroy", OFFICIAL, why="deep inside a very long single-paragraph turn"),
        Para(
            37,
            frozenset({"Court", "Merchan"}),
            CHAIR_OR_ASKS,
            why="the judge interrupts with a question",
        ),
        Para(39, "Conroy", OFFICIAL, why="answer to the court's question"),
        Para(43, "Conroy", OFFICIAL, why="counsel quoting a post inside his argument"),
        Para(47, "Conroy", OFFICIAL, why="the last long turn of the excerpt"),
    ),
)

TRANSCRIPTS: tuple[Transcript, ...] = (
    ONTARIO,
    NY_TRUMP,
    COVID_INQUIRY,
    AUSTRALIA,
    SCOTUS_DAY1,
    SCOTUS_DAY2,
    UK_COMMONS,
    CHANGELOG,
    NASA,
    OAKLAND,
)
# White House layouts the chunker handles today; the rewrite must keep them. Anonymous reporters
# keep the label "Q" as their speaker (role questioner), as the current chunker documents.
WH_BRIEFINGS: tuple[Transcript, ...] = (
    Transcript(
        file="press-briefings/2021-03/2021-03-01-press-briefing-by-press-secretary-jen-psaki-and-secretary-of-homeland-security-alejandro-mayorkas.md",
        corpus="wh-briefings",
        kind="briefing",
        date="2021-03-01",
        title_has="Mayorkas",
        paragraphs=(
            Para(
                29,
                "Psaki",
                frozenset({OFFICIAL, MODERATOR}),
                name="Jen Psaki",
                why="the press secretary introduces a guest and hands over: she also moderates",
            ),
            Para(
                42,
                "Mayorkas",
                OFFICIAL,
                name="Alejandro Mayorkas",
                why="second paragraph of the guest's statement",
            ),
            Para(70, "Mayorkas", OFFICIAL, why="deep inside the long opening statement"),
            Para(213, "Q", QUESTIONER, why="'Q' label, a reporter's question over wrapped lines"),
            Para(220, "Q", QUESTIONER, why="the reporter's second paragraph, unlabelled"),
            Para(230, "Mayorkas", OFFICIAL, why="second paragraph of an answer"),
            Para(411, "Q", QUESTIONER, why="a question after Psaki passes the floor"),
        ),
    ),
    Transcript(
        file="speeches-remarks/2021-03/2021-03-02-remarks-by-president-biden-on-the-administrations-covid-19-vaccination-efforts.md",
        corpus="wh-briefings",
        kind="remarks",
        date="2021-03-02",
        title_has="Vaccination",
        paragraphs=(
            Para(
                16,
                "Biden",
                OFFICIAL,
                why="THE PRESIDENT: resolved to the president the title names",
            ),
            Para(36, "Biden", OFFICIAL, why="a paragraph deep in the remarks, no label"),
            Para(150, "Biden", OFFICIAL, why="late in the remarks"),
            Para(220, "Q", QUESTIONER, why="a shouted question after the remarks"),
            Para(226, "Biden", OFFICIAL, why="the answer"),
            Para(13, standalone=False, why="the time-of-day line is metadata, not a chunk"),
        ),
    ),
)


# --- our own fixtures: invented words in layouts found in public transcripts --------------------
def _p(phrase: str, speaker, role, name: str | None = None, why: str = "", **kw) -> Para:
    return Para(phrase=phrase, speaker=speaker, role=role, name=name, why=why, **kw)


def _proc(phrase: str, why: str) -> Para:
    return Para(phrase=phrase, standalone=False, why=why)


_BRIEFING_KINDS = frozenset({"transcript", "briefing", "press conference"})

GPO_HEARING = Transcript(
    file="us-house-hearing-gpo.html",
    corpus="fixtures",
    speaker_share=0.75,  # narration and editorial inserts are part of the record
    date="2026-05-06",
    title_has="Rural Water Systems",
    furniture=("From the U.S. Government Publishing Office", "House Hearing, 119 Congress"),
    note="GPO <pre>: hard-wrapped, paragraphs only by a 4-space indent, labels end in a period",
    paragraphs=(
        _p("The subcommittee met, pursuant to notice", None, None, why="narration before turns"),
        _p(
            "keeps its taps running",
            "Smith",
            MODERATOR,
            name="Margaret Smith",
            why="'Chairman Smith.' opens; the narration gives her full name",
        ),
        _p(
            "I now recognize the ranking member",
            "Smith",
            MODERATOR,
            why="indented new paragraph of the same turn, no label",
        ),
        _p(
            "The grant programs we wrote a decade ago",
            "Lee",
            frozenset({QUESTIONER, OFFICIAL}),
            name="Daniel Lee",
            why="'Mr. Lee of Ohio.': state qualifier is not part of the name; a member's statement",
        ),
        _p("The prepared statement of Mr. Lee follows", None, None, why="editorial insert"),
        _p(
            "Small systems serve one in five rural households",
            "Lee",
            frozenset({QUESTIONER, OFFICIAL}),
            why="the inserted prepared statement is Lee's words",
        ),
        _p("Our witness is Ms. Brown", "Smith", MODERATOR, why="the chair introduces the witness"),
        _p("When the levee failed we lost the intake", "Brown", OFFICIAL, why="witness testimony"),
        _p(
            "operators who kept the backup well alive",
            "Brown",
            OFFICIAL,
            with_phrase="between repairing the main and paying the",
            why="a page number in the middle of the sentence: one paragraph",
        ),
        _p(
            "what one federal rule she would change first",
            "Jones",
            CHAIR_OR_ASKS,
            why="'CHAIR JONES.' in capitals: the full committee chair asks",
        ),
        _p(
            "He has heard me say this before",
            "Brown",
            OFFICIAL,
            why="a wrapped line starting 'Mr. Lee.' without indent is prose, not a label",
        ),
        _p("the subcommittee was adjourned", None, None, why="[Whereupon, …] editorial note"),
    ),
)

CENTRAL_BANK = Transcript(
    file="central-bank-press-conference-pdf.txt",
    corpus="fixtures",
    kind=_BRIEFING_KINDS,
    date="2026-03-18",
    title_has="Press Conference",
    title_not=("FINAL",),
    furniture=("Page 4 of 28", "Chair Halversen's Press Conference FINAL"),
    note="PDF text layer: no blank lines, 'NAME.' labels, header and footer inside a sentence",
    paragraphs=(
        _p("remain focused on bringing inflation", "Halversen", OFFICIAL, why="opening statement"),
        _p("Let me turn to the outlook", "Halversen", OFFICIAL, why="later in the statement"),
        _p(
            "markets now expect two cuts this year",
            "Kowalczyk",
            QUESTIONER,
            name="Anna Kowalczyk",
            why="a reporter who names herself and her outlet; 'Mr.' at a line end",
        ),
        _p("well positioned to wait and see", "Halversen", OFFICIAL, why="answer"),
        _p(
            "which of those paths we are on",
            "Halversen",
            OFFICIAL,
            with_phrase="the data will tell us",
            why="footer 'Page 4 of 28' and the running header split the sentence",
        ),
        _p(
            "Let's go to Tomas at the back",
            "Arnaud",
            MODERATOR,
            why="the press officer passes the floor",
        ),
        _p(
            "How long do you expect them to keep goods inflation elevated",
            "Reyes",
            QUESTIONER,
            name="Tomas Reyes",
            why="second line of a question; no blank line before the label",
        ),
        _p(
            "can you say whether the Committee discussed ending runoff",
            "Natarajan",
            QUESTIONER,
            name="Priya Natarajan",
            why="'Hi, Priya Natarajan with Coastline Radio.'",
        ),
        _p("That concludes today's press conference", "Arnaud", MODERATOR, why="closing"),
    ),
)

_ASKER = frozenset({None, "Q", "Question"})  # an anonymous reporter: unnamed, or the label kept
FOREIGN_MINISTRY = Transcript(
    file="foreign-ministry-briefing.html",
    corpus="fixtures",
    kind=_BRIEFING_KINDS,
    date="2026-03-13",
    title_has="Regular Press Conference on March 13",
    furniture=(
        "About the Ministry",
        "Related News",
        "Regular Press Conference on March 12, 2026",
        "All rights reserved",
        "Spokesperson's Remarks",
    ),
    note="site nav, bold questions, answers unlabelled after the first inline label",
    paragraphs=(
        _p(
            "will pay an official visit to Veloria",
            "Wei",
            OFFICIAL,
            name="Wang Wei",
            why="'Spokesperson Wang Wei:' in mixed case: a label (last word of the name is Wei)",
        ),
        _p("the two sides will sign agreements on fisheries", "Wei", OFFICIAL, why="unlabelled"),
        _p(
            "What outcomes does the ministry expect",
            _ASKER,
            QUESTIONER,
            why="a question in bold with 'Q:' inside the bold",
        ),
        _p(
            "We hope the visit will give fresh momentum",
            "Wei",
            OFFICIAL,
            why="an answer with no label: only the spokesperson answers",
        ),
        _p(
            "ran aground in the strait on Wednesday",
            frozenset({None, "Q", "Post"}),
            QUESTIONER,
            why="a question labelled by the outlet, all in bold",
        ),
        _p(
            "The competent authorities are in contact",
            "Wei",
            OFFICIAL,
            name="Wang Wei",
            why="short label 'Wang Wei:'",
        ),
        _p("new visa rules for researchers are too strict", _ASKER, QUESTIONER, why="'Q:' bold"),
        _p("shorten the waiting time for most applicants", "Wei", OFFICIAL, why="unlabelled"),
        _p("more than four hundred comments were received", "Wei", OFFICIAL, why="2nd paragraph"),
    ),
)

UN_NOON = Transcript(
    file="un-noon-briefing.html",
    corpus="fixtures",
    kind=_BRIEFING_KINDS,
    date="2026-03-14",
    title_has="Daily Press Briefing",
    title_not=("Meetings Coverage",),
    furniture=("Terms of Use", "Copyright United Nations", "Noon Briefings"),
    note="opening statement without a label; the spokesperson is named only in the intro line",
    paragraphs=(
        _p("The following is a near-verbatim transcript", None, None, why="editorial intro"),
        _p("FLOODING IN THE DELTA", None, None, why="topic heading"),
        _p(
            "have left their homes since Monday",
            "Doe",
            OFFICIAL,
            name="Jane Doe",
            why="opening statement: no label, but the intro says who briefs",
        ),
        _p("The World Food Programme has delivered rice", "Doe", OFFICIAL, why="statement"),
        _p(
            "the Security Council will hold consultations",
            "Doe",
            OFFICIAL,
            why="statement after a heading",
        ),
        _p(
            "has the Secretary-General spoken to the Prime Minister",
            _ASKER,
            QUESTIONER,
            why="'Question:' label",
        ),
        _p(
            "He has not spoken to the Prime Minister yet",
            "Doe",
            OFFICIAL,
            name="Jane Doe",
            why="'Spokesperson:' is the spokesperson the intro names",
        ),
        _p("will the Council vote on the mandate", _ASKER, QUESTIONER, why="follow-up"),
        _p("shared with the troop-contributing countries", "Doe", OFFICIAL, why="unlabelled"),
        _p("Thank you all, and have a good afternoon", "Doe", OFFICIAL, why="closing line"),
    ),
)

_CHAIR = frozenset({"Speaker", "Amani"})
ASSEMBLY = Transcript(
    file="national-assembly-official-report.txt",
    corpus="fixtures",
    speaker_share=0.7,  # the masthead, sitting and chair lines, stage directions
    date="2024-06-03",
    title_has="Official Report",
    title_not=("REPUBLIC OF",),
    note="Westminster-style record: office labels, constituency and party, short labels later",
    paragraphs=(
        _p("The House met at 2.30 p.m", None, None, why="procedural narration"),
        _p("WATER SUPPLY IN NORTH RIVER WARD", None, None, why="question title"),
        _p(
            "when will the boreholes promised",
            "Wanjiru",
            QUESTIONER,
            name="Grace Wanjiru",
            why="'Hon. Grace Wanjiru (North River Ward, Unity Party):'",
        ),
        _p(
            "Cabinet Secretary, you have the Floor",
            _CHAIR,
            MODERATOR,
            why="'Hon. Speaker:'; the chair is named in '[The Speaker (Hon. Ruth Amani) …]'",
        ),
        _p(
            "Let me begin by acknowledging the Member",
            "Mwangi",
            OFFICIAL,
            name="John Mwangi",
            why="office label with the name in parentheses",
        ),
        _p(
            "Tenders for the five new boreholes",
            "Mwangi",
            OFFICIAL,
            why="second paragraph of the answer",
        ),
        _proc("(Applause)", "stage direction"),
        _p("have heard thirty days before", "Wanjiru", QUESTIONER, why="supplementary"),
        _proc("Interjections", "procedure"),
        _p("Let the Cabinet Secretary respond", _CHAIR, MODERATOR, why="the Speaker keeps order"),
        _p(
            "I undertake to table the contract",
            "Mwangi",
            OFFICIAL,
            name="John Mwangi",
            why="short label 'Mr Mwangi:' is the Cabinet Secretary",
        ),
        _p(
            "in order to promise documents",
            "Otieno",
            QUESTIONER,
            name="Peter Otieno",
            why="a point of order put as a question to the chair",
        ),
        _p("how many kilometres of the Lakeside bypass", "Otieno", QUESTIONER, why="new question"),
    ),
)

INTERVIEW = Transcript(
    file="oral-history-interview-initials.txt",
    corpus="fixtures",
    speaker_share=0.6,  # a header block of keyed lines and transcriber's notes
    kind=frozenset({"transcript", "interview"}),
    date="2026-02-12",
    title_has="Oral History Interview",
    furniture=("00:12:28",),
    not_speakers=("Interviewee", "Interviewer", "Recorded"),
    note="time code and initials on their own line open each turn; names given in the text",
    paragraphs=(
        _p(
            "My name is Alan Brennan, and I am here with",
            "Brennan",
            CHAIR_OR_ASKS,
            name="Alan Brennan",
            why="'AB' on its own line; 'My name is Alan Brennan'",
        ),
        _p(
            "my memory for dates is worse",
            "Dunmore-Evans",
            OFFICIAL,
            name="Catherine Dunmore-Evans",
            why="'CDE': initials of the Dr the interviewer names",
        ),
        _p("How did you come to water engineering", "Brennan", QUESTIONER, why="a question"),
        _p("I trained as a chemist", "Dunmore-Evans", OFFICIAL, why="answer"),
        _p(
            "I found I liked the machinery",
            "Dunmore-Evans",
            OFFICIAL,
            why="second paragraph of the answer, no initials",
        ),
        _p(
            "What do you remember of that first night",
            "Brennan",
            QUESTIONER,
            why="after a jump in the time code",
        ),
        _p("you could hear it in the pump hall", "Dunmore-Evans", OFFICIAL, why="answer"),
        _proc("[pause]", "a transcriber's note"),
        _p(
            "three days of sandbags and telephone calls",
            "Dunmore-Evans",
            OFFICIAL,
            why="the answer goes on after [pause]",
        ),
        _p("Not for a single hour", "Dunmore-Evans", OFFICIAL, why="last answer"),
        _proc("[END OF RECORDING]", "a transcriber's note"),
    ),
)

ARTICLE = Transcript(
    file="news-article-quotes.md",
    corpus="fixtures",
    kind="article",
    date="2026-03-14",
    title_has="reservoir",
    author="Ana Reporter",
    speaker_share=None,  # an article: most paragraphs are narration
    note="prose quotes: 'said X', 'she said', 'according to X', 'X, the minister of Y, said'",
    paragraphs=(
        _p("The town council voted 7-2", None, None, why="narration"),
        _p(
            "We cannot keep patching a dam",
            "Roe",
            QUOTED,
            name="Jane Roe",
            why="'…,' said Dr. Jane Roe, the town's chief engineer",
        ),
        _p(
            "Every winter the cracks come back wider",
            "Roe",
            QUOTED,
            name="Jane Roe",
            why="'she said': the last person named",
        ),
        _p(
            "the loan will add about 140 a year",
            "Bell",
            QUOTED,
            name="Marcus Bell",
            why="'According to Marcus Bell, …'",
        ),
        _p("his group would ask for a referendum", "Bell", QUOTED, why="reported speech, surname"),
        _p(
            "What we dispute is that the only answer",
            "Bell",
            QUOTED,
            why="quote split by 'Bell said'",
        ),
        _p(
            "People carried water up three flights of stairs",
            "Akers",
            QUOTED,
            name="Tom Akers",
            why="'Tom Akers, the councillor for the east side, said …'; then 'he said'",
        ),
        _p("went without running water for nine days", None, None, why="narration"),
        _p(
            "would cover a fifth of the cost",
            "Ortiz",
            QUOTED,
            name="Lena Ortiz",
            why="'Lena Ortiz, the minister of water, said …' and a quote that runs on",
        ),
        _p(
            "We will send engineers from the ministry",
            "Ortiz",
            QUOTED,
            name="Lena Ortiz",
            why="second paragraph of a quote over two paragraphs: no attribution of its own",
        ),
        _p("The spillway of the Hollins reservoir", None, None, why="photo caption"),
        _p("Construction is expected to begin next spring", None, None, why="narration"),
        _p(
            "covers local government for the Lakeside Courier",
            None,
            None,
            why="the author's bio: the author is no speaker",
        ),
    ),
)

# Structured records: the markup says who speaks (Akoma Ntoso ``<speech by=…><from>``, TEI
# ``<u who=…>``); the text's own look-alikes of labels must not matter.
AKOMA_NTOSO = Transcript(
    file="county-assembly-akoma-ntoso.xml",
    corpus="fixtures",
    date="2025-11-04",
    title_has="Official Report",
    speaker_share=0.75,  # the opening and closing narrative belongs to nobody
    note="Akoma Ntoso debate: references resolve speakers, question/answer/speech elements",
    paragraphs=(
        _p("half past two o'clock, the Speaker in the Chair", None, None, why="narrative"),
        _p("REPAIR OF THE KANYONI FOOTBRIDGE", None, None, why="the question's heading"),
        _p(
            "when the footbridge at Kanyoni will open again",
            "Oduya",
            QUESTIONER,
            name="Samuel Oduya",
            why="<question by=#…>: the reference's showAs gives the full name",
        ),
        _p("the pupils of two villages walk", "Oduya", QUESTIONER, why="second <p> of the turn"),
        _p(
            "County Executive, you may respond",
            "Amani",
            MODERATOR,
            name="Ruth Amani",
            why="as=#speaker: the chair",
        ),
        _p(
            "found two cracked piers on the eastern bank",
            "Kiprotich",
            OFFICIAL,
            name="Mercy Kiprotich",
            why="<answer>: the County Executive answers",
        ),
        _p("should carry walkers again", "Kiprotich", OFFICIAL, why="second paragraph"),
        _proc("(Applause)", "a narrative stage direction between turns"),
        _p("put handrails on the approach steps", "Oduya", QUESTIONER, why="supplementary"),
        _p("costed at four hundred thousand shillings", "Kiprotich", OFFICIAL, why="short form"),
        _p(
            "quote a figure that the budget committee has never seen",
            "Wekesa",
            frozenset({QUESTIONER, OFFICIAL}),
            why="a point of order: it asks the chair",
        ),
        _p("table the contract documents on Thursday", "Amani", MODERATOR, why="the chair rules"),
        _p("rose at ten minutes to four", None, None, why="closing narrative: nobody's"),
    ),
)

TEI_UTTERANCES = Transcript(
    file="harbour-board-tei-utterances.xml",
    corpus="fixtures",
    date="2026-02-12",  # the sitting (settingDesc), not the publication date
    title_has="Harbour Board",
    furniture=("10:02",),
    note="TEI/ParlaMint: <u who=#id ana=#chair>, listPerson names, kinesic descriptions",
    paragraphs=(
        _p(
            "I give the floor to the harbour master",
            "Voss",
            MODERATOR,
            name="Anneke Voss",
            why="ana=#chair; the listPerson gives forename and surname",
        ),
        _p(
            "raised the bed of the north channel",
            "Okafor",
            OFFICIAL,
            name="Daniel Okafor",
            why="the harbour master reports",
        ),
        _p("wait for high tide before they can leave", "Okafor", OFFICIAL, why="second <seg>"),
        _proc("Murmurs in the gallery", "a kinesic description: nobody says it"),
        _p(
            "How soon could a dredger be hired",
            "Lindqvist",
            QUESTIONER,
            name="Marta Lindqvist",
            why="a board member asks",
        ),
        _p("earliest slot on the dredging contractor", "Okafor", OFFICIAL, why="answer"),
        _p("if not from the mooring fees", "Lindqvist", QUESTIONER, why="follow-up"),
        _p("We move on to the next item", "Voss", MODERATOR, why="the chair moves on"),
    ),
)

FIXTURES: tuple[Transcript, ...] = (
    AKOMA_NTOSO,
    TEI_UTTERANCES,
    GPO_HEARING,
    CENTRAL_BANK,
    FOREIGN_MINISTRY,
    UN_NOON,
    ASSEMBLY,
    INTERVIEW,
    ARTICLE,
)
