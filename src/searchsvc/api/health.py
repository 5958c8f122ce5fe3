"""GET /health: liveness plus what is being served (document and chunk counts, index generation,
the live index directory — it changes when ``searchsvc reindex``/``restore`` swaps one in — and
version). Load balancers and the test fixture poll it; it is never cached."""

from __future__ import annotations

import falcon

from .. import __version__
from ..engine.service import Engine


class HealthResource:
    public = True  # no API key even when read keys are configured (see auth.py)

    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        stats = self.engine.stats()
        resp.cache_control = ["no-store"]
        resp.media = {
            "status": "ok",
            "documents": stats.get("documents", 0),
            "chunks": stats.get("chunks", 0),
            "generation": stats.get("generation", 0),
            "index": stats.get("index", ""),
            "backend": self.engine.backend.name,
            "version": __version__,
        }
        if "cluster" in stats:  # a cluster backend: its status and node count
            resp.media["cluster"] = stats["cluster"]

    on_head = on_get  # load balancers and curl -I probe with HEAD; Falcon drops the body
