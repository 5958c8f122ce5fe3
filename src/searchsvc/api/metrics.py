"""Prometheus metrics that stay correct across gunicorn workers.

Each worker is a separate process with its own counters, so a scrape answered by one worker would
see only its share. prometheus-client's multiprocess mode has every process write its samples to
files in ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` sums them. The variable must be set before
``prometheus_client`` is first imported (its value class is chosen at import), which is why this
module imports it lazily inside ``setup``; ``gunicorn_conf`` sets it in the master and wipes stale
files at start-up, and its ``child_exit`` hook marks dead workers.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import falcon

from ..config import Settings

log = logging.getLogger("searchsvc.api")
ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def ensure_multiproc_dir(settings: Settings) -> Path:
    """Point prometheus-client at ``settings.metrics_dir`` (or a fresh temp dir) unless a parent
    process (the gunicorn master) already chose one for all its workers."""
    if not os.environ.get(ENV):
        path = settings.metrics_dir or Path(tempfile.mkdtemp(prefix="searchsvc-metrics-"))
        os.environ[ENV] = str(path)
    path = Path(os.environ[ENV])
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Metrics:
    requests: Any
    latency: Any
    multiprocess: bool
    registry: Any  # the registry to expose when not in multiprocess mode

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route=route, method=method, status=str(status)).inc()
        self.latency.labels(route=route, method=method).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = self.registry
        return generate_latest(registry), CONTENT_TYPE_LATEST


_metrics: Metrics | None = None


def setup(settings: Settings) -> Metrics:
    """Create the process's metrics once (a second ``create_app`` in the same process reuses
    them: prometheus-client refuses duplicate names in a registry)."""
    global _metrics
    if _metrics is not None:
        return _metrics
    already_imported = "prometheus_client" in sys.modules
    ensure_multiproc_dir(settings)
    from prometheus_client import CollectorRegistry, Counter, Histogram, values

    multiprocess = getattr(values.ValueClass, "__name__", "") == "MmapedValue"
    if already_imported and not multiprocess:
        log.warning("prometheus_client was imported before %s was set: per-process metrics", ENV)
    registry = None if multiprocess else CollectorRegistry()
    _metrics = Metrics(
        requests=Counter(
            "searchsvc_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=registry,
        ),
        latency=Histogram(
            "searchsvc_http_request_duration_seconds",
            "Time from request to response in the app, by route template and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        multiprocess=multiprocess,
        registry=registry,
    )
    return _metrics


def mark_process_dead(pid: int) -> None:
    """gunicorn ``child_exit`` hook: drop a dead worker's live gauges (counters are kept)."""
    if os.environ.get(ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


class MetricsResource:
    def __init__(self, metrics: Metrics):
        self.metrics = metrics

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Prometheus text exposition, summed over all workers."""
        resp.data, resp.content_type = self.metrics.exposition()
        resp.cache_control = ["no-store"]
