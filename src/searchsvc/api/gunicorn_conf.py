"""gunicorn configuration for searchsvc, packaged so ``searchsvc serve`` and deploy/ share it.

gunicorn executes this file in the master process (``gunicorn -c PATH``); every top-level name
that is a gunicorn setting is used, the rest ignored. Values come from the same ``Settings`` as
the app (``SEARCHSVC_*`` variables, which ``searchsvc serve`` exports), so bind address and worker
count are declared once. ``deploy/gunicorn.conf.py`` star-imports this module and overrides.

Prometheus multiprocess mode needs ``PROMETHEUS_MULTIPROC_DIR`` set before any worker imports
prometheus_client: it is set here, in the master, and inherited by the forked workers. Stale
files from an earlier run are removed at start-up, and ``child_exit`` marks dead workers.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from searchsvc.config import Settings

settings = Settings.from_env()

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _metrics_dir = settings.metrics_dir or Path(tempfile.mkdtemp(prefix="searchsvc-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)

_host = f"[{settings.host}]" if ":" in settings.host else settings.host
bind = [f"{_host}:{settings.port}"]
workers = settings.workers
# gevent: a connection is a greenlet, so slow or stalled clients cost memory, not a worker; the
# worker adds the header and body deadlines (api/worker.py). Searches still run one at a time
# per worker, and api/admission.py refuses what would queue beyond max_inflight.
worker_class = "searchsvc.api.worker.Worker"
worker_connections = settings.worker_connections
preload_app = False  # each worker builds its own app (engine, metrics) after the fork
timeout = 30  # a search is budgeted at settings.search_time_budget; 30s means a stuck worker
graceful_timeout = 10
# gunicorn runs its keep-alive loop only when this is non-zero; the worker bounds each request's
# parsing (and the idle time between requests) by settings.header_timeout instead.
keepalive = max(1, math.ceil(settings.header_timeout))
# 0 = no gunicorn limit: a 1,000-character non-Latin q is 9-12 KB percent-encoded and must reach
# the app, which answers over-long queries in JSON; nginx bounds request lines in production.
limit_request_line = 0
proc_name = "searchsvc"
# gunicorn ≥ 24 opens a control socket at one fixed path per user; two instances (tests, blue/green)
# would fight over it and nothing here uses it. Older gunicorns ignore the unknown name.
control_socket_disable = True
loglevel = settings.log_level
errorlog = "-"
accesslog = "-"
# One line per request: client, request line, status, bytes, latency in seconds, user agent;
# written by api/access_log.py, which computes only these atoms (gunicorn's logger builds them all).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss "%(a)s"'
logger_class = "searchsvc.api.access_log.AccessLog"


def on_starting(server: Any) -> None:
    """Remove metric files of a previous run so counters start at zero with this master."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)


def when_ready(server: Any) -> None:
    """The start-up line with the URL people can open."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else _host
    print(
        f"searchsvc {_version()} listening on http://{host}:{settings.port}/ "
        f"({settings.workers} gevent workers, index {settings.index_dir})",
        file=sys.stderr,
        flush=True,
    )


def child_exit(server: Any, worker: Any) -> None:
    """Tell prometheus-client the worker is gone (its live gauges stop counting)."""
    from searchsvc.api.metrics import mark_process_dead

    mark_process_dead(worker.pid)


def _version() -> str:
    from searchsvc import __version__

    return __version__
