"""Nodes of a parsed query. Immutable, hashable (usable as cache keys), and free of any backend.

A bare ``Word`` searches every text field (stemmed body, exact body, title, speaker name) unless
``field`` names one of the fields a user may address (``speaker``, ``source``, ``kind``, ``role``,
``title``). Words are kept as typed; each backend applies the analysis rules of
:mod:`searchsvc.engine.text.analysis` when it translates them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    field: str | None = None


@dataclass(frozen=True)
class Prefix:
    """``vacc*``: expanded by the backend to the most frequent terms it has, within a budget."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Wildcard:
    """``colo?r``, ``c*vid``: a pattern with ``?`` (one character) and ``*`` inside."""

    pattern: str
    field: str | None = None


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Boost:
    """``child`` with its score multiplied by ``weight``: a synonym's alternatives rank below the
    literal words (weight < 1), and feedback terms are weighted by how much they say."""

    child: Node
    weight: float


@dataclass(frozen=True)
class Prefer:
    """Chunks matching ``required``; ``bonus`` only adds to their score and never widens the
    match set (Whoosh's AndMaybe, OpenSearch's ``bool`` must + should)."""

    required: Node
    bonus: Node


@dataclass(frozen=True)
class MatchAll:
    """An empty query, or a lone ``*``: every chunk."""


@dataclass(frozen=True)
class MatchNone:
    """A query that can match nothing (e.g. only stopwords in a field without them)."""


Node = Word | Phrase | Prefix | Wildcard | And | Or | Not | Boost | Prefer | MatchAll | MatchNone
