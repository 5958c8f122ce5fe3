"""Speaker labels by shape, confirmed by recurrence: the two passes every label style goes through.

**Pass 1** (:func:`read_label`) looks at the start of one paragraph (or one printed line) and
returns a :class:`Label` *candidate* with its shape, or None. It skips what may precede a label —
time codes (``[00:12:28]``, ``00:02:28.168``, ``(10.00 am)``), a question number (``1.``), a
caption speaker-change mark (``>>``), Markdown/RST emphasis (``**Name:**``, ``**Name**:``) — and
knows these shapes:

========== ====================================================== ==============================
shape      examples                                               strong on its own?
========== ====================================================== ==============================
``q``      ``Q``, ``Q:``, ``Q.``                                  yes
``upper``  ``MS. PSAKI:``, ``THE COURT:``, ``CHIEF JUSTICE X:``   with a rank, honorific or role
``office`` ``The Speaker (Hon. Dave Levac):``, ``The Cabinet       yes
           Secretary for Water (Mr John Doe):``
``member`` ``Mr David Hanson (Delyn) (Lab):``, ``Hon. Jane Doe     yes
           (Ward, Party):``
``titled`` ``Mr Hague:``, ``Hon. Deborah Matthews:``,             yes
           ``Lady Hallett:``
``name``   ``Wang Wei:``, ``Jerod Santo:``, ``Lead 2A:``          no: must recur
``code``   ``CC:``, ``P:``, ``AB`` (no colon), ``A.``              no: must recur
``period`` ``CHAIR JONES.``, ``Mr. Brown.``, ``Chairman Smith.``,  only with company (below)
           ``Mr. Lee of Ohio.``
========== ====================================================== ==============================

**Pass 2** (:class:`LabelSet`) decides over the whole document which candidates are labels:
strong ones always; the others when the same label recurs at two or more paragraph starts, or
when their shape is the document's style (a ``name`` label among three or more accepted
mixed-case labels). Period labels need company: the style must occur three times, or one such
label twice. One-off look-alikes ("Note: …", "Key findings:", a dateline "WASHINGTON:") stay
prose. Shapes that only pseudo-speakers wear (``AUDIO DESCRIPTION:``, ``Break:``,
``Transcriber's note:``) are accepted as *pseudo* labels: they end a turn and speak for nobody.

Adding a label style is adding one shape to :func:`read_label` and saying whether it is strong.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import NamedTuple

from .wordlist import words as _words

HONORIFICS = _words("""mr mrs ms miss mx dr sir dame madam madame mme m hon rev prof lady lord
    the rt right honourable honorable excellency his her""")
# Offices and ranks that name a speaker with or without a surname.
RANKS = _words("""president vice prime minister deputy secretary administrator acting director
    ambassador senator sen governor gov mayor chair chairman chairwoman chairperson surgeon general
    gen admiral colonel lieutenant captain commander sergeant major representative rep
    congresswoman congressman congressmember councilmember councilman councilwoman councillor
    councilor speaker leader majority minority first lady second gentleman attorney commissioner
    chief chancellor king queen prince princess pope judge justice sheriff reverend father sister
    brother rabbi imam bishop cardinal baroness baron premier spokesperson spokesman spokeswoman
    press assistant special envoy adviser advisor counselor counsellor coordinator
    undersecretary under state foreign defense defence national security economic senior
    administration official officials white house staff member members crown emir sultan sheikh
    former president-elect governor-elect presiding officer clerk witness court interpreter
    moderator host operator commissioner inspector detective officer agent professor doctor""")
# Labels that name a function of the event, not a person.
ROLE_WORDS = _words("""moderator host co-host cohost operator emcee mc facilitator presenter
    chair chairman chairwoman chairperson speaker clerk court interpreter witness aide aides staff
    translator narrator announcer guest guests panelist panelists participant spokesperson
    spokesman spokeswoman interviewer interviewee""")
AUDIENCE = _words("""audience participant participants child children student students crowd
    attendee attendees voice voices member members reporter journalist questioner""")
# Labels a transcript uses for what happens, not for who speaks.
PSEUDO = _words("""description audio video break note notes music applause laughter crosstalk
    inaudible intermission recess pause silence sound advertisement ad sponsor commercial
    transcriber transcriber's editor's narration caption captions end""")
# First words that make a colon-line prose, not a speaker.
STOP = _words("""note notes photo photos picture image video source sources update updated editor
    editors correction caption credit credits warning breaking exclusive watch read listen related
    fact also ps p.s to from re subject date time when where what why how location embargoed
    contact background summary key highlights example examples content contents table figure
    chart step part chapter section appendix attachment tags tag keywords category categories
    transcript advisory disclaimer copyright file files reference references website web email
    e-mail tel phone fax address first second third finally lastly today yesterday tomorrow
    question answer appearances petitioners respondents present absent agenda item items
    subject topic re: bottom top here there this that these those it its my our your one two""")
_STOP_PHRASES = frozenset(
    {"for immediate release", "media contact", "press contact", "fact sheet", "as prepared"}
)
_PARTICLES = _words("""of de del della di da dos das du van von der den bin ibn al el la le and &
    the for y e upon on""")
# Upper-case words that are not speaker codes even when they open many paragraphs.
_NOT_CODES = _words("""I A OK US UK EU UN TV AI CEO AM PM II III IV VI NO ON IN IT IS AT OF TO BY
    AN AS OR IF SO DO GO HE WE ME MY BE UP END""")

# --- what may precede a label --------------------------------------------------------------------
_TIME = r"-?\d{1,2}(?::\d{2}){1,3}(?:[.,]\d{1,3})?"
_PREFIX = re.compile(
    rf"""(?:\\?\[\s*{_TIME}\s*\\?\]           # [00:12:28], \\[04:20\\]
        |\(\s*\d{{1,2}}[.:]\d{{2}}\s*(?:[ap]\.?\s?m\.?)?\s*\)  # (10.00 am), (10:12 a.m.)
        |{_TIME}(?=\s)                         # 00:02:28.168, 10:42
        |!?>>                                  # caption speaker change
        |\d{{1,3}}\.(?=\s+[A-Z])               # question number "1. Mr David Hanson"
        |[—–]                                  # a Hansard turn's opening dash
        )\s*""",
    re.VERBOSE,
)
_FIRST_WORD = re.compile(r"[^\W\d_]+")
_MARK = re.compile(r"\s*!?>>")
_OPEN_MARKUP = re.compile(r"(?:\*\*|__|\*|_)(?=\S)")
# The label body up to its colon, with the closing emphasis on either side of the colon.
_COLON = re.compile(
    r"(?P<body>[^\W\d_][^:\n]{0,119}?)(?P<close>\*\*|__|\*)?\s*:(?P<close2>\*\*|__|\*)?(?=\s|$)"
)
_PERIOD = re.compile(
    r"""(?P<body>(?:(?:Mr|Mrs|Ms|Dr|Hon|Sen|Rep|Gen|Gov|St|Prof|MR|MRS|MS|DR|HON|SEN|REP)\.\s+)?
        [A-Z][\w'’\-]*(?:\s+(?:[A-Z][\w'’\-]*|[A-Z]\.|of|de|van|von|the|la|le)){0,5})
        (?P<close>\*\*|__)?\.(?P<close2>\*\*|__)?\s+(?=["“(\[]?[A-Z0-9])""",
    re.VERBOSE,
)
_CODE = re.compile(r"(?P<body>[A-Z]{1,4})(?:\s*[:.])?(?:\s+(?=[\"“(\[]?[A-Z0-9])|\s*$)")
_UPPER_WORD = re.compile(r"[A-Z][A-Z'’\-]+\b")
_Q = re.compile(r"Q(?P<punct>\s*[:.])?(?:\s+|$)")
_BRACKETS = re.compile(r"\s*\(([^()]*)\)")
_NAME_WORD = re.compile(r"^[\"“(]?[^\W\d_][\w'’.\-]*[)\"”]?$")
_ALNUM_WORD = re.compile(r"^\d+[A-Za-z]?$|^[A-Za-z]\d+$|^\d?[A-Z]{1,2}\d*$")


class Label(NamedTuple):
    """A speaker label (or a candidate for one) at the start of a paragraph or line.

    ``raw`` is the label as written without markup, prefix and final colon or period
    ("MS. PSAKI", "Mr David Hanson (Delyn) (Lab)", "CC"); ``end`` the offset where the turn's own
    text starts; ``own_line`` is True when nothing follows the label.

    Immutable, and a named tuple rather than a frozen dataclass: a candidate is made for every
    paragraph and printed line that may open a turn, and a tuple is built several times faster.
    """

    raw: str
    end: int
    own_line: bool
    shape: str = "upper"
    strong: bool = False
    pseudo: bool = False
    start: int = 0  # offset of the label itself, after any time code or number
    colon: bool = True

    @property
    def key(self) -> str:
        return self.raw.casefold()


def _outside_brackets(body: str) -> tuple[str, list[str]]:
    inner = _BRACKETS.findall(body)
    return _BRACKETS.sub("", body).strip(), inner


def _is_upper(s: str) -> bool:
    return any(c.isalpha() for c in s) and s == s.upper()


def _plain(word: str) -> str:
    return word.strip(".,'’\"“”()").lower()


@functools.lru_cache(maxsize=8192)
def _classify_colon(body: str) -> tuple[str, bool, bool] | None:
    """(shape, strong, pseudo) of a colon label's body, or None when it is prose."""
    body = " ".join(body.split())
    if not body or body[-1] in ",;!?-–—":
        return None
    outer, inner = _outside_brackets(body)
    if not outer or "(" in outer or ")" in outer:
        return None
    words = outer.replace(".", ". ").split()
    most_words, most_chars = (13, 100) if inner else (9, 70)
    if not 1 <= len(words) <= most_words or len(outer) > most_chars:
        return None
    first = _plain(words[0])
    low = outer.lower()
    plain_words = [_plain(w) for w in words]
    if (
        first not in STOP
        and all(w in PSEUDO or w in _PARTICLES for w in plain_words)
        and any(w in PSEUDO for w in plain_words)
    ):
        return "pseudo", True, True
    if outer == "Q" or low in ("question", "questioner"):
        return "q", True, False
    if first in STOP or low in _STOP_PHRASES:
        return None
    if plain_words[-1] in _PARTICLES:
        return None  # "DEPARTMENT OF HEALTH AND :" is a caption's fragment
    digits = [w for w in words if any(c.isdigit() for c in w)]
    if digits and not (len(digits) == 1 and _ALNUM_WORD.match(words[-1])):
        return None  # "Photo 1", "COVID-19" — but "Lead 2A", "Speaker 1" may be aliases
    if _is_upper(outer) and not inner:
        letters = outer.replace(".", "").replace(" ", "")
        titled = any(
            w in RANKS or w in HONORIFICS or w in ROLE_WORDS or w in AUDIENCE for w in plain_words
        )
        if len(words) == 1 and len(letters) <= 4 and letters.isalpha() and not titled:
            if outer in _NOT_CODES:
                return None
            return "code", outer == "MC", False
        return "upper", titled or len(words) >= 2, False
    # Mixed case: every word capitalised (particles and alias numbers allowed).
    for w in words:
        if _plain(w) in _PARTICLES or _ALNUM_WORD.match(w):
            continue
        if not _NAME_WORD.match(w) or not w.lstrip('"“(')[:1].isupper():
            return None
    if inner:
        if low.startswith("the ") and inner:
            return "office", True, False
        return "member", True, False
    if first == "the":
        titled = any(w in RANKS or w in ROLE_WORDS for w in plain_words[1:])
        return ("titled", True, False) if titled else ("name", False, False)
    if first in HONORIFICS or first in RANKS:
        return "titled", len(words) >= 2 or first in ROLE_WORDS, False
    if len(words) > 5:
        return None
    return "name", False, False


@functools.lru_cache(maxsize=8192)
def _classify_period(body: str) -> tuple[str, bool] | None:
    words = body.replace(".", ". ").split()
    if not 1 <= len(words) <= 7 or len(words[-1].strip(".")) < 2:
        return None  # "ORAL ARGUMENT OF DONALD B." ends in an initial: a heading runs on
    plain_words = [_plain(w) for w in words]
    first = plain_words[0]
    if first in STOP:
        return None
    if _is_upper(body):
        if len(words) < 2 or len(words) > 5:
            return None
        return "period", True
    if first not in HONORIFICS and first not in RANKS:
        return None
    if len(words) < 2 and first not in ROLE_WORDS:
        return None
    return "period", True


def _prefix_end(s: str) -> int:
    pos = 0
    for _ in range(4):
        m = _PREFIX.match(s, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    return pos


def read_label(paragraph: str) -> Label | None:
    """Pass 1: the label candidate at the start of ``paragraph`` (one paragraph or line), or None."""
    if not paragraph:
        return None
    s = paragraph
    start = 0 if s[0].isalpha() else _prefix_end(s)
    pos = start
    m = _OPEN_MARKUP.match(s, pos) if s[pos : pos + 1] in ("*", "_") else None
    marked = m is not None
    if m:
        pos = m.end()
    if pos >= len(s):
        return None
    # ">> good morning": a caption's change of speaker, with no name
    anonymous = None
    if ">" in s[:3] and _MARK.match(s):
        anonymous = Label("", pos, False, "mark", True, False, 0, False)
    c = s[pos]
    if c == "Q":
        m = _Q.match(s, pos)
        if m:
            rest = s[m.end() :]
            # "Q fever is…" is prose; "Q Thank you" / "Q: so…" / "Q — and" are questions.
            if m.group("punct") or not rest or not rest[0].islower():
                return Label("Q", m.end(), not rest, "q", True, False, start)
    if not c.isalpha() or not c.isupper():
        return anonymous
    m = _COLON.match(s, pos) if ":" in s[pos : pos + 125] else None
    if m:
        got = _classify_colon(m.group("body"))
        if got is not None:
            shape, strong, pseudo = got
            raw = " ".join(m.group("body").split())
            if marked and (m.group("close") or m.group("close2")):
                strong = strong or shape in ("name", "titled", "code")
            end = m.end()
            while end < len(s) and s[end].isspace():
                end += 1
            return Label(raw, end, end >= len(s), shape, strong, pseudo, start)
    first = _FIRST_WORD.match(s, pos)
    word = first.group(0) if first else ""
    titled = word.isupper() or word.lower() in HONORIFICS or word.lower() in RANKS
    m = _PERIOD.match(s, pos) if titled and "." in s[pos : pos + 80] else None
    if m:
        got = _classify_period(m.group("body"))
        if got is not None:
            raw = " ".join(m.group("body").split())
            return Label(raw, m.end(), False, "period", False, False, start, False)
    m = _CODE.match(s, pos) if len(word) <= 4 and word.isupper() else None
    if m and m.group("body") not in _NOT_CODES:
        raw = m.group("body")
        end = m.end()
        if _UPPER_WORD.match(s, end):
            return anonymous  # "ORAL ARGUMENT OF …": a heading in capitals, not a code
        return Label(raw, end, end >= len(s.rstrip()), "code", False, False, start, False)
    return anonymous


def find_label(paragraph: str) -> Label | None:
    """A label that needs no company: a strong candidate at the start of ``paragraph``.

    For callers that look at one paragraph alone (metadata's "is this a transcript?"). The chunker
    and the paragraph builder use :class:`LabelSet`, which also accepts labels that recur.
    """
    lab = read_label(paragraph)
    if lab is None:
        return None
    if lab.strong or (lab.own_line and lab.shape == "name"):
        return lab
    return None


class LabelSet:
    """Pass 2: which candidates of one document are labels.

    Built from the candidates at every paragraph (or line) start of a document; ``accept`` then
    says whether a candidate is a label there.
    """

    def __init__(
        self,
        candidates: Iterable[Label | None],
        vouch: Callable[[Label], bool] | None = None,
    ):
        cands = [c for c in candidates if c is not None]
        self._vouch = vouch
        self.counts: Counter[str] = Counter(c.key for c in cands)
        shapes: Counter[str] = Counter()
        period_keys: Counter[str] = Counter()
        for c in cands:
            if c.shape == "period":
                period_keys[c.key] += 1
            elif self._alone_ok(c):
                shapes[c.shape] += 1
        self._period_style = sum(period_keys.values()) >= 3 or (
            bool(period_keys) and max(period_keys.values()) >= 2
        )
        mixed = shapes["name"] + shapes["titled"] + shapes["member"] + shapes["office"]
        self._name_style = mixed >= 3
        codes = {c.key for c in cands if c.shape == "code" and self.counts[c.key] >= 2}
        self._code_style = len(codes) >= 2 or any(
            c.shape == "code" and self.counts[c.key] >= 3 for c in cands
        )
        # "Xu Nanping:" alone on its line, followed by the turn: a layout, when it recurs
        self._own_lines = sum(1 for c in cands if c.own_line and c.colon and c.shape != "period")
        self.accepted = set()
        self._surnames: set[str] = set()
        self.accepted = {c.key for c in cands if self.accept(c)}
        # a short form of an accepted label ("Wang Wei" beside "Spokesperson Wang Wei", "Mr
        # Hague" beside "… (Mr William Hague)") is the same speaker's label
        self._surnames = {_surname(k) for k in self.accepted} - {""}
        self.accepted |= {c.key for c in cands if self.accept(c)}

    def _alone_ok(self, c: Label) -> bool:
        if c.shape == "code":
            return False
        return c.strong or self.counts[c.key] >= 2

    def accept(self, c: Label | None) -> Label | None:
        if c is None:
            return None
        if c.pseudo or c.shape == "q":
            return c
        if c.shape == "period":
            return c if self._period_style else None
        if c.shape == "code":
            if c.raw == "A" and "q" not in self.counts:
                return None
            if self._code_style and self.counts[c.key] >= 2:
                return c
            # "CGTN:" alone on its line, among other labels: an outlet's acronym
            return c if c.colon and c.own_line and self._own_lines >= 2 else None
        if c.strong or self.counts[c.key] >= 2:
            return c
        if c.own_line and c.colon and self._own_lines >= 2:
            return c
        if c.shape == "name" and self._name_style:
            return c
        if c.shape in ("name", "titled") and _surname(c.key) in self._surnames:
            return c
        if self.accepted and self._vouch is not None and self._vouch(c):
            return c  # e.g. an outlet naming itself: "Harbor Morning Post:"
        return None

    def __bool__(self) -> bool:
        return bool(self.accepted)


def _surname(key: str) -> str:
    """The last name word of a label key, brackets included: "the minister (alistair burt)" →
    "burt"; "mr david hanson (delyn) (lab)" → "hanson"."""
    inner = _BRACKETS.findall(key)
    outer = _BRACKETS.sub("", key).strip()
    source = inner[0] if inner and outer.startswith("the ") else outer
    words = [w for w in re.split(r"[\s.]+", source) if w]
    return words[-1] if words and len(words[-1]) > 1 else ""


def strong_at_line_start(line: str) -> bool:
    """Cheap test used while joining hard-wrapped lines: does this line open a new turn?

    Every strong label but a period one is a colon label, a ``Q`` or a ``>>`` mark, so a line
    with none of those characters (most lines of prose) opens no turn, read or not."""
    if ":" not in line and "Q" not in line and ">" not in line[:3]:
        return False
    lab = read_label(line)
    return lab is not None and not lab.own_line and lab.strong and lab.shape != "period"
