"""The error family of searchsvc. Each error carries a stable snake_case ``code`` and a message a
user can act on; none knows about HTTP. ``searchsvc.api.errors`` holds the one table that maps codes
to statuses, and the CLI prints ``message`` on one line.
"""

from __future__ import annotations


class SearchsvcError(Exception):
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}


class ConfigError(SearchsvcError):
    code = "config_error"


class InvalidParameter(SearchsvcError):
    """A search or write parameter the user can fix (bad date, page out of range, bad sort…)."""

    code = "invalid_parameter"


class QueryTooLong(InvalidParameter):
    code = "query_too_long"


class QueryTooExpensive(InvalidParameter):
    """The query did not finish within the per-request time budget: the client should narrow it."""

    code = "query_too_expensive"


class InvalidDocument(SearchsvcError):
    """A document that cannot be ingested: bad JSON, wrong types, missing body."""

    code = "invalid_document"


class UnsupportedFormat(InvalidDocument):
    code = "unsupported_format"


class DocumentNotFound(SearchsvcError):
    code = "document_not_found"


class SpeakerNotFound(SearchsvcError):
    code = "speaker_not_found"


class AnalyticsOff(SearchsvcError):
    """``/stats`` asked for while analytics are switched off (``SEARCHSVC_ANALYTICS=false``)."""

    code = "analytics_disabled"


class VersionConflict(SearchsvcError):
    """A write older than the stored revision: it must not overwrite a correction."""

    code = "version_conflict"


class IndexBusy(SearchsvcError):
    """The writer lock could not be had in time; the client should retry."""

    code = "index_busy"


class PayloadTooLarge(SearchsvcError):
    code = "payload_too_large"


class RequestTimeout(SearchsvcError):
    """The client did not send its request body in time (a stalled or trickling upload)."""

    code = "request_timeout"


class Overloaded(SearchsvcError):
    """More requests are in flight than a worker admits: refused at once so the client can retry
    instead of queueing behind work that would make every answer late."""

    code = "overloaded"


class InsufficientStorage(SearchsvcError):
    """The disk (or the file-size limit) ran out during a write: nothing of it was kept, earlier
    writes are intact, and the same write succeeds once space is freed."""

    code = "insufficient_storage"


class Unauthorized(SearchsvcError):
    code = "unauthorized"


class Forbidden(SearchsvcError):
    code = "forbidden"
