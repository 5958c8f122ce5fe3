"""The Falcon application: every route in one list, middleware and the one error handler.

``create_app(settings, engine=None)`` receives its collaborators (tests pass a real engine on a
temp index; production lets it build one), ``get_app()`` reads ``SEARCHSVC_*`` from the
environment and is what gunicorn runs: ``gunicorn 'searchsvc.api.app:get_app()'``. With preload
off, each worker calls it after the fork, so each opens its own engine and metrics files.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import falcon
import orjson

from ..analytics import Analytics
from ..config import Settings
from ..engine.service import Engine
from . import errors, metrics
from .admission import AdmissionMiddleware
from .analytics import ClickResource, StatsResource, StatsTableResource
from .auth import AuthMiddleware
from .cors import CORSMiddleware
from .documents import BulkResource, DocumentResource
from .export import ExportResource
from .feeds import AtomResource, OpenSearchResource
from .health import HealthResource
from .heap import Heap
from .middleware import (
    CachingMiddleware,
    GzipMiddleware,
    SecurityHeadersMiddleware,
    TimingMiddleware,
)
from .openapi import OpenAPIResource
from .related import RelatedResource
from .search import SearchResource
from .speakers import SpeakerResource, SpeakersResource
from .static import IndexPageResource, StaticResource
from .suggest import SuggestResource
from .synonyms import SynonymsResource


def routes(
    settings: Settings,
    engine: Engine,
    app_metrics: metrics.Metrics,
    analytics: Analytics | None = None,
) -> list[tuple[str, Any]]:
    """(URI template, resource) for every endpoint; ``openapi.py`` must describe each one."""
    return [
        ("/", IndexPageResource()),
        ("/static/{name}", StaticResource()),
        ("/search", SearchResource(engine, analytics)),
        ("/search.atom", AtomResource(engine)),
        ("/search.csv", ExportResource(engine, "csv")),
        ("/search.ndjson", ExportResource(engine, "ndjson")),
        ("/opensearch.xml", OpenSearchResource()),
        ("/documents/_bulk", BulkResource(engine, settings)),
        ("/documents/{doc_id}", DocumentResource(engine, settings)),
        ("/documents/{doc_id}/related", RelatedResource(engine)),
        ("/speakers", SpeakersResource(engine)),
        ("/speakers/{name}", SpeakerResource(engine, settings.max_query_length)),
        ("/analytics/click", ClickResource(analytics)),
        ("/stats", StatsResource(analytics)),
        ("/stats/{name}", StatsTableResource(analytics)),
        ("/suggest", SuggestResource(engine)),
        ("/synonyms", SynonymsResource(engine, settings)),
        ("/health", HealthResource(engine)),
        ("/metrics", metrics.MetricsResource(app_metrics)),
        ("/openapi.json", OpenAPIResource(settings)),
    ]


def create_app(settings: Settings, engine: Engine | None = None) -> falcon.App:
    """Wire the app around ``engine`` (one is opened on ``settings.index_dir`` when omitted)."""
    app_metrics = metrics.setup(settings)
    if engine is None:
        engine = Engine(settings)
    middleware: list[Any] = [
        TimingMiddleware(app_metrics),
        AdmissionMiddleware(settings.max_inflight),  # first: a refusal costs no other work
        SecurityHeadersMiddleware(),
        GzipMiddleware(),
        AuthMiddleware(settings),  # before caching: a 304 must not bypass the key check
        CachingMiddleware(engine),
    ]
    if settings.cors_origins:  # outside auth and errors: a 401 must still be readable by the page
        middleware.insert(1, CORSMiddleware(settings.cors_origins))
    app = falcon.App(middleware=middleware)
    # Repeated parameters are lists; commas stay inside values ("Biden, Joe"); "q=" means no q.
    app.req_options.auto_parse_qs_csv = False
    app.req_options.keep_blank_qs_values = False
    app.req_options.strip_url_path_trailing_slash = True
    # Responses are encoded with orjson (a search answer is up to ~30 KB of JSON; the stdlib
    # encoder was a visible slice of each request); bodies are still parsed by api/bodies.py.
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = falcon.media.JSONHandler(
        dumps=orjson.dumps, loads=json.loads
    )
    errors.register(app)
    analytics = (
        Analytics(settings.analytics_path, settings.analytics_days) if settings.analytics else None
    )
    for template, resource in routes(settings, engine, app_metrics, analytics):
        app.add_route(template, resource)
    return app


KEEP_CURRENT_EVERY = 1.0  # seconds an idle worker may go on holding a replaced generation


def _keep_current(engine: Engine) -> None:
    """Open the live index right after the worker boots, then look for a newer one every second.

    A worker moves to a new generation on its next request. One that gets none (its siblings took
    them all) would otherwise hold the files of the segments a merge or a reindex replaced open,
    deleted but still taking their space on disk, for as long as it stays idle.

    Once warm, the index's objects are frozen out of garbage collection (``heap.py``), and again
    after the worker has moved to a newer generation."""
    engine.warm()
    heap = Heap()
    heap.freeze(_generation(engine))
    while True:
        time.sleep(KEEP_CURRENT_EVERY)
        engine.keep_current()
        heap.refreeze(_generation(engine))


def _generation(engine: Engine) -> int | None:
    """The generation of the index this worker holds in memory, or None while it cannot be read.
    A worker on a cluster holds a client, not the index, and asking the cluster every second
    would cost a search: one freeze at start is all it needs (0, always the same)."""
    if engine.backend.name != "whoosh":
        return 0
    try:
        return engine.generation()
    except Exception:  # the next request reports it
        return None


def get_app() -> falcon.App:
    """Entry point for gunicorn: settings from the environment (``searchsvc serve`` sets them)."""
    settings = Settings.from_env()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s",
    )
    engine = Engine(settings)
    # In the background (a greenlet under the gevent worker), so that the first user request does
    # not pay seconds for the facet columns (gunicorn's boot timeout would, were it done before
    # the app is returned).
    threading.Thread(
        target=_keep_current, args=(engine,), name="searchsvc-keep-current", daemon=True
    ).start()
    return create_app(settings, engine)
