"""The synonym set of a running service: one file that every worker, the CLI and an editor share.

``PUT /synonyms`` replaces it (parsed first, so a bad set is refused whole and the old one stays),
written beside itself and renamed into place with fsyncs, so a reader sees the old set or the new
one, never half. Every search asks for the current set: a ``stat`` of the file, re-read only when
its modification time or size changed, so a change reaches every worker on its next request
without a restart. A file edited by hand into something unparsable keeps the last good set (and
says so in the log) rather than failing searches.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from ..errors import SearchsvcError
from .query.synonyms import SynonymSet, parse_synonyms

log = logging.getLogger("searchsvc.synonyms")


class SynonymStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._set = SynonymSet()

    def current(self) -> SynonymSet:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return SynonymSet()
        stamp = (st.st_mtime_ns, st.st_size)
        with self._lock:
            if stamp != self._seen:
                self._seen = stamp
                try:
                    self._set = parse_synonyms(self.path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, SearchsvcError) as exc:
                    log.error("synonyms file %s not loaded, keeping the last good set: %s",
                              self.path, exc)  # fmt: skip
            return self._set

    def replace(self, text: str) -> SynonymSet:
        """Validate and store a new set (``InvalidSynonyms`` names the bad line)."""
        parsed = parse_synonyms(text)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with tmp.open("w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        with self._lock:
            st = self.path.stat()
            self._seen = (st.st_mtime_ns, st.st_size)
            self._set = parsed
        return parsed
