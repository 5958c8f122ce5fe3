"""Where indexes written before the engine's packages moved find their posting formats.

Whoosh pickles ``NewsPositions`` and ``NewsFrequency`` by module path into every index schema and
backup; those older indexes name this module. New ones name :mod:`searchsvc.engine.whoosh.postings`.
"""

from .whoosh.postings import NewsCodec, NewsFrequency, NewsPositions

__all__ = ["NewsCodec", "NewsFrequency", "NewsPositions"]
