"""Nodes of a parsed query. Immutable, hashable (usable as cache keys), and free of any backend.

A bare ``Word`` searches every text field (stemmed body, exact body, title, speaker name) unless
``field`` names one of the fields a user may address (``speaker``, ``source``, ``kind``, ``role``,
``title``). Words are kept as typed; each backend applies the analysis rules of
:mod:`searchsvc.engine.text.analysis` when it translates them, so one typed word may become several
index terms (a CJK run, ``x:y``): ``match`` says whether all of them must match (``all``, what a
person typing the word means) or any (``any``, the partial top-up). ``boost`` multiplies a node's
score (``genome^2``); ``synonym_of`` names the typed word a synonym stands in for, so a backend can
weigh and mark it as that word.
"""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = ("speaker", "source", "kind", "role", "title")
"""The fields a query may name as ``field:value``."""


@dataclass(frozen=True)
class Word:
    text: str
    field: str | None = None
    boost: float = 1.0
    match: str = "all"  # "all" | "any" of the terms the word analyses to
    synonym_of: str | None = None


@dataclass(frozen=True)
class Phrase:
    """``"genome sequence"``: the words next to each other (``slop``: within that distance)."""

    text: str
    field: str | None = None
    boost: float = 1.0
    slop: int = 1


@dataclass(frozen=True)
class Prefix:
    """``vacc*``: expanded by the backend to the most frequent terms it has, within a budget."""

    text: str
    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class Wildcard:
    """``colo?r``, ``c*vid``: a pattern with ``?`` (one character) and ``*`` inside."""

    pattern: str
    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class AndMaybe:
    """``+genome virus``: ``required`` must match; ``optional`` only adds to the score."""

    required: Node
    optional: Node


@dataclass(frozen=True)
class AndNot:
    """``genome -virus``: ``positive`` without ``negative``; nothing when ``positive`` analyses to
    no terms at all (``the -virus``), where a lone ``NOT virus`` means every chunk but those."""

    positive: Node
    negative: Node


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class MatchAll:
    """An empty query, or a lone ``*``: every chunk."""


@dataclass(frozen=True)
class MatchNone:
    """A query that can match nothing (e.g. ``-word`` with nothing else wanted)."""


Node = Word | Phrase | Prefix | Wildcard | And | Or | AndMaybe | AndNot | Not | MatchAll | MatchNone
