"""How two revisions of a story compare: one rule for every backend, so a late retry of an old
revision is refused (409) the same way whatever stores it."""

from __future__ import annotations


def is_older(new: str | None, stored: str | None) -> bool:
    """Versions compare as integers or ISO timestamps; a write without a version always wins."""
    if not new or not stored:
        return False
    try:
        return int(new) < int(stored)
    except (TypeError, ValueError):
        return str(new) < str(stored)
