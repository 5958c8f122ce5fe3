"""The connection to a cluster, and the one place its failures become searchsvc errors.

Every call the backend makes goes through ``call``, so a cluster that cannot answer (connection
refused or reset, a timeout, ``429`` rejected execution, ``503`` no shard available, a red cluster)
becomes ``IndexBusy`` — the API's ``503`` with ``Retry-After`` — and never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from opensearchpy import OpenSearch
from opensearchpy import exceptions as ox
from opensearchpy.serializer import JSONSerializer

from ...config import Settings
from ...errors import ConfigError, IndexBusy, InvalidParameter

log = logging.getLogger("searchsvc.opensearch")
# The client logs every request at INFO; the access log already has one line per request.
logging.getLogger("opensearch").setLevel(logging.WARNING)
T = TypeVar("T")
BUSY_STATUSES = frozenset({429, 502, 503, 504})
# What a cluster says, inside a 500, when a node or shard it needed left or is not there yet
# (a node killed mid-search, a replica being promoted): a moment's state, not a fault of the
# request, so it is answered as a busy cluster (503 with Retry-After), never as our own 500.
IN_FLUX = (
    "disconnected",
    "node_not_connected",
    "node_closed",
    "connect_transport",
    "no_shard_available",
    "unavailable_shards",
    "primary_missing",
)


def connect(settings: Settings) -> OpenSearch:
    urls = [u.strip() for u in settings.opensearch_url.split(",") if u.strip()]
    if not urls:
        raise ConfigError(
            "SEARCHSVC_BACKEND=opensearch needs SEARCHSVC_OPENSEARCH_URL (one or more node URLs)"
        )
    kwargs: dict[str, Any] = {
        "hosts": urls,
        "timeout": settings.opensearch_timeout,
        "max_retries": 2,
        "retry_on_timeout": True,
        "retry_on_status": (502, 503, 504),
        "http_compress": False,
        "serializer": FastJSON(),
    }
    if settings.opensearch_user:
        kwargs["http_auth"] = (settings.opensearch_user, settings.opensearch_password)
    if settings.opensearch_api_key:
        kwargs["headers"] = {"Authorization": f"ApiKey {settings.opensearch_api_key}"}
    if any(u.startswith("https://") for u in urls):
        kwargs["use_ssl"] = True
        kwargs["verify_certs"] = settings.opensearch_verify_certs
        if not settings.opensearch_verify_certs:
            kwargs["ssl_show_warn"] = False
        if settings.opensearch_ca_file:
            kwargs["ca_certs"] = str(settings.opensearch_ca_file)
    return OpenSearch(**kwargs)


class FastJSON(JSONSerializer):
    """The client's JSON serializer encoding with orjson: every story of an import and every bulk
    line is encoded on the way out, a tenth of an import's Python time with the standard library
    and a fiftieth with orjson. Answers are still decoded by the standard library, which keeps
    integers of any size."""

    _OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY

    def dumps(self, data: Any) -> Any:
        if isinstance(data, str | bytes):
            return data
        try:
            return orjson.dumps(data, default=self.default, option=self._OPTIONS).decode()
        except (TypeError, ValueError):  # what orjson refuses (e.g. integers over 64 bits)
            return super().dumps(data)


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` with the cluster's failures as searchsvc errors."""
    try:
        return fn(*args, **kwargs)
    except ox.ConnectionError as exc:  # refused, reset, timed out (ConnectionTimeout is one)
        raise IndexBusy(f"the OpenSearch cluster did not answer: {_reason(exc)}") from exc
    except ox.TransportError as exc:
        status = exc.status_code if isinstance(exc.status_code, int) else 0
        if status in BUSY_STATUSES or status == 0 or (status == 500 and _in_flux(exc)):
            raise IndexBusy(
                f"the OpenSearch cluster cannot take this request now ({status}): {_reason(exc)}"
            ) from exc
        if status == 400 and "too_many_clauses" in str(exc.info):
            raise InvalidParameter(
                "the query expands to too many terms; narrow its prefixes or wildcards",
                code="query_too_expensive",
            ) from exc
        raise


def _in_flux(exc: ox.TransportError) -> bool:
    text = f"{exc.error} {exc.info}".lower()
    return any(marker in text for marker in IN_FLUX)


def _reason(exc: Exception) -> str:
    info = getattr(exc, "info", None)
    if isinstance(info, dict):
        err = info.get("error")
        if isinstance(err, dict):
            return str(err.get("reason") or err.get("type"))[:200]
    return str(exc)[:200]
