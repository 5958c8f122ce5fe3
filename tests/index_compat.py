"""What an index answers, as plain data: shared by the compatibility test and the script that
records the expected answers of the committed old-layout index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from searchsvc.config import Settings
from searchsvc.engine.models import SearchRequest
from searchsvc.engine.service import Engine

QUERIES = ["vaccine", '"press secretary"', "jobs report", "pres*", "WHO", "budget"]


def answers(index_dir: Path) -> dict[str, Any]:
    engine = Engine(Settings.from_env({}, index_dir=index_dir))
    out: dict[str, Any] = {}
    for q in QUERIES:
        result = engine.search(SearchRequest(q=q, per_page=50)).as_dict()
        result.pop("took_ms")
        out[q] = result
    docs = sorted({h["document"]["id"] for r in out.values() for h in r["hits"]})
    out["_documents"] = {d: engine.get_document(d) for d in docs}
    out["_stats"] = {k: v for k, v in engine.stats().items() if k in ("documents", "chunks")}
    return out
