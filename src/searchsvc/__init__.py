"""searchsvc: full-text search for newsrooms.

Documents go in (text, Markdown, HTML, JSON, IPTC ninjs), are cut into paragraph and speaker-turn
chunks, and come back ranked, highlighted and cited. The engine (``searchsvc.engine``) knows nothing
of HTTP; ``searchsvc.api`` is a thin Falcon layer over it and ``searchsvc.cli`` a thin click layer.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("searchsvc")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"
