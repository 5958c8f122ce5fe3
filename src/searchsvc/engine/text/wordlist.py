"""Word lists written compactly: the stage words, honorifics and stop lists of the text stages."""

from __future__ import annotations


def words(s: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string, so long lists stay readable."""
    return frozenset(s.split())
