"""Who said it, counted by the cluster: terms, min/max and reverse-nested aggregations over the
chunks' speaker facet (the rules of the list and the record: :mod:`searchsvc.engine.speakers`).

Listing is one terms aggregation over ``facet.speaker`` (chunks in ``role`` only, when given),
filtered and paged in Python; only the page's speakers get a full record, in a second request.
"""

from __future__ import annotations

from typing import Any

from ...errors import SpeakerNotFound
from ..speakers import EVENTS_LISTED, page_of_speakers, speaker_record
from .connection import call
from .search import fold, terms_agg
from .translate import PATH, chunk_field

#: Distinct speakers the list can count; an archive with more needs a name query to find one.
MAX_SPEAKERS = 50_000
ROLES_LISTED = 100


def speaker_page(
    client: Any, alias: str, q: str, role: str | None, page: int, per_page: int
) -> tuple[int, list[dict[str, Any]]]:
    """(speakers matching, the page's records), most chunks first, then by name."""
    scope: list[dict[str, Any]] = [{"exists": {"field": chunk_field("facet.speaker")}}]
    if role:
        scope.append({"term": {chunk_field("facet.role.folded"): fold(role)}})
    names = {
        "terms": {
            "field": chunk_field("facet.speaker"),
            "size": MAX_SPEAKERS,
            "order": [{"_count": "desc"}, {"_key": "asc"}],
        }
    }
    chunks = _nested(client, alias, {"scope": {"filter": {"bool": {"filter": scope}},
                                               "aggs": {"names": names}}})  # fmt: skip
    tally = {b["key"]: b["doc_count"] for b in chunks["scope"]["names"]["buckets"]}
    total, shown = page_of_speakers(tally, q, page, per_page)
    if not shown:
        return total, []
    each = {
        "terms": {"field": chunk_field("facet.speaker"), "include": shown, "size": len(shown)},
        "aggs": _record_aggs(),
    }
    found = _nested(client, alias, {"each": each})["each"]["buckets"]
    by_name = {b["key"]: _record(b["key"], b) for b in found}
    return total, [by_name[n] for n in shown if n in by_name]


def record_of(client: Any, alias: str, name: str) -> dict[str, Any]:
    """One person's record (every spelling differing only in case counts as them)."""
    one = {
        "filter": {"term": {chunk_field("facet.speaker.folded"): fold(name)}},
        "aggs": _record_aggs(),
    }
    found = _nested(client, alias, {"one": one})["one"]
    if not found["doc_count"] or not found["spelled"]["buckets"]:
        raise SpeakerNotFound(f"no speaker named {name[:100]!r}")
    return _record(found["spelled"]["buckets"][0]["key"], found)


def _nested(client: Any, alias: str, aggs: dict[str, Any]) -> dict[str, Any]:
    body = {"size": 0, "aggs": {"chunks": {"nested": {"path": PATH}, "aggs": aggs}}}
    return call(client.search, index=alias, body=body)["aggregations"]["chunks"]


def _record_aggs() -> dict[str, Any]:
    return {
        "stories": {"reverse_nested": {}},
        "spelled": terms_agg("speaker", False, size=1),
        "roles": terms_agg("role", False, size=ROLES_LISTED),
        "first": {"min": {"field": chunk_field("date"), "format": "yyyy-MM-dd"}},
        "last": {"max": {"field": chunk_field("date"), "format": "yyyy-MM-dd"}},
        "events": terms_agg("event", True, size=EVENTS_LISTED),
    }


def _record(name: str, agg: dict[str, Any]) -> dict[str, Any]:
    return speaker_record(
        name=name,
        chunks=agg["doc_count"],
        documents=agg["stories"]["doc_count"],
        roles=[{"value": b["key"], "count": b["doc_count"]} for b in agg["roles"]["buckets"]],
        first_date=_day(agg["first"]),
        last_date=_day(agg["last"]),
        events=[
            {"value": b["key"], "count": b["docs"]["doc_count"]} for b in agg["events"]["buckets"]
        ],
    )


def _day(agg: dict[str, Any]) -> str | None:
    return agg.get("value_as_string") if agg.get("value") is not None else None
