"""``OpenSearchBackend``: searchsvc's index on an OpenSearch (or Elasticsearch 7.10-compatible)
cluster, behind an alias so a rebuild or a restore swaps in a whole new index atomically.

Writes:

* ``put`` replaces a story with one index operation (the story is one OpenSearch document, its
  chunks nested: ``mapping.py``), conditional on the sequence number of the copy whose version was
  checked (``if_seq_no``/``if_primary_term``): an older version is refused with ``409`` and two
  writers racing on one story cannot both win. ``refresh=true``: the story is searchable when the
  write is answered. Readers never see half a story, old and new chunks mixed, or none.
* ``add_documents`` (``searchsvc index``) and ``rebuild`` (``searchsvc reindex``) send bulk
  requests; a rebuild fills a new index with refresh off and no replicas, then restores both,
  carries over the pushed stories the files lack, and moves the alias in one ``_aliases`` call.
* ``backup``/``restore`` are snapshots in an ``fs`` repository at the given directory, which must
  be on a filesystem every node shares and be listed in their ``path.repo``.

A cluster that cannot take a request answers ``IndexBusy`` (``503`` with ``Retry-After``), see
``connection.call``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from opensearchpy import exceptions as ox
from opensearchpy import helpers

from ...config import Settings
from ...errors import (
    ConfigError,
    DocumentNotFound,
    IndexBusy,
    InvalidParameter,
    VersionConflict,
)
from ..bulk import Delete, Op, Outcome, runs
from ..models import Chunk, Document, Hit, Related, SearchRequest, SearchResult
from ..query.parse import ParsedQuery, parse
from ..render.hits import document_view, hit
from ..stored import StoredChunk
from ..text.analysis import iter_terms
from ..versions import is_older
from . import export, loading, speakers
from .connection import BUSY_STATUSES, call, connect
from .mapping import index_body
from .search import Searcher
from .stories import from_source, story_source

log = logging.getLogger("searchsvc.opensearch")

PUT_ATTEMPTS = 8
SNAPSHOT = "searchsvc"


class OpenSearchBackend:
    name = "opensearch"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.alias = settings.opensearch_index
        self.client = connect(settings)
        self.searcher = Searcher(self.client, self.alias, settings.max_wildcard_expansion)
        self._ready = False

    # --- the alias and its index ------------------------------------------------------------
    def ensure_index(self) -> None:
        """Create the first index behind the alias unless the alias exists (any worker may)."""
        if self._ready:
            return
        if call(self.client.indices.exists_alias, name=self.alias):
            self._ready = True
            return
        if call(self.client.indices.exists, index=self.alias):
            raise ConfigError(
                f"SEARCHSVC_OPENSEARCH_INDEX={self.alias}: an index (not an alias) has that name; "
                "searchsvc needs the name for an alias it can move"
            )
        body = self._new_index_body(building=False)
        body["aliases"] = {self.alias: {}}
        try:
            call(self.client.indices.create, index=f"{self.alias}-initial", body=body)
        except ox.RequestError as exc:
            if "resource_already_exists" not in str(exc.error):
                raise
        call(
            self.client.cluster.health,
            index=f"{self.alias}-initial",
            wait_for_status="yellow",
        )
        self._ready = True

    def _new_index_body(self, building: bool) -> dict[str, Any]:
        body = index_body(self.settings.opensearch_shards, self.settings.opensearch_replicas)
        if building:
            # Nothing written to a build is acknowledged to anyone before its alias moves, so it
            # needs no replicas, no refreshes and no fsync of the translog per bulk request
            # (``_open_for_reads`` restores all three, and flushes, before the swap).
            body["settings"]["index"]["number_of_replicas"] = 0
            body["settings"]["index"]["refresh_interval"] = "-1"
            body["settings"]["index"]["translog"] = {"durability": "async"}
        return body

    def live_index(self) -> str:
        self.ensure_index()
        try:
            aliases = call(self.client.indices.get_alias, name=self.alias)
        except ox.NotFoundError:
            self._ready = False
            self.ensure_index()
            aliases = call(self.client.indices.get_alias, name=self.alias)
        return sorted(aliases)[0]

    # --- writes -----------------------------------------------------------------------------
    def add_documents(
        self, docs: Iterable[tuple[Document, list[Chunk]]], *, procs: int = 1
    ) -> tuple[int, int]:
        self.ensure_index()
        counts = self._bulk(self.alias, ((d, c, "file") for d, c in docs), procs=procs)
        call(self.client.indices.refresh, index=self.alias)
        return counts[0], counts[1]

    def _bulk(
        self,
        index: str,
        stories: Iterable[tuple[Document, list[Chunk], str]],
        written: set[str] | None = None,
        procs: int = 1,
    ) -> tuple[int, int]:
        """Index (document, chunks, origin) triples with bulk requests (``loading.py``: analysis
        in ``procs`` processes overlapped with the cluster's indexing); (documents, chunks)."""
        n = [0, 0]

        def counted() -> Iterator[tuple[Document, list[Chunk], str]]:
            for doc, chunks, origin in stories:
                n[0] += 1
                n[1] += len(chunks)
                if written is not None:
                    written.add(doc.id)
                yield doc, chunks, origin

        try:
            loading.load(self.client, index, counted(), procs=procs)
        except (ox.ConnectionError, ox.TransportError) as exc:
            call(_reraise, exc)
        return n[0], n[1]

    def put(self, doc: Document, chunks: list[Chunk]) -> bool:
        self.ensure_index()
        source = story_source(doc, chunks, origin="push")
        for _ in range(PUT_ATTEMPTS):
            stored = self._stored_version(doc.id)
            if stored is not None and is_older(doc.version, stored["version"]):
                raise VersionConflict(
                    f"document {doc.id!r} is at version {stored['version']}; "
                    f"refusing older version {doc.version}",
                    details={"stored_version": stored["version"]},
                )
            condition: dict[str, Any] = (
                {"op_type": "create"}
                if stored is None
                else {"if_seq_no": stored["seq_no"], "if_primary_term": stored["primary_term"]}
            )
            try:
                call(
                    self.client.index,
                    index=self.alias,
                    id=doc.id,
                    body=source,
                    refresh="true",
                    **condition,
                )
            except ox.ConflictError:
                continue  # another writer got there first: check its version again
            return stored is None
        raise IndexBusy(f"document {doc.id!r} is being written by others; try again")

    def _stored_version(self, doc_id: str) -> dict[str, Any] | None:
        try:
            got = call(self.client.get, index=self.alias, id=doc_id, _source_includes=["version"])
        except ox.NotFoundError:
            return None
        return {
            "version": got.get("_source", {}).get("version"),
            "seq_no": got["_seq_no"],
            "primary_term": got["_primary_term"],
        }

    def delete(self, doc_id: str) -> None:
        self.ensure_index()
        try:
            call(self.client.delete, index=self.alias, id=doc_id, refresh="true")
        except ox.NotFoundError as exc:
            raise DocumentNotFound(f"no document with id {doc_id!r}") from exc

    def write_batch(self, ops: list[Op], deadline: float | None = None) -> list[Outcome]:
        """One ``_bulk`` request per run of distinct ids (``bulk.runs``; usually the whole batch),
        each line conditional on the sequence number of the copy whose version was checked (one
        ``mget`` for all), ``refresh=wait_for`` once. Lines another writer got to first are read
        and sent again, as ``put`` does; the rest are answered from the bulk response. The
        cluster merges segments in the background, so ``deadline`` changes nothing here."""
        self.ensure_index()
        out: list[Outcome] = [None] * len(ops)
        for run in runs(ops):
            pending = run
            for _ in range(PUT_ATTEMPTS):
                pending = self._bulk_run(pending, out)
                if not pending:
                    break
            for i, op in pending:
                out[i] = IndexBusy(f"document {op.doc_id!r} is being written by others; try again")
        return out

    def _bulk_run(self, run: list[tuple[int, Op]], out: list[Outcome]) -> list[tuple[int, Op]]:
        """Send one run; the (position, op)s that lost a race and must be checked again."""
        stored = self._stored_versions([op.doc_id for _, op in run])
        body: list[dict[str, Any]] = []
        sent: list[tuple[int, Op, bool]] = []
        for i, op in run:
            have = stored.get(op.doc_id)
            condition = (
                {}
                if have is None
                else {"if_seq_no": have["seq_no"], "if_primary_term": have["primary_term"]}
            )
            if isinstance(op, Delete):
                if have is None:
                    out[i] = DocumentNotFound(f"no document with id {op.doc_id!r}")
                    continue
                body.append({"delete": {"_id": op.doc_id, **condition}})
            else:
                if have is not None and is_older(op.doc.version, have["version"]):
                    out[i] = VersionConflict(
                        f"document {op.doc_id!r} is at version {have['version']}; "
                        f"refusing older version {op.doc.version}",
                        details={"stored_version": have["version"]},
                    )
                    continue
                if have is None:
                    body.append({"create": {"_id": op.doc_id}})
                else:
                    body.append({"index": {"_id": op.doc_id, **condition}})
                body.append(story_source(op.doc, op.chunks, origin="push"))
            sent.append((i, op, have is None))
        if not sent:
            return []
        answer = call(self.client.bulk, index=self.alias, body=body, refresh="wait_for")
        again: list[tuple[int, Op]] = []
        for (i, op, new), item in zip(sent, answer["items"], strict=True):
            ((_, result),) = item.items()
            status = result.get("status", 0)
            if status in (200, 201):
                out[i] = None if isinstance(op, Delete) else new
            elif status == 409:
                again.append((i, op))  # changed since it was read: check its version again
            elif status == 404 and isinstance(op, Delete):
                out[i] = DocumentNotFound(f"no document with id {op.doc_id!r}")
            else:
                reason = str(result.get("error", {}).get("reason") or status)[:200]
                if status not in BUSY_STATUSES:
                    log.warning("bulk line for %r refused: %s", op.doc_id, reason)
                out[i] = IndexBusy(f"the OpenSearch cluster refused this line ({reason})")
        return again

    def _stored_versions(self, doc_ids: list[str]) -> dict[str, dict[str, Any]]:
        """``_stored_version`` of many stories in one ``mget`` (absent ones left out)."""
        got = call(
            self.client.mget, index=self.alias, body={"ids": doc_ids}, _source_includes=["version"]
        )
        return {
            d["_id"]: {
                "version": d.get("_source", {}).get("version"),
                "seq_no": d["_seq_no"],
                "primary_term": d["_primary_term"],
            }
            for d in got["docs"]
            if d.get("found")
        }

    def rebuild(
        self, docs: Iterable[tuple[Document, list[Chunk]]], *, procs: int = 1
    ) -> tuple[int, int]:
        self.ensure_index()
        new = f"{self.alias}-{time.strftime('%Y%m%dt%H%M%S')}-{uuid.uuid4().hex[:6]}"
        call(self.client.indices.create, index=new, body=self._new_index_body(building=True))
        try:
            written: set[str] = set()
            counts = self._bulk(
                new, ((d, c, "file") for d, c in docs), written=written, procs=procs
            )
            old = self.live_index()
            self._carry_pushed(old, new, written)
            self._open_for_reads(new)
            self._swap(old, new)
            # Stories pushed to the old index while the alias moved: copy them too.
            self._carry_pushed(old, self.alias, written, refresh=True)
        except BaseException:
            call(self.client.indices.delete, index=new, ignore_unavailable=True)
            raise
        call(self.client.indices.delete, index=old, ignore_unavailable=True)
        return counts

    def _carry_pushed(self, old: str, new: str, files: set[str], refresh: bool = False) -> int:
        """Copy the pushed stories of ``old`` whose ids the files lack into ``new``."""
        carried = 0
        stories = helpers.scan(
            self.client,
            index=old,
            query={"query": {"term": {"origin": "push"}}},
            _source_includes=["doc_id", "doc", "chunks.stored", "version"],
        )

        def rebuilt() -> Iterator[tuple[Document, list[Chunk], str]]:
            nonlocal carried
            for hit_ in stories:
                source = hit_["_source"]
                if source["doc_id"] in files:
                    continue
                carried += 1
                yield (*from_source(source), "push")

        try:
            self._bulk(new, rebuilt())
        except ox.NotFoundError:
            return carried
        if refresh:
            call(self.client.indices.refresh, index=new)
        if carried:
            log.info("carried %d pushed stories into %s", carried, new)
        return carried

    def _open_for_reads(self, index: str) -> None:
        call(
            self.client.indices.put_settings,
            index=index,
            body={
                "index": {
                    "number_of_replicas": self.settings.opensearch_replicas,
                    "refresh_interval": None,
                    "translog.durability": "request",
                }
            },
        )
        call(self.client.indices.flush, index=index)  # the build on disk, translog synced
        call(self.client.indices.refresh, index=index)
        wanted = "green" if self._can_be_green() else "yellow"
        for _ in range(4):  # the server waits up to 30 s per call
            health = call(self.client.cluster.health, index=index, wait_for_status=wanted)
            if not health.get("timed_out"):
                return
        raise IndexBusy(f"the new index {index} did not get its replicas in time")

    def _can_be_green(self) -> bool:
        nodes = call(self.client.cluster.health)["number_of_data_nodes"]
        return nodes > self.settings.opensearch_replicas

    def _swap(self, old: str, new: str) -> None:
        call(
            self.client.indices.update_aliases,
            body={
                "actions": [
                    {"remove": {"index": old, "alias": self.alias}},
                    {"add": {"index": new, "alias": self.alias}},
                ]
            },
        )

    # --- backups ----------------------------------------------------------------------------
    def backup(self, dest: Path) -> Path:
        """A snapshot when ``dest`` lies under the cluster's ``path.repo`` (an ``fs`` repository
        every node shares), else an export of every story to ``dest`` (``export.py``)."""
        dest = Path(dest).resolve()
        if dest.exists() and any(dest.iterdir()):
            raise InvalidParameter(f"backup destination {dest} is not empty")
        if self._in_path_repo(dest):
            return self._snapshot(dest)
        return export.write(self.client, self.live_index(), dest)

    def restore(self, src: Path) -> None:
        src = Path(src).resolve()
        if export.is_export(src):
            stories = export.read(src)  # checks the manifest first: a damaged export is refused
            self._replace_with(lambda index: self._bulk_sources(index, stories))
            return
        if not src.is_dir() or not self._in_path_repo(src):
            raise InvalidParameter(f"{src} holds no index")
        self._restore_snapshot(src)

    def _replace_with(self, fill) -> None:
        """Fill a new index with ``fill(index)``, then swap it in for the live one."""
        old = self.live_index()
        new = f"{self.alias}-restore-{time.strftime('%Y%m%dt%H%M%S')}-{uuid.uuid4().hex[:6]}"
        call(self.client.indices.create, index=new, body=self._new_index_body(building=True))
        try:
            fill(new)
            self._open_for_reads(new)
        except BaseException:
            call(self.client.indices.delete, index=new, ignore_unavailable=True)
            raise
        self._swap(old, new)
        call(self.client.indices.delete, index=old, ignore_unavailable=True)

    def _bulk_sources(self, index: str, stories: Iterable[dict[str, Any]]) -> None:
        self._bulk(index, ((*from_source(src), src.get("origin", "file")) for src in stories))

    def _in_path_repo(self, path: Path) -> bool:
        nodes = call(self.client.nodes.info, metric="settings")["nodes"].values()
        roots = [r for n in nodes for r in _as_list(n["settings"].get("path", {}).get("repo"))]
        return bool(roots) and any(path.is_relative_to(Path(r)) for r in roots)

    def _repository(self, location: Path, readonly: bool) -> str:
        name = "searchsvc-" + hashlib.sha1(str(location).encode()).hexdigest()[:12]
        try:
            call(
                self.client.snapshot.create_repository,
                repository=name,
                body={"type": "fs", "settings": {"location": str(location), "readonly": readonly}},
            )
        except ox.TransportError as exc:
            raise InvalidParameter(
                f"{location} cannot hold snapshots (it must be on a filesystem every node shares "
                f"and under their path.repo): {str(exc.info)[:200]}"
            ) from exc
        return name

    def _snapshot(self, dest: Path) -> Path:
        index = self.live_index()
        repo = self._repository(dest, readonly=False)
        resp = call(
            self.client.snapshot.create,
            repository=repo,
            snapshot=SNAPSHOT,
            body={"indices": index, "include_global_state": False},
            wait_for_completion=True,
        )
        state = resp.get("snapshot", {}).get("state")
        if state != "SUCCESS":
            raise IndexBusy(f"the snapshot of {index} ended {state}; try again")
        return dest

    def _restore_snapshot(self, src: Path) -> None:
        repo = self._repository(src, readonly=True)
        try:
            snaps = call(self.client.snapshot.get, repository=repo, snapshot=SNAPSHOT)
            indices = snaps["snapshots"][0]["indices"]
        except (ox.TransportError, KeyError, IndexError) as exc:
            raise InvalidParameter(f"{src} holds no index") from exc
        old = self.live_index()
        new = f"{self.alias}-restore-{time.strftime('%Y%m%dt%H%M%S')}-{uuid.uuid4().hex[:6]}"
        try:
            call(
                self.client.snapshot.restore,
                repository=repo,
                snapshot=SNAPSHOT,
                body={
                    "indices": indices[0],
                    "rename_pattern": ".+",
                    "rename_replacement": new,
                    "include_aliases": False,
                    "include_global_state": False,
                },
                wait_for_completion=True,
            )
            self._open_for_reads(new)
        except (ox.TransportError, IndexBusy) as exc:
            call(self.client.indices.delete, index=new, ignore_unavailable=True)
            raise InvalidParameter(f"backup at {src} is incomplete or damaged: {exc}") from exc
        self._swap(old, new)
        call(self.client.indices.delete, index=old, ignore_unavailable=True)

    # --- reads ----------------------------------------------------------------------------
    def export(self, request: SearchRequest, limit: int) -> tuple[int, Iterator[Hit]]:
        self.ensure_index()
        parsed = self._parsed(request)
        total, rows = self.searcher.export(request, parsed, limit)
        rendered = (
            hit(row, marks, rank, request.highlight) for rank, (row, marks) in enumerate(rows, 1)
        )
        return total, rendered

    def speakers(
        self, q: str, role: str | None, page: int, per_page: int
    ) -> tuple[int, list[dict[str, Any]]]:
        self.ensure_index()
        return speakers.speaker_page(self.client, self.alias, q, role, page, per_page)

    def speaker(self, name: str) -> dict[str, Any]:
        self.ensure_index()
        return speakers.record_of(self.client, self.alias, name)

    def document_frequencies(self, stems: list[str]) -> tuple[dict[str, int], int]:
        self.ensure_index()
        return self.searcher.doc_frequencies(stems, "text")

    def related(self, doc_id: str, paragraph: int, limit: int) -> Related:
        self.ensure_index()
        text = self._paragraph_text(doc_id, paragraph)
        found = self.searcher.related(text, doc_id, limit)
        return Related(
            doc_id,
            paragraph,
            found.terms,
            found.total,
            [hit(row, marks, rank, True) for rank, (row, marks) in
             enumerate(zip(found.rows, found.marks, strict=True), 1)],
        )  # fmt: skip

    def _paragraph_text(self, doc_id: str, paragraph: int) -> str:
        try:
            got = call(
                self.client.get,
                index=self.alias,
                id=doc_id,
                _source_includes=["chunks.id", "chunks.stored.text"],
            )
        except ox.NotFoundError as exc:
            raise DocumentNotFound(f"no document with id {doc_id!r}") from exc
        wanted = f"{doc_id}:{paragraph}"
        for chunk in got["_source"].get("chunks", []):
            if chunk.get("id") == wanted:
                return chunk.get("stored", {}).get("text", "")
        raise DocumentNotFound(f"document {doc_id!r} has no paragraph {paragraph}")

    def _parsed(self, request: SearchRequest) -> ParsedQuery:
        """The engine's parse of the request (held to the limits by ``validate`` already)."""
        return getattr(request, "parsed", None) or parse(request.q)

    def search(self, request: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        self.ensure_index()
        parsed = self._parsed(request)
        answer = self.searcher.search(request, parsed)
        first = (request.page - 1) * request.per_page + 1
        hits = [
            hit(row, marks, first + i, request.highlight)
            for i, (row, marks) in enumerate(zip(answer.rows, answer.marks, strict=True))
        ]
        return SearchResult(
            query=request.q,
            total=answer.total,
            page=request.page,
            per_page=request.per_page,
            took_ms=(time.perf_counter() - t0) * 1000,
            hits=hits,
            facets=answer.facets,
            suggestion=answer.suggestion,
            histogram=answer.histogram,
        )

    def document(self, doc_id: str) -> dict[str, Any]:
        self.ensure_index()
        try:
            got = call(
                self.client.get,
                index=self.alias,
                id=doc_id,
                _source_includes=["doc_id", "doc", "chunks.stored", "chunks.id"],
            )
        except ox.NotFoundError as exc:
            raise DocumentNotFound(f"no document with id {doc_id!r}") from exc
        source = got["_source"]
        view = document_view(
            StoredChunk.of(
                {
                    "id": c.get("id"),
                    "doc_id": source["doc_id"],
                    "text": c.get("stored", {}).get("text", ""),
                    "chunk": c.get("stored", {}).get("chunk", {}),
                    "doc": source.get("doc", {}),
                }
            )
            for c in source.get("chunks", [])
        )
        if view is None:
            raise DocumentNotFound(f"no document with id {doc_id!r}")
        return view

    def suggest(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        prefix = prefix.strip()
        if not prefix:
            return []
        self.ensure_index()
        folded = prefix.casefold()
        terms = [t.text for t in iter_terms(prefix, query=True, keep_stops=True)]
        aggs: dict[str, Any] = {
            "speakers": {"terms": {"field": "chunks.facet.speaker", "size": 10_000}}
        }
        if terms:
            aggs["terms"] = {
                "terms": {
                    "field": "chunks.terms",
                    "include": _lucene_regex_escape(terms[-1]) + ".*",
                    "size": limit,
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                }
            }
        resp = call(
            self.client.search,
            index=self.alias,
            body={"size": 0, "aggs": {"chunks": {"nested": {"path": "chunks"}, "aggs": aggs}}},
        )
        chunks = resp["aggregations"]["chunks"]
        out: list[dict[str, Any]] = []
        for b in chunks["speakers"]["buckets"]:
            name = b["key"]
            low = name.casefold()
            if low.startswith(folded) or any(p.startswith(folded) for p in low.split()):
                out.append({"value": name, "type": "speaker", "count": b["doc_count"]})
        if terms:
            words = prefix.split()
            head = prefix[: len(prefix) - len(words[-1])] if len(words) > 1 else ""
            out.extend(
                {"value": head + b["key"], "type": "term", "count": b["doc_count"]}
                for b in chunks["terms"]["buckets"]
            )
        out.sort(key=lambda e: (-e["count"], e["value"]))
        return out[:limit]

    def stats(self) -> dict[str, Any]:
        index = self.live_index()
        resp = call(
            self.client.search,
            index=self.alias,
            body={
                "size": 0,
                "track_total_hits": True,
                "aggs": {"chunks": {"sum": {"field": "n_chunks"}}},
            },
        )
        health = call(self.client.cluster.health)
        return {
            "documents": resp["hits"]["total"]["value"],
            "chunks": int(resp["aggregations"]["chunks"]["value"] or 0),
            "generation": self.generation(),
            "index": index,
            "cluster": {
                "status": health.get("status"),
                "nodes": health.get("number_of_nodes"),
                "name": health.get("cluster_name"),
            },
        }

    def generation(self) -> int:
        """The live index, its story count and its newest write's time, folded into a number."""
        self.ensure_index()
        resp = call(
            self.client.search,
            index=self.alias,
            body={
                "size": 1,
                "track_total_hits": True,
                "_source": False,
                "sort": [{"stamp": {"order": "desc", "missing": "_last"}}],
            },
        )
        hits = resp["hits"]["hits"]
        index = hits[0]["_index"] if hits else ""
        stamp = hits[0]["sort"][0] if hits else 0
        count = resp["hits"]["total"]["value"]
        return zlib.crc32(f"{index}:{stamp}:{count}".encode()) & 0x7FFFFFFF

    def is_empty(self) -> bool:
        self.ensure_index()
        return call(self.client.count, index=self.alias)["count"] == 0

    def warm(self) -> None:
        self.ensure_index()


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _reraise(exc: Exception) -> None:
    raise exc


def _lucene_regex_escape(text: str) -> str:
    return re.sub(r"([^\w])", r"\\\1", text)
