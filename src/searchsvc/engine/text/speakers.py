"""Speaker labels, display names and roles: the part of chunking that knows who is talking.

Used by :mod:`searchsvc.engine.text.chunking` (and by the ingest paragraph builder, which must not glue a
turn to the previous line when a hard-wrapped file starts a new turn without a blank line).

Three label shapes are recognised, all at the start of a paragraph:

* an upper-case inline label, ``MS. PSAKI:  Good afternoon…``, ``SENIOR ADMINISTRATION OFFICIAL:``,
  ``THE PRESIDENT:`` — every cased letter upper-case, no digits, at most seven words;
* a question mark label, ``Q``, ``Q:``, ``Q.`` followed by the question (``Q  Thank you, Jen.``);
* a name-like label alone on its own line, ``Xu Nanping:`` / ``Economic Daily:`` — short, every word
  capitalised (particles such as "of"/"de" allowed), no final punctuation before the colon.

Prose that merely contains a colon is not a label: "Photo 1: Chinese staff…" (mixed case and not
alone), "Note: …" (stop word), "Working together against COVID-19: China in Action" (digits, and not
alone on its line), "Science and Technology Minister Wang Zhigang: boosting…" (not upper case).

Display names: ``MS. PSAKI`` → ``Jen Psaki`` when the document names her in full anywhere (title or
text), else ``Psaki``; rank titles are kept when no full name is found (``SECRETARY BLINKEN`` →
``Antony Blinken`` or ``Secretary Blinken``); ``THE PRESIDENT`` → the president the title/text names
(``President Biden`` → ``Joe Biden`` if named in full), else ``The President``. ``Q`` stays ``Q``
(role ``questioner``): the reporter is anonymous in these transcripts, and keeping the label lets a
user facet on "all questions".

Roles: ``questioner`` for Q/reporters/audience members and media outlets (known names such as CGTN,
Xinhua, Reuters, or labels ending in News/Daily/TV/Times/Post/Agency/Press/Radio/…), ``moderator``
for MODERATOR/HOST/OPERATOR labels (and, after the fact, speakers whose turns mostly pass the floor:
see :func:`is_floor_passing`), ``official`` for everyone else.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass


def _words(s: str) -> frozenset[str]:
    """A word list written compactly as one string."""
    return frozenset(s.split())


QUESTIONER = "questioner"
MODERATOR = "moderator"
OFFICIAL = "official"
QUOTED = "quoted"

# --- label shapes -------------------------------------------------------------------------------
# Upper-case inline label: letters, dots, apostrophes, hyphens and spaces, then a colon.
_UPPER_LABEL = re.compile(r"(?P<label>[^\W\d_](?:[^\W\d_]|[.'’\- ]){0,59}?)\s*:(?:\s+|$)")
# Q label: "Q", "Q:", "Q." then the question (or nothing when the label is alone on its line).
_Q_LABEL = re.compile(r"Q(?P<punct>\s*[:.])?(?:\s+|$)")
# A name-like label alone on its line: "Xu Nanping:", "Economic Daily:".
_OWN_LINE_LABEL = re.compile(r"(?P<label>[^\W\d_][^:\n]{0,59}?)\s*:\s*$")
_PARTICLES = _words(
    """of de del della di da dos das du van von der den bin ibn al el la le and & the for y e"""
)
# First words that make a colon-line prose, not a speaker.
_LABEL_STOP = _words("""note notes photo photos picture image video source sources update updated editor editors
    editor's correction caption credit credits warning breaking exclusive watch read listen
    related fact also ps p.s to from re subject date time when where what why how location end
    embargoed contact background summary key highlights example examples content contents table
    figure chart step part chapter section appendix attachment tags tag keywords category
    categories transcript advisory disclaimer copyright file files reference references website
    web email e-mail tel phone fax address first second third finally lastly today yesterday
    tomorrow question answer""")
_LABEL_STOP_PHRASES = frozenset(
    {"for immediate release", "media contact", "press contact", "fact sheet", "as prepared"}
)
_QUESTION_LABELS = frozenset({"q", "question", "questioner", "reporter", "journalist", "press"})

# --- names --------------------------------------------------------------------------------------
_HONORIFICS = _words("""mr ms mrs miss mx dr sir dame madam madame mme m hon rev""")
# Rank words that may precede a surname in an upper-case label ("ACTING ADMINISTRATOR SLAVITT").
_RANKS = _words("""president vice prime minister deputy secretary administrator acting director ambassador
    senator governor mayor chair chairman chairwoman chairperson surgeon general admiral colonel
    lieutenant captain commander sergeant major representative congresswoman congressman
    congressmember councilmember councilman councilwoman speaker leader majority minority first
    lady second gentleman attorney commissioner chief chancellor king queen prince princess pope
    judge justice sheriff reverend father sister brother rabbi imam bishop cardinal lord
    baroness premier spokesperson spokesman spokeswoman press assistant special envoy adviser
    advisor counselor counsellor coordinator undersecretary under state foreign defense defence
    national security economic senior administration official officials white house staff member
    members chief-of-staff crown emir sultan sheikh his her excellency honorable honourable
    former lieutenant-governor governor-elect president-elect the""")
_NAME_STOP = (
    _RANKS
    | _HONORIFICS
    | _words("""and said says by with as at in on of for to from but so if when while after before
        thanks thank welcome hello hi dear yes no okay ok well good today also doctors doctor
        drs blame vote elect support reelect folks everyone everybody god america american
        americans team our my your their his her its""")
)
_ROLE_WORDS = frozenset(
    {"moderator", "host", "operator", "emcee", "mc", "facilitator", "presenter"}
)
_ROLE_PHRASES = frozenset({"master of ceremonies", "co-host", "cohost"})
_AUDIENCE = _words("""audience participant participants child children student students crowd attendee attendees
    voice voices""")
# Labels that name a function, not a person: title-cased as they are ("Audience Member").
_GENERIC = (
    _AUDIENCE
    | _ROLE_WORDS
    | _words("""aide aides staff interpreter translator narrator announcer all both unidentified unknown
        member members guest guests panelist panelists speaker speakers crowd group multiple
        several person man woman boy girl kid kids attendee volunteer worker""")
)

# --- media outlets ------------------------------------------------------------------------------
_OUTLET_SUFFIX = re.compile(
    r"(?:\b(?:news|daily|tv|television|times|post|agency|press|radio|journal|network|service|"
    r"broadcasting|broadcast|channel|media|herald|tribune|gazette|weekly|magazine|online|"
    r"newspaper|wire|chronicle|observer|correspondent|reporter|journalist|review|report|"
    r"telegraph|guardian|economist|bulletin|newsweek|monitor|express|mail|star|globe|sun)|"
    r"\.(?:com|cn|org|net|co\.uk))$",
    re.IGNORECASE,
)
_OUTLET_WORD = re.compile(r"\b(?:reporter|journalist|correspondent|press corps)\b", re.IGNORECASE)
_OUTLETS = _words("""cgtn cctv cri xinhua reuters ap afp bloomberg cnn bbc nhk kyodo yonhap tass sputnik efe ansa
    dpa nbc cbs abc fox npr pbs msnbc cnbc caixin phoenix politico axios ria al jazeera
    aljazeera bernama antara rtl zdf ard tvb rthk""")
_OUTLET_NAMES = frozenset(
    {
        "the paper",
        "global times",
        "people's daily",
        "china daily",
        "economic daily",
        "guangming daily",
        "al jazeera",
        "associated press",
        "agence france-presse",
        "financial times",
        "new york times",
        "washington post",
        "wall street journal",
        "fox news",
        "voice of america",
        "phoenix tv",
        "china news service",
        "hong kong commercial daily",
        "ria novosti",
    }
)

# --- floor passing (moderator detection) --------------------------------------------------------
_FLOOR = re.compile(
    r"\b(?:the floor is (?:now )?open|next question|we(?:['’]re| are) joined (?:today )?by|"
    r"(?:first|next|last|final) question (?:goes to|comes from|is from|please|will go to)|"
    r"(?:this|that) concludes|press conference is (?:over|concluded)|"
    r"let['’]?s (?:welcome|invite|give the floor)|"
    r"i(?:['’]d| would) like to (?:introduce|invite|give the floor)|we have invited|"
    r"welcome to (?:the|today['’]?s|this) (?:press conference|briefing|call|event)|"
    r"(?:please )?(?:identify|introduce) (?:yourself|your (?:name|outlet|media|organi[sz]ation))|"
    r"raise your hands?|time for (?:one|two|a few) more|open (?:it )?up for questions|"
    r"take (?:your |some )?questions)\b"
)
_FLOOR_KEYS = (
    "floor",
    "question",
    "joined",
    "conclude",
    "welcome",
    "introduc",
    "invite",
    "identify",
    "raise your",
    "time for",
    "let",
    "conference",
)
_SHORT_PASS = re.compile(
    r"^(?:(?:ok(?:ay)?|yes|yeah|sure|all right|alright|great|thanks?|thank you|good)[,.!]?\s*)*"
    r"(?:go ahead|next|please|[^\W\d_][\w .'’&-]{0,40},? (?:please|go ahead)|"
    r"(?:the )?(?:gentleman|lady|woman|man) (?:in|on|at) (?:the )?[\w ]{1,30})[.!]?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Label:
    """A speaker label found at the start of a paragraph."""

    raw: str  # the label as written, e.g. "MS. PSAKI", "Xu Nanping", "Q"
    end: int  # offset (into the paragraph) where the turn's own text starts
    own_line: bool  # True when the paragraph holds nothing but the label


def _is_upper_label(label: str) -> bool:
    if label != label.upper() or not any(c.isalpha() for c in label):
        return False
    words = label.replace(".", ". ").split()
    if not 1 <= len(words) <= 7:
        return False
    first = words[0].rstrip(".").lower()
    if first in _LABEL_STOP or label.lower() in _LABEL_STOP_PHRASES:
        return False
    if len(label) == 1:  # "A:" in Q&A-style text is too ambiguous; "Q" has its own pattern
        return False
    return not (len(words) == 1 and len(label) <= 2 and label not in ("MC",))


def _is_name_like(label: str) -> bool:
    words = label.split()
    if not 1 <= len(words) <= 6 or len(label) > 50:
        return False
    if any(c.isdigit() for c in label) or label[-1] in ".,;!?)\"'”’":
        return False
    if words[0].lower().rstrip(".'’s") in _LABEL_STOP or label.lower() in _LABEL_STOP_PHRASES:
        return False
    for w in words:
        if w.lower() in _PARTICLES:
            continue
        if not (w[0].isupper() or (w[0] in "(“\"'" and len(w) > 1 and w[1].isupper())):
            return False
    return True


def find_label(paragraph: str) -> Label | None:
    """The speaker label at the start of ``paragraph`` (one cleaned paragraph), or None."""
    if not paragraph:
        return None
    c = paragraph[0]
    if c == "Q":
        m = _Q_LABEL.match(paragraph)
        if m:
            rest = paragraph[m.end() :]
            # "Q fever is…" is prose; "Q Thank you" / "Q: so…" / "Q — and" are questions.
            if m.group("punct") or not rest or not rest[0].islower():
                return Label("Q", m.end(), not rest)
    if not c.isalpha() or not c.isupper():
        return None
    # An upper-case label's second character is never lower case: most prose stops here.
    m = None if len(paragraph) > 1 and paragraph[1].islower() else _UPPER_LABEL.match(paragraph)
    if m:
        label = " ".join(m.group("label").split())
        if _is_upper_label(label):
            return Label(label, m.end(), m.end() >= len(paragraph))
    if len(paragraph) <= 62 and paragraph.endswith(":"):
        m = _OWN_LINE_LABEL.match(paragraph)
        if m:
            label = " ".join(m.group("label").split())
            if _is_name_like(label):
                return Label(label, len(paragraph), True)
    return None


def starts_with_inline_label(line: str) -> bool:
    """Cheap test used while joining hard-wrapped lines: does this line open a new turn?"""
    lab = find_label(line)
    return lab is not None and (not lab.own_line or lab.raw == "Q" or lab.raw.isupper())


# --- display names ------------------------------------------------------------------------------
_WORD_RE = re.compile(r"[^\W\d_]+(?:[’'\-][^\W\d_]+)*")
_CAPWORD = r"[^\W\d_][^\W\d_’'\-]*"
_UPPERWORD = r"[A-ZÀ-ÖØ-ÞĀ-ſ][^\W\d_’'\-]*(?:[’'\-][^\W\d_]+)*"
_POSSESSIVE = re.compile(r"[’']s$")
# Title-case words that end a name in a headline: "President Biden Before Marine One Departure".
_TITLE_FUNCTION = _words(
    """before after at on in to for with during and of the a an upon from by into about over
    ahead following prior via vs versus as remarks statement meeting signing call event
    roundtable reception dinner luncheon visit trip tour press conference briefing interview"""
)
# Words before a surname occurrence: up to two capitalised given names (and an initial).
_GIVEN_BEFORE = re.compile(
    rf"(?P<given>(?:{_CAPWORD}\s+)?{_CAPWORD})(?:\s+[A-Z]\.)?\s+$",
)


def smart_title(word: str) -> str:
    """``JEAN-PIERRE`` → ``Jean-Pierre``, ``O’CONNELL`` → ``O’Connell``, ``MCDONOUGH`` → ``Mcdonough``."""
    out = []
    for part in re.split(r"([\-’' ])", word.lower()):
        if len(part) == 1 and part in "-’' ":
            out.append(part)
        elif part:
            out.append(part[0].upper() + part[1:])
    s = "".join(out)
    # Irish/Scots apostrophe names keep the capital after the apostrophe; "’s" does not.
    return re.sub(r"([’'])S\b", r"\1s", s)


class NameResolver:
    """Turns raw labels into display names using the document's own text for full names.

    One resolver per document; results are cached per label, so the text is scanned at most once
    per distinct label (a briefing has a handful), keeping chunking linear in the document size.
    """

    def __init__(self, title: str, text: str):
        self.title = title or ""
        self.text = text
        self._cache: dict[str, str] = {}
        self._lower: dict[int, str] = {}

    # Occurrences of a surname in title/text, most useful first (the title names people in full).
    def _occurrences(self, surname: str) -> Iterator[tuple[str, int, int]]:
        """(source, start, end) of each whole-word, case-insensitive occurrence of ``surname``.

        Uses ``str.find`` on a lower-cased copy (a C-speed scan; a case-insensitive regex walks
        every position in Python's engine) unless lower-casing changes the text's length.
        """
        needle = surname.lower()
        for source in (self.title, self.text):
            low = self._lower.get(id(source))
            if low is None:
                low = self._lower[id(source)] = source.lower()
            if len(low) != len(source):
                pat = re.compile(rf"(?<![^\W\d_]){re.escape(surname)}(?![^\W\d_])", re.I)
                for m in pat.finditer(source):
                    yield source, m.start(), m.end()
                continue
            i = low.find(needle)
            while i >= 0:
                j = i + len(needle)
                if (i == 0 or not low[i - 1].isalpha()) and (j >= len(low) or not low[j].isalpha()):
                    yield source, i, j
                i = low.find(needle, j)

    def full_name(self, surname: str, given_too: bool = True) -> tuple[str | None, str]:
        """(given names or None, surname as the text spells it) for an upper-case surname."""
        given: Counter[str] = Counter()
        spelled = None
        prose = 0
        for source, start, end in self._occurrences(surname):
            found = source[start:end]
            if found.isupper() and len(found) > 1:
                continue  # another label, not prose
            if source is self.text and given and given.most_common(1)[0][1] >= 3:
                break  # the title named them; no need to read the whole text
            spelled = spelled or found
            if not given_too:
                break
            before = source[max(0, start - 40) : start]
            g = _GIVEN_BEFORE.search(before)
            if g:
                words = g.group("given").split()
                while words and (words[0].lower().rstrip(".") in _NAME_STOP or words[0].isupper()):
                    words = words[1:]
                if words and all(w[0].isupper() and w.lower() not in _NAME_STOP for w in words):
                    given[" ".join(words[-1:])] += 3 if source is self.title else 1
            prose += 1
            if prose > 60:
                break
        surname_display = spelled or " ".join(smart_title(w) for w in surname.split())
        if given:
            return given.most_common(1)[0][0], surname_display
        return None, surname_display

    def _named(self, rank: str) -> str | None:
        """For ``THE PRESIDENT``: the surname that follows "President" in the title or text.

        Takes the run of capitalised words after the rank ("First Lady Jill Biden at…" → Jill
        Biden) up to a lower-case or function word ("President Biden Before Marine One" → Biden)
        and returns its last word; the title wins over the text, then the most frequent.
        """
        pat = re.compile(
            rf"(?<!Vice )(?<!Former )(?<!former )(?<!Deputy )\b{re.escape(rank)}\s+"
            rf"((?:{_UPPERWORD}\s+){{0,2}}{_UPPERWORD})"
        )
        for source in (self.title, self.text):
            names: Counter[str] = Counter()
            for m in pat.finditer(source):
                words = []
                for w in m.group(1).split():
                    wl = w.lower()
                    if (
                        wl in _TITLE_FUNCTION
                        or wl in _NAME_STOP
                        or (len(w) >= 5 and wl.endswith("ing"))
                    ):
                        break
                    words.append(_POSSESSIVE.sub("", w))
                if words and not words[-1].isupper():
                    names[words[-1]] += 1
            if names:
                return names.most_common(1)[0][0]
        return None

    def display(self, raw: str) -> str:
        if raw in self._cache:
            return self._cache[raw]
        name = self._display(raw)
        self._cache[raw] = name
        return name

    def _display(self, raw: str) -> str:
        if raw == "Q" or raw.lower() in _QUESTION_LABELS:
            return "Q"
        if raw != raw.upper():
            return raw  # written as a name already: "Xu Nanping", "Economic Daily"
        words = raw.replace(".", ". ").split()
        if len(words) == 1 and len(raw) <= 4 and raw.lower() not in _GENERIC | _RANKS:
            return raw  # an acronym: "CGTN", "NHK", "AFP"
        article = words[0] == "THE"
        if article:
            words = words[1:]
        if not words:
            return smart_title(raw)
        if all(w.rstrip(".").lower() in (_GENERIC | _RANKS | _HONORIFICS) for w in words):
            rank_display = " ".join(smart_title(w) for w in words)
            if article and not any(w.lower() in _GENERIC for w in words):
                # THE PRESIDENT → President Biden, as the title or text names him
                surname = self._named(rank_display)
                if surname:
                    return f"{rank_display} {surname}"
                return "The " + rank_display
            return ("The " if article else "") + rank_display
        ranks: list[str] = []
        honorific = False
        while len(words) > 1 and (
            words[0].rstrip(".").lower() in (_RANKS | _HONORIFICS)
            or (ranks and words[0].lower() in ("of", "for", "and"))
        ):
            w = words.pop(0)
            if w.rstrip(".").lower() in _HONORIFICS:
                honorific = True
            else:
                ranks.append(w)
        surname = " ".join(words)
        if ranks and not honorific:
            # A rank is part of how these people are named: "Secretary Blinken", "President Biden".
            _, spelled = self.full_name(surname, given_too=False)
            return " ".join(smart_title(w) for w in ranks) + " " + spelled
        given, spelled = self.full_name(surname)
        return f"{given} {spelled}" if given else spelled


_TITLE_SPEAKER = re.compile(
    r"^(?:Excerpts? (?:of|from) )?(?:Remarks|Statement|Address|Speech|Keynote)"
    r"(?: as Prepared for Delivery)? (?:by|of|from) (?P<who>.+?)"
    r"(?=\s+(?:at|on|to|in|for|before|after|during|with|and|as|upon|ahead|following)\b|"
    r"\s*[,:;(]|\s+[–—-]\s|$)",
    re.IGNORECASE,
)
_HEAD_OF_STATE = ("vice president", "first lady", "second gentleman", "president")


def speaker_from_title(title: str) -> str | None:
    """The one speaker of a speech from its title: "Remarks as Prepared for Delivery by First Lady
    Jill Biden at …" → "First Lady Biden" (named like the THE FIRST LADY label);
    "Remarks by NEC Director Lael Brainard on …" → "Lael Brainard"."""
    m = _TITLE_SPEAKER.match(title or "")
    if not m:
        return None
    words = m.group("who").replace(".", ". ").split()
    ranks: list[str] = []
    while len(words) > 1 and (
        words[0].rstrip(".").lower() in (_RANKS | _HONORIFICS) or words[0].isupper()
    ):
        ranks.append(words.pop(0))
    if not words or not all(w[0].isupper() for w in words) or len(words) > 4:
        return None
    rank = " ".join(r for r in ranks if r.rstrip(".").lower() not in _HONORIFICS).lower()
    for head in _HEAD_OF_STATE:
        if rank == head or rank.endswith(" " + head):
            return f"{smart_title(head)} {_POSSESSIVE.sub('', words[-1])}"
    return " ".join(words)


def has_rank(display: str) -> bool:
    """Does a display name start with a rank ("President Biden", "Secretary Blinken")?"""
    first = display.split(" ", 1)[0].lower()
    return first in _RANKS and first != "the"


# --- roles --------------------------------------------------------------------------------------
def role_for(raw: str, display: str) -> str:
    """The role a label implies on its own (moderator-by-behaviour is decided later)."""
    low = raw.lower().rstrip(".")
    if raw == "Q" or low in _QUESTION_LABELS:
        return QUESTIONER
    words = [w.strip(".") for w in low.split()]
    if low in _ROLE_PHRASES or (words and words[-1] in _ROLE_WORDS and len(words) <= 2):
        return MODERATOR
    if words and (words[0] in _AUDIENCE or words[-1] in _AUDIENCE):
        return QUESTIONER
    dlow = display.lower()
    if dlow in _OUTLET_NAMES or low in _OUTLET_NAMES:
        return QUESTIONER
    if any(w in _OUTLETS for w in words) and len(words) <= 4:
        return QUESTIONER
    if _OUTLET_WORD.search(low):
        return QUESTIONER
    # "Xinhua News Agency", "Phoenix TV" — but not a person whose surname is Post or Sun.
    if (
        words
        and words[0] not in _HONORIFICS
        and words[0] not in _RANKS
        and _OUTLET_SUFFIX.search(low)
    ):
        return QUESTIONER
    return OFFICIAL


def is_floor_passing(turn_text: str) -> bool:
    """True when a turn opens the event or hands the floor on ("CGTN, please.", "Next question")."""
    s = turn_text.strip()
    if len(s) <= 80 and _SHORT_PASS.match(s):
        return True
    head = s[:600].lower()
    # cheap keyword gate: every _FLOOR alternative contains one of these
    if not any(k in head for k in _FLOOR_KEYS):
        return False
    return bool(_FLOOR.search(head))


# --- quotes in prose ----------------------------------------------------------------------------
_NAME_SEQ = r"(?:[A-Z][\w’'\-]+|[A-Z]\.)(?:\s+(?:[A-Z][\w’'\-]+|[A-Z]\.)){0,3}"
_VERBS = (
    r"(?:said|says|explained|explains|added|adds|noted|notes|stressed|stresses|emphasi[sz]ed|"
    r"pointed out|points out|told [\w ]{1,30}?|asked|asks|stated|states|remarked|recalled|"
    r"insisted|argued|warned|observed|continued|concluded|replied|responded|commented|wrote)"
)
# ',” explained Xu Nanping'  /  '," said Xu'
_QUOTE_VERB_NAME = re.compile(rf"[,.?!…][\"”’']?\s+{_VERBS}\s+(?P<name>{_NAME_SEQ})")
# '," Xu Nanping said'  /  'Xu also pointed out, "Every day'
_QUOTE_NAME_VERB = re.compile(
    rf"(?:[\"”’']\s+|^)(?P<name>{_NAME_SEQ})(?:\s+(?:also|further|then|later|again))?\s+"
    rf"{_VERBS}\b"
)
_ACCORDING = re.compile(rf"\baccording to (?P<name>{_NAME_SEQ})")
_QUOTE_MARK = re.compile(r"[\"“”]")
_NOT_NAMES = _words("""he she it they we i you this that these those there the a an his her its their our however
    but and so then meanwhile also in on at for as when while after before one some many most
    officials experts""")


def _clean_quoted_name(name: str) -> str | None:
    words = name.split()
    while words and (words[0].lower().rstrip(".") in (_RANKS | _HONORIFICS)):
        words = words[1:]
    if not words or words[0].lower() in _NOT_NAMES:
        return None
    return " ".join(words)


def quoted_speaker(paragraph: str) -> str | None:
    """Who a prose paragraph quotes ("…," explained Xu Nanping → "Xu Nanping"), or None."""
    has_quote = _QUOTE_MARK.search(paragraph) is not None
    if has_quote:
        for pat in (_QUOTE_VERB_NAME, _QUOTE_NAME_VERB):
            m = pat.search(paragraph)
            if m:
                name = _clean_quoted_name(m.group("name"))
                if name:
                    return name
    m = _ACCORDING.search(paragraph)
    if m:
        return _clean_quoted_name(m.group("name"))
    return None
