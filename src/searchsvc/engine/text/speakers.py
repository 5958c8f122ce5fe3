"""Who is talking: display names, roles a label states, quotes in prose, procedure lines.

Label shapes live in :mod:`searchsvc.engine.text.labels` (re-exported here as ``find_label`` for
the readers); turns are built by :mod:`searchsvc.engine.text.chunking` and roles by behaviour in
:mod:`searchsvc.engine.text.roles`.

Display names come from the document itself: ``MS. PSAKI`` → ``Jen Psaki`` when the text names
her in full, else ``Psaki``; ``SECRETARY MAYORKAS`` → ``Alejandro Mayorkas`` when named in full,
else ``Secretary Mayorkas``; heads of state keep the office (``THE PRESIDENT`` → ``President
Biden``); an office with its holder in brackets gives the holder (``The Speaker (Hon. Dave
Levac)`` → ``Dave Levac``), a member label its name (``Mr David Hanson (Delyn) (Lab)`` → ``David
Hanson``); codes take the name the text introduces (``AB`` → ``Alan Brennan`` after "my name is
Alan Brennan"). :func:`merge_short_forms` is the one identity rule: a short form takes the one
full name of the same surname — within a document here, across documents in
:mod:`searchsvc.engine.text.identity`. ``Q`` stays ``Q`` (role ``questioner``): the reporter is
anonymous in these transcripts, and keeping the label lets a user facet on "all questions".

Roles a label states (:func:`label_role`): ``questioner`` for Q, reporters, audience members and
media outlets (known names such as CGTN, Xinhua, Reuters, or names ending in News/Daily/TV/Post/…);
``moderator`` for MODERATOR/HOST/OPERATOR and chairs named by office (THE COURT, The Speaker
(…), a chief or presiding judge); ``questioner`` for a justice or judge on a bench; ``official``
for an office naming its holder and court officers (THE CLERK, THE WITNESS). Everyone else is
decided by behaviour.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from .labels import Label, find_label, strong_at_line_start
from .wordlist import words as _words

__all__ = ["Label", "find_label", "starts_with_inline_label"]
starts_with_inline_label = strong_at_line_start


QUESTIONER = "questioner"
MODERATOR = "moderator"
OFFICIAL = "official"
QUOTED = "quoted"

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
    r"let['’]?s go to |over to you|go ahead,? please|(?:stands|is|are) (?:now )?adjourned|"
    r"(?:you are|is) (?:now )?recogni[sz]ed|"
    r"(?:please )?(?:identify|introduce) (?:yourself|your (?:name|outlet|media|organi[sz]ation))|"
    r"raise your hands?|time for (?:one|two|a few) more|open (?:it )?up for questions|"
    r"take (?:your |some )?questions|(?<!point of )order[,.!]|i (?:now )?recogni[sz]e|recogni[sz]es? the|"
    r"has the (?:call|floor)|you have the floor|(?:new|next|final) (?:question|speaker)|"
    r"supplementary\?|come to order|call(?:s)? (?:upon|on) |the (?:hon\.|honourable) member for|"
    r"you may (?:proceed|begin|continue)|please (?:proceed|continue|be seated)|"
    r"we will (?:now )?(?:hear|begin|move|take)|let(?:['’]s| us) (?:move|begin|turn)|"
    r"thank you,? (?:counsel|mr\.? \w+|ms\.? \w+|madam \w+|minister|member)[.!]$)"
)
_FLOOR_KEYS = (
    "adjourned",
    "go to",
    "over to",
    "go ahead",
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
    "order",
    "recogni",
    "call",
    "floor",
    "supplementary",
    "proceed",
    "continue",
    "we will",
    "thank you",
    "member for",
    "seated",
    "speaker",
)
_BARE_NAME = re.compile(
    r"^(?:(?:Mr|Ms|Mrs|Dr|Madam|Mister|General|Justice|Senator)\.?\s+)?([A-Z][a-z'’\-]+)"
    r"(?:\s+[A-Z][a-z'’\-]+){0,2}[.?!]?$"
)
_REPLIES = _words("""sure yes yeah okay ok thanks thank right good great correct exactly absolutely
    go next please sorry well no hello hi fine true agreed indeed certainly understood roger
    affirmative negative standby over""")
_SHORT_PASS = re.compile(
    r"^(?:(?:ok(?:ay)?|yes|yeah|sure|all right|alright|great|thanks?|thank you|good)[,.!]?\s*)*"
    r"(?:go ahead|next|please|[^\W\d_][\w .'’&-]{0,40},? (?:please|go ahead)|"
    r"(?:the )?(?:gentleman|lady|woman|man) (?:in|on|at) (?:the )?[\w ]{1,30})[.!]?$",
    re.IGNORECASE,
)


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


def _finditer_from(pat: re.Pattern[str], source: str, literal: str) -> Iterator[re.Match[str]]:
    """``pat.finditer(source)`` for a pattern each of whose matches starts with ``literal``: tried
    only where ``str.find`` sees it (a pattern opening with look-behinds is otherwise tried at
    every offset of a whole text)."""
    at = source.find(literal)
    while at >= 0:
        m = pat.match(source, at)
        if m is not None:
            yield m
            at = source.find(literal, m.end())
        else:
            at = source.find(literal, at + 1)


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
        """(given names or None, surname as the text spells it) for a surname.

        Prose spellings win ("Long" over "long"); names in capitals count too when they are not
        labels themselves (an appearances page: "ROBERT A. LONG, ESQ.").
        """
        given: Counter[str] = Counter()
        spelled = None
        prose = 0
        for source, start, end in self._occurrences(surname):
            found = source[start:end]
            upper = found.isupper() and len(found) > 1
            if upper and source[end : end + 2].lstrip()[:1] in (":", "."):
                continue  # another label, not prose
            if source is self.text and given and given.most_common(1)[0][1] >= 3:
                break  # the title named them; no need to read the whole text
            if not upper and found[:1].isupper():
                spelled = spelled or found
            if not given_too:
                if spelled:
                    break
                continue
            before = source[max(0, start - 40) : start]
            g = _GIVEN_BEFORE.search(before)
            if g:
                words = g.group("given").split()
                while words and (
                    words[0].lower().rstrip(".") in _NAME_STOP or (words[0].isupper() and not upper)
                ):
                    words = words[1:]
                if upper and not all(w.isupper() for w in words):
                    words = []
                if words and all(w[0].isupper() and w.lower() not in _NAME_STOP for w in words):
                    name = words[-1] if not upper else smart_title(words[-1])
                    if len(name) > 1:
                        given[name] += 3 if source is self.title else 1
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
            rf"(?<!Vice )(?<!Former )(?<!former )(?<!Deputy )\b{re.escape(rank)},?\s+"
            rf"((?:{_UPPERWORD}\s+){{0,2}}{_UPPERWORD})"
        )
        for source in (self.title, self.text):
            names: Counter[str] = Counter()
            for m in _finditer_from(pat, source, rank):
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
            return self._display_mixed(raw)
        words = raw.replace(".", ". ").split()
        if len(words) == 1 and len(raw) <= 4 and raw.lower() not in _GENERIC | _RANKS:
            return self.initials(raw) or raw  # a code or an acronym: "CC", "CGTN", "AB"
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
        if article:
            return "The " + " ".join(smart_title(w) for w in words)  # THE COURT, THE WITNESS
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
        rank = " ".join(r.lower() for r in ranks)
        if ranks and not honorific and any(h in rank for h in _HEAD_OF_STATE):
            # Heads of state are named by office: "President Biden", "First Lady Biden".
            _, spelled = self.full_name(surname, given_too=False)
            return " ".join(smart_title(w) for w in ranks) + " " + spelled
        given, spelled = self.full_name(surname)
        if given:
            return f"{given} {spelled}"
        if ranks and not honorific:
            return " ".join(smart_title(w) for w in ranks) + " " + spelled
        return spelled

    def _display_mixed(self, raw: str) -> str:
        """A label written as a name: "Mr David Hanson (Delyn) (Lab)" → "David Hanson",
        "The Speaker (Hon. Dave Levac)" → "Dave Levac", "Mr Hague" → "Hague" (merged later with
        the document's "William Hague"), "Lady Hallett" as it is."""
        inner = _BRACKET.findall(raw)
        outer = _BRACKET.sub("", raw).strip()
        office = outer.lower().startswith("the ")
        for part in inner if office else ():
            name = _strip_honorifics(part)
            words = name.split()
            if (
                2 <= len(words) <= 5
                and all(w[0].isupper() for w in words)
                and not any(c.isdigit() or c in "/," for c in name)
            ):
                return name
        name = _strip_honorifics(outer)
        words = name.split()
        if len(words) == 1 and words[0] == outer and outer.lower() in _RANKS:
            surname = self._named(outer)  # "Spokesperson:" after "the Spokesperson, Jane Doe"
            if surname:
                given, spelled = self.full_name(surname)
                return f"{given} {spelled}" if given else spelled
        if len(words) >= 3 and words[1] == "of" and name != outer:
            words = words[:1]  # "Mr. Lee of Ohio": a state or seat, not part of the name
        if len(words) == 1 and words[0] != outer:
            given, spelled = self.full_name(words[0])
            return f"{given} {spelled}" if given else words[0]
        rank_free = words
        while len(rank_free) > 2 and rank_free[0].lower() in _TITLE_WORDS - _HEADS:
            rank_free = rank_free[1:]  # "Spokesperson Li Na" → "Li Na"
        if rank_free is not words:
            return " ".join(rank_free)
        if len(words) == 2 and words[0].lower() in _TITLE_WORDS - _HEADS:
            given, spelled = self.full_name(words[1])  # "Chairman Smith" → "Margaret Smith"
            if given:
                return f"{given} {spelled}"
        return name or outer

    def initials(self, code: str) -> str | None:
        """The name a two-to-four-letter code stands for, when the text introduces someone with
        those initials ("my name is Alice Brown" for ``AB``); None otherwise."""
        if not 2 <= len(code) <= 4 or not code.isalpha():
            return None
        words = r"[\s\-]+".join(rf"{c}[a-z][\w’']*" for c in code)
        pat = re.compile(
            rf"(?:\b(?:name is|I am|I'm|I’m|Dr\.?|Professor|Prof\.?)\s+)(?P<name>{words})\b"
        )
        m = pat.search(self.text)
        if not m:
            return None
        return m.group("name")


_BRACKET = re.compile(r"\s*\(([^()]*)\)")
_HEADS = frozenset({"president", "vice", "first", "second"})
_STRIP_HONORIFICS = _words("""mr mrs ms miss mx dr hon rev m mme prof the rt right honourable
    honorable""")


def _strip_honorifics(name: str) -> str:
    words = name.replace(".", ". ").split()
    while len(words) > 1 and words[0].rstrip(".").lower() in _STRIP_HONORIFICS:
        words.pop(0)
    return " ".join(w for w in words if w != ".").replace(" .", ".")


def _name_words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s.]+", name) if w]


def full_names(names: Iterable[str]) -> set[str]:
    """The names among ``names`` that give a given name and a surname ("Ashish Jha")."""
    return {
        n
        for n in names
        if n != "Q"
        and n[:1].isupper()
        and len(_name_words(n)) >= 2
        and not _is_ranked(_name_words(n))
    }


def merge_short_forms(names: Iterable[str]) -> dict[str, str]:
    """Short forms → the one full name of the same surname among ``names``.

    "Psaki" → "Jen Psaki" and "Secretary Mayorkas" → "Alejandro Mayorkas" when the same
    document (or event, or batch) has exactly one fuller name ending in that surname; heads of
    state keep their office ("President Biden"), and two people of one surname ("Joe Biden",
    "Jill Biden") leave the short form alone. This is the whole identity rule: within a document,
    then within an event, then across a batch of documents.
    """
    distinct = set(names)
    full: dict[str, set[str]] = {}
    for n in distinct:
        words = _name_words(n)
        if len(words) >= 2 and not _is_ranked(words) and n[:1].isupper() and n != "Q":
            full.setdefault(words[-1].casefold(), set()).add(n)
    out: dict[str, str] = {}
    for n in distinct:
        words = _name_words(n)
        if not words or n == "Q":
            continue
        rank = " ".join(words[:-1]).lower()
        if any(h in rank for h in _HEAD_OF_STATE):
            continue
        if len(words) >= 2 and not _is_ranked(words):
            continue  # already a full name
        if len(words) == 1 and words[0].lower() in _GENERIC | _RANKS:
            continue  # "Moderator", "Audience": a function, not a surname
        fulls = full.get(words[-1].casefold(), set()) - {n}
        if len(fulls) == 1:
            out[n] = next(iter(fulls))
    return out


def _is_ranked(words: list[str]) -> bool:
    """ "Secretary Blinken", "Chief Justice Roberts", "Lady Hallett": titles, then one name."""
    return all(w.lower().rstrip(".") in _TITLE_WORDS for w in words[:-1])


_TITLE_WORDS = _HONORIFICS | _words("""lady lord secretary minister senator governor ambassador
    director administrator chair chairman chairwoman chairperson justice judge general admiral
    commissioner mayor representative congressman congresswoman leader speaker spokesperson
    spokesman spokeswoman doctor professor chief deputy vice prime first press attorney surgeon
    assistant acting under""")


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
_CHAIR_WORDS = _words("""speaker chair chairman chairwoman chairperson presiding court judge
    president-of-the-assembly""")
_PRESIDING = _words("""chief presiding""")
_BENCH = _words("""justice judge magistrate""")
_COURT_OFFICERS = _words("""clerk witness interpreter bailiff registrar usher officer deponent
    defendant plaintiff petitioner respondent""")
_GOVERNMENT = _words("""minister secretary spokesperson spokesman spokeswoman ambassador director
    administrator commissioner governor premier president prime attorney-general solicitor
    undersecretary under-secretary cabinet""")


@functools.lru_cache(maxsize=4096)
def label_role(raw: str, display: str) -> str | None:
    """The role a label states on its own, or None when only behaviour can tell.

    Q, reporters, audience members and outlets ask; MODERATOR/HOST/OPERATOR and chairs named by
    office ("The Speaker (Hon. Dave Levac)", "THE COURT", "Mr Speaker", "THE CHAIRMAN") moderate;
    an office naming its holder in brackets ("The Secretary of State … (Mr William Hague)")
    answers.
    """
    low = raw.lower().rstrip(".")
    if raw == "Q" or low in _QUESTION_LABELS:
        return QUESTIONER
    outer = re.sub(r"\([^()]*\)", " ", low)
    words = [w.strip(".,") for w in outer.split()]
    if low in _ROLE_PHRASES or (words and words[-1] in _ROLE_WORDS and len(words) <= 2):
        return MODERATOR
    lead = [w for w in words if w not in ("the", "mr", "madam", "mister", "deputy", "acting")]
    if lead and lead[0] in _CHAIR_WORDS and (len(lead) == 1 or words[0] == "the" or "(" in low):
        return MODERATOR  # an office without a name: THE COURT, The Speaker (…), Mr Speaker
    if len(lead) >= 2 and lead[0] in _PRESIDING and lead[1] in _BENCH | {"officer"}:
        return MODERATOR  # CHIEF JUSTICE ROBERTS, Presiding Judge Doe
    if lead and lead[0] in _BENCH and len(lead) >= 2:
        return QUESTIONER  # JUSTICE SCALIA, JUDGE DOE: a bench that hears argument asks
    if words and words[0] == "the" and lead and lead[0] in _COURT_OFFICERS:
        return OFFICIAL  # THE CLERK, THE WITNESS, THE INTERPRETER
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
        and _OUTLET_SUFFIX.search(outer.strip())
        and "(" not in low
    ):
        return QUESTIONER
    if "(" in low and words and words[0] == "the" and any(w in _GOVERNMENT for w in words):
        return OFFICIAL
    return None


def role_for(raw: str, display: str) -> str:
    """The role a label implies on its own (behaviour may change an ``official`` later)."""
    return label_role(raw, display) or OFFICIAL


def is_floor_passing(turn_text: str) -> bool:
    """True when a turn opens the event or hands the floor on ("CGTN, please.", "Next question")."""
    s = turn_text.strip()
    if len(s) <= 80 and _SHORT_PASS.match(s):
        return True
    m = _BARE_NAME.match(s)
    if m and m.group(1).lower() not in _REPLIES:
        return True  # "Anna.", "Mr. Long.": calling on the next speaker
    head = s[:600].lower()
    # cheap keyword gate: every _FLOOR alternative contains one of these
    if not any(k in head for k in _FLOOR_KEYS):
        return False
    return bool(_FLOOR.search(head))


# --- opening statements -------------------------------------------------------------------------
_OPENER = re.compile(
    r"\b(?:briefing|press conference|news conference|press briefing|statement|remarks|address|"
    r"speech|opening statement|keynote|lecture)\s+(?:as prepared for delivery\s+)?(?:by|of|from)\s+"
    r"(?:the\s+)?(?P<office>[^,:;()]{0,80}?),\s+(?P<name>(?:[A-Z][\w’'\-]+|[A-Z]\.)"
    r"(?:\s+(?:[A-Z][\w’'\-]+|[A-Z]\.)){1,3})\b",
)


_OWNER = re.compile(
    r"(?P<who>(?:[A-Z][\w\-]+\s+){0,5}[A-Z][\w\-]+)['’]s\s+(?:[A-Z][\w\-]+\s+){0,3}"
    r"(?:press conference|news conference|press briefing|briefing|remarks|statement|speech)",
    re.IGNORECASE,
)
#: What every ``_OWNER`` match holds: checked first, because ``_OWNER`` itself tries every word of
#: a title as the start of a name (about 0.2 ms a title), and most titles hold no possessive.
_OWNER_HINT = re.compile(r"['’]s\s", re.IGNORECASE)


def opener_from_title(title: str) -> str | None:
    """Who speaks an unlabelled opening statement: the person a title names after an office
    ("Daily briefing by the Spokesperson, Jane Doe" → "Jane Doe"; "Foreign Ministry Spokesperson
    Wang Wei's Regular Press Conference" → "Wang Wei"), else a speech's speaker."""
    m = _OPENER.search(title or "")
    if m:
        return m.group("name")
    m = _OWNER.search(title) if title and _OWNER_HINT.search(title) else None
    if m:
        words = m.group("who").split()
        k = max((i for i, w in enumerate(words) if w.lower() in _RANKS), default=-1)
        name = words[k + 1 :]
        if name and all(w[0].isupper() for w in name):
            return " ".join(name)
    return speaker_from_title(title)


# --- procedure -----------------------------------------------------------------------------------
_PROCEDURE_WORDS = _words("""laughter laughs laughing applause interjections interjection crosstalk
    inaudible unintelligible pause silence recess adjourned music noise cheers cheering booing
    sworn affirmed off-mic indiscernible""")
_BRACKETED = re.compile(r"^[\[(][^\[\]()]{1,80}[\])]\.?$")
_INTERJECTING = re.compile(
    r"^[^\W\d_][\w .,'’\-]{0,80}\b(?:interjecting|interjections?|laughter|applause)\b[—–\-.:]*$",
    re.I,
)
_SWORN = re.compile(r"^[^a-z]{2,80}\((?i:sworn|affirmed|duly sworn|affirmed\w*|sworn\w*)\)\.?$")
_CLOCK = re.compile(
    r"^(?:\(?\s*\d{1,2}[.:]\d{2}(?:[.:]\d{2})?\s*(?:[ap]\.?\s?m\.?)?\s*\)?|\d{1,4}|"
    r"\[?-?\d{1,2}(?::\d{2}){1,3}(?:[.,]\d+)?\]?)$",
    re.I,
)
_STAGE_MARKUP = re.compile(r"^[*_\\]+|[*_\\]+$")


def is_procedure(paragraph: str) -> bool:
    """A stage direction, crosstalk or a bare time stamp: "(Laughter.)", "[inaudible]",
    "Interjections.", "Opposition members interjecting—", "*MS DOE (sworn).*", "(10.00 am)",
    "1120". These belong to nobody and never take or break a turn."""
    if len(paragraph) > 110:
        return False
    s = paragraph.strip()
    if len(s) > 100:
        return False
    if s[:1] in "*_\\" or s[-1:] in "*_\\":
        s = _STAGE_MARKUP.sub("", s).replace("\\[", "[").replace("\\]", "]").strip()
    if not s:
        return True
    if s[0].isalpha():
        # words: "Interjections.", "Opposition members interjecting—", "MS DOE (sworn)."
        if s.endswith((")", ").")) and _SWORN.match(s):
            return True
        low = s.lower()
        if ("interject" in low or "laughter" in low or "applause" in low) and _INTERJECTING.match(
            s
        ):
            return True
        if len(s) > 30:
            return False
    elif _CLOCK.match(s):
        return True
    if s[0] in "[(" and _BRACKETED.match(s):
        inner = s.strip("[]().").lower()
        if _CLOCK.match(inner) or len(inner.split()) <= 4:
            return True
    words = s.lower().split()
    return 0 < len(words) <= 2 and all(w.strip(".!,;:—–-") in _PROCEDURE_WORDS for w in words)


# --- quotes in prose ----------------------------------------------------------------------------
_NAME_SEQ = (
    r"(?:(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|St)\.\s+)?"
    r"(?:[A-Z][\w’'\-]+|[A-Z]\.)(?:\s+(?:[A-Z][\w’'\-]+|[A-Z]\.)){0,3}"
)
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
_ACCORDING = re.compile(rf"\b[Aa]ccording to (?P<name>{_NAME_SEQ})")
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


# "X, the minister of Y, said" / "X, a professor at Y, told reporters"
_APPOSITIVE_VERB = re.compile(
    rf"(?P<name>{_NAME_SEQ}),\s+(?:the|a|an|who|its|his|her)\b[^,\"“”]{{2,100}},\s+{_VERBS}\b"
)
# '…," she said' / 'he added' — the pronoun stands for the last person named
_PRONOUN_VERB = re.compile(
    rf"[,.?!…][\"”’']?\s+(?:she|he)\s+{_VERBS}\b|\b(?:she|he)\s+{_VERBS}\s*[,:]\s*[\"“]", re.I
)
_VERB_PRONOUN = re.compile(rf"[,.?!…][\"”’']\s+{_VERBS}\s+(?:she|he)\b")
# reported speech: "Jane Doe said that …", "Minister Wang stressed that …"
_REPORTED = re.compile(
    rf"(?:^|[.;]\s+)(?P<name>{_NAME_SEQ})\s+(?:said|says|told|added|argued|warned|noted|stressed|"
    r"insisted|explained|believes|thinks)\b(?!\s+(?:in|on|at|during|of)\b)"
)
_PERSON = re.compile(
    r"\b(?:(?:Mr|Ms|Mrs|Dr|Prof)\.?\s+|(?:Minister|Secretary|Director|Professor|President|"
    r"Governor|Senator|Ambassador|spokesperson|spokesman|spokeswoman)\s+)?"
    r"(?P<name>[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+){1,2})"
)


class QuoteTracker:
    """Who each prose paragraph quotes, reading the paragraphs in order.

    Beyond "…," said X it knows "X, the minister of Y, said", "…," she said (the last person
    named), "according to X", reported speech ("X said that …") and quotes that run over several
    paragraphs (a paragraph that opens a quotation mark and does not close it hands the speaker
    to the next paragraph that opens with a quotation mark).
    """

    def __init__(self, text: str = ""):
        self.text = text
        self.last_named: str | None = None
        self.open_quote: str | None = None
        self._full: dict[str, str] = {}

    def reset(self) -> None:
        self.last_named = None
        self.open_quote = None

    def speaker_of(self, paragraph: str) -> str | None:
        who = self._attributed(paragraph)
        if who is None and paragraph[:1] in '"“':
            who = self.open_quote
        if who is not None:
            who = self.full(who)
        still_open = paragraph.count('"') % 2 == 1 or paragraph.count("“") > paragraph.count("”")
        self.open_quote = who if still_open else None
        self._remember(paragraph, who)
        return who

    def full(self, name: str) -> str:
        """A one-word quoted name ("Xu") → the fuller name the text uses elsewhere ("Xu Nanping")."""
        if " " in name:
            return name
        if name not in self._full:
            self._full[name] = _fuller(name, self.text)
        return self._full[name]

    def _attributed(self, paragraph: str) -> str | None:
        who = quoted_speaker(paragraph)
        if who:
            return who
        has_quote = _QUOTE_MARK.search(paragraph) is not None
        m = _APPOSITIVE_VERB.search(paragraph)
        if m and has_quote:
            name = _clean_quoted_name(m.group("name"))
            if name:
                return name
        if (
            has_quote
            and self.last_named
            and (_PRONOUN_VERB.search(paragraph) or _VERB_PRONOUN.search(paragraph))
        ):
            return self.last_named
        m = _REPORTED.search(paragraph)
        if m:
            name = _clean_quoted_name(m.group("name"))
            last = self.last_named
            known = bool(last and name and last.split()[-1] == name.split()[-1])
            if name and (len(name.split()) >= 2 or known):
                return last if known and " " not in name else name
        return None

    def _remember(self, paragraph: str, who: str | None) -> None:
        last = None
        for m in _PERSON.finditer(paragraph):
            name = _clean_quoted_name(m.group("name"))
            if name and name.split()[0].lower() not in _NOT_NAMES:
                last = name
        if who:
            last = who  # the one quoted is the one a later "she said" means
        if last:
            self.last_named = last


def _fuller(name: str, text: str) -> str:
    m = re.search(
        rf"\b({re.escape(name)}\s+[A-Z][\w’'\-]+|[A-Z][\w’'\-]+\s+{re.escape(name)})\b", text
    )
    if m:
        cand = m.group(1)
        first = cand.split()[0]
        if first[0].isupper() and first.lower() not in _NOT_NAMES | {
            "mr",
            "ms",
            "dr",
            "said",
            "president",
        }:
            return cand
    return name
