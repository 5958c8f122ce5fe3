"""What an index answers, as plain data: shared by the compatibility test and the script that
records the expected answers of the committed old-layout index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from searchsvc.config import Settings
from searchsvc.engine.models import SearchRequest
from searchsvc.engine.service import Engine

QUERIES = ["vaccine", '"press secretary"', "jobs report", "pres*", "WHO", "budget"]
# (document, paragraph) pairs asked for related passages; the last two name no chunk.
RELATED = [
    ("2021-03-03-press-briefing-by-press-secretary-jen-psaki", 1),
    ("2021-03-03-press-briefing-by-press-secretary-jen-psaki", 4),
    ("2021-04-02-remarks-by-president-biden-on-the-jobs-report", 2),
    ("story-1", 3),
    ("story", 99),
    ("no-such-story", 1),
]


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


def related_answers(index_dir: Path) -> dict[str, Any]:
    """``related`` for each of ``RELATED``, or the error it raised, keyed ``doc_id:paragraph``."""
    engine = Engine(Settings.from_env({}, index_dir=index_dir))
    out: dict[str, Any] = {}
    for doc_id, paragraph in RELATED:
        try:
            out[f"{doc_id}:{paragraph}"] = engine.related(doc_id, paragraph, 10).as_dict()
        except Exception as exc:  # the error is the answer being recorded
            out[f"{doc_id}:{paragraph}"] = {"error": type(exc).__name__, "message": str(exc)}
    return out
