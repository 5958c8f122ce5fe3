"""Roles of a transcript's speakers: what their labels say, then how they behave.

A label may state the role (:func:`~searchsvc.engine.text.speakers.label_role`: ``Q`` and outlets
ask, ``MODERATOR`` and chairs named by office moderate, an office naming its holder answers). For
everyone else the turns decide, per speaker, over the whole document:

* **moderator**: opens and passes the floor — at least two turns (and a third of them) that hand
  it on ("Next question", "Order!", "I recognise …", "Mr. Long.", "Supplementary?"), while few
  turns are long answers; or opens the event and then speaks only briefly between others' long
  turns.
* **questioner**: asks — half or more of the speaker's turns end in a question (or open with
  "My question is …"), and the speaker is not the one giving the long answers. An executive rank
  ("President Biden", "Secretary Blinken") is never a questioner: presidents ask roundtables
  questions too.
* **official**: everyone else — the ones who answer, testify, argue or state.

A speaker keeps one role in a document: the role of their first labelled turn that states one
("The Secretary of State … (Mr William Hague)" makes every "Mr Hague:" turn an official's), the
role a structured record's markup gives a turn (``Turn.stated``: a ``<question>`` asks, an
``<answer>`` answers) first.
"""

from __future__ import annotations

import re
from collections import defaultdict
from statistics import median

from ..models import Turn
from .speakers import MODERATOR, OFFICIAL, QUESTIONER, has_rank, is_floor_passing, label_role

_ASKING = re.compile(
    r"^\W*(?:(?:mr\.?|madam|mister) speaker,?\s+)?(?:my (?:first |next |final )?question|"
    r"i (?:want|would like) to ask (?:the|you|whether|if|about|a question)|will the (?:minister|secretary|premier|government)|"
    r"(?:does|will|can|would|is|has) (?:not )?the (?:minister|secretary|prime minister|premier|"
    r"government|foreign secretary)|what (?:recent )?(?:progress|assessment|steps|discussions))",
    re.IGNORECASE,
)
_EXECUTIVE = frozenset(
    [
        "president",
        "vice",
        "secretary",
        "minister",
        "premier",
        "governor",
        "ambassador",
        "administrator",
    ]
)
LONG_TURN = 600


def _asks(t: Turn) -> bool:
    return t.asks > 0 or bool(_ASKING.match(t.first_text))


def assign_roles(turns: list[Turn]) -> None:
    """Set ``role`` on every labelled turn (turns with a role already keep it)."""
    by_speaker: dict[str, list[Turn]] = defaultdict(list)
    for t in turns:
        if t.speaker and t.role is None:
            by_speaker[t.speaker].append(t)
    if not by_speaker:
        return
    stated: dict[str, str] = {}
    for spk, ts in by_speaker.items():
        for t in ts:
            r = t.stated or label_role(t.label or "", spk)
            if r is not None:
                stated[spk] = r
                break
    mean_chars = {s: sum(t.chars for t in ts) / len(ts) for s, ts in by_speaker.items()}
    ask_rate = {s: sum(1 for t in ts if _asks(t)) / len(ts) for s, ts in by_speaker.items()}
    first = next((t.speaker for t in turns if t.speaker), None)
    # the one who answers: most words, among those whose labels do not make them ask or chair
    talk = {
        s: sum(t.chars for t in ts)
        for s, ts in by_speaker.items()
        if stated.get(s) not in (QUESTIONER, MODERATOR)
    }
    main = max(talk, key=talk.__getitem__) if talk else None
    if main is not None and ask_rate[main] >= 0.5 and stated.get(main) is None:
        main = None  # an interview of equals: nobody answers most
    asked_by_label = QUESTIONER in stated.values()
    for spk, ts in by_speaker.items():
        role = stated.get(spk) or _by_behaviour(
            spk, ts, mean_chars, first, ask_rate, main, asked_by_label
        )
        for t in ts:
            t.role = role


def _by_behaviour(
    spk: str,
    ts: list[Turn],
    mean_chars: dict[str, float],
    first: str | None,
    ask_rate: dict[str, float],
    main: str | None,
    asked_by_label: bool,
) -> str:
    n = len(ts)
    longs = sum(1 for t in ts[1:] if t.chars > LONG_TURN)
    others = [m for s, m in mean_chars.items() if s != spk]
    others_mean = median(others) if others else 0.0
    if n >= 2 and longs * 5 <= n:
        passing = sum(
            1 for t in ts if is_floor_passing(t.first_text) or is_floor_passing(t.last_text)
        )
        if passing >= 2 and passing * 3 >= n:
            return MODERATOR
        if spk == first and n >= 3 and mean_chars[spk] * 2.5 < others_mean:
            return MODERATOR
    executive = has_rank(spk) and spk.split(" ", 1)[0].lower() in _EXECUTIVE
    if executive or spk == main:
        return OFFICIAL
    if asked_by_label:
        # the askers have labels of their own (Q, outlets): anyone else asks only by habit —
        # three turns or more, most ending in a question (an interviewer, a host)
        ending = sum(1 for t in ts if t.last_text.rstrip("\"”’' )]").endswith("?"))
        return QUESTIONER if n >= 3 and ending * 5 >= n * 3 else OFFICIAL
    rate = ask_rate[spk]
    base = ask_rate.get(main, 0.0) if main else 0.0
    if rate >= 0.5 and (n >= 2 or len(mean_chars) > 1):
        return QUESTIONER
    if (
        n >= 3
        and rate >= 0.15
        and rate >= 1.5 * base
        and main
        and mean_chars[spk] < mean_chars[main]
    ):
        return QUESTIONER  # asks far more often than the one who answers most
    opens = any(t.opens_section or t.number for t in ts)
    if opens and rate > 0 and rate >= base:
        return QUESTIONER  # opens a question's topic, or its question is numbered
    return OFFICIAL
