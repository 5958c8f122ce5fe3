"""The engine's one front door: what the CLI and the HTTP layer call.

``Engine`` holds what every backend shares — reading files and pushed stories into ``Document``s,
chunking them, parsing each query once into a tree — and hands the storage work to its backend
(:mod:`searchsvc.engine.backend`; ``SEARCHSVC_BACKEND``). Callers never touch the storage; they
hand in ``Document``s, JSON objects or ``SearchRequest``s and get plain data back. Errors are
``SearchsvcError``s with stable codes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import IndexBusy, InvalidDocument, InvalidParameter, SearchsvcError
from .allocator import keep_large_arrays_on_heap
from .backend import Backend, open_backend
from .bulk import BatchSizer, Delete, Op, Put
from .ids import check_doc_id
from .models import Chunk, Document, Hit, Related, SearchRequest, SearchResult
from .query.parse import ParsedQuery, parse
from .query.synonyms import Expansion, count_terms, expand
from .query.tree import Or, Word
from .ranking import FEEDBACK_CHUNKS, feedback_terms, wants_feedback
from .reading import ReadingPool, read_one
from .request import validate
from .synonym_store import SynonymStore
from .text.repeated import without_repeated

log = logging.getLogger("searchsvc.engine")


@dataclass
class IndexReport:
    documents: int
    chunks: int
    seconds: float
    # (path, reason): unreadable files, and single bad records of multi-record files
    # (the reason then starts "record N (id 'X'): ").
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class WriteResult:
    id: str
    created: bool  # False when an existing document was replaced
    chunks: int
    version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "result": "created" if self.created else "updated",
            "chunks": self.chunks,
            "version": self.version,
        }


class Engine:
    """Search engine over one backend (by default the index directory of ``settings``). Safe to
    share within a process; the backend serialises writes across processes."""

    def __init__(self, settings: Settings | None = None, backend: Backend | None = None):
        keep_large_arrays_on_heap()
        self.settings = settings or Settings.from_env()
        self.backend = backend or open_backend(self.settings)
        self.synonyms = SynonymStore(
            self.settings.synonyms or Path(self.settings.index_dir) / "synonyms.txt"
        )

    # --- writes ---------------------------------------------------------------------------
    def index_paths(
        self,
        paths: Iterable[Path],
        progress: Callable[[int], None] | None = None,
        procs: int = 1,
        into_new: bool = False,
    ) -> IndexReport:
        """Read every file under ``paths`` and (re)index it; same id twice replaces, never dupes.

        ``into_new`` builds a fresh index beside the live one and swaps it in when complete
        (``searchsvc reindex``): searches keep being answered from the old one meanwhile.
        """
        t0 = time.perf_counter()
        skipped: list[tuple[str, str]] = []
        write = self.backend.rebuild if into_new else self.backend.add_documents
        with contextlib.ExitStack() as stack:
            # procs > 1: files are read and chunked in that many processes too, in stream order
            pool = stack.enter_context(ReadingPool(procs)) if procs > 1 else None
            read = _read_all(paths, skipped, progress, pool)
            docs = _chunked(without_repeated(read), pool.chunk if pool is not None else None)
            n_docs, n_chunks = write(docs, procs=procs)
        self.warm()  # decodes the new segments' facet columns once, for every worker to load
        return IndexReport(n_docs, n_chunks, time.perf_counter() - t0, skipped)

    def put_document(self, doc: Document) -> WriteResult:
        """Index or replace one document. Raises VersionConflict if ``doc.version`` is older than
        the stored version, IndexBusy if the writer lock is not had in ``settings.lock_timeout``."""
        from .text.chunking import chunk_document

        chunks = chunk_document(doc)
        created = self.backend.put(doc, chunks)
        return WriteResult(doc.id, created, len(chunks), doc.version)

    def put_json(self, obj: Any, doc_id: str | None = None) -> WriteResult:
        """Native JSON or IPTC ninjs (detected by ``uri``) → ``put_document``, once it keeps the
        rule of a pushed document (``check_pushed``: its format's schema, ISO 8601 dates).

        A body naming another document than ``doc_id`` (the URL's) is a client bug — a CMS
        sending story A's body to story B's URL — and is refused rather than indexed under
        either id."""
        return self.put_document(_pushed_document(obj, doc_id))

    def delete_document(self, doc_id: str) -> None:
        """Remove every chunk of a document. Raises DocumentNotFound."""
        self.backend.delete(doc_id)

    def bulk(
        self, lines: list[BulkLine], deadline: float | None = None
    ) -> list[WriteResult | SearchsvcError | None]:
        """``put_json`` and ``delete_document`` for many lines, stored in batches of at most
        ``settings.bulk_batch`` (one commit, one refresh each; ``BatchSizer`` keeps a batch within
        the time left): each line's ``WriteResult``, None for a deletion, or the error that line
        alone gets. A line is ``("index", id or None, the
        JSON object)``, ``("delete", id, None)``, or carries the error its parsing raised.

        Past ``deadline`` (``time.perf_counter``), or once the backend is busy, the remaining
        lines are not tried and get ``IndexBusy``, so a request answers before its worker's
        timeout and the client resends just those."""
        from .text.chunking import chunk_document

        out: list[WriteResult | SearchsvcError | None] = [None] * len(lines)
        batch: list[tuple[int, Op]] = []
        stop: IndexBusy | None = None
        sizer = BatchSizer(self.settings.bulk_batch, deadline)
        started = time.perf_counter()

        def late() -> bool:
            nonlocal stop
            if stop is None and deadline is not None and time.perf_counter() > deadline:
                stop = IndexBusy("bulk time budget spent before this line; resend it.")
            return stop is not None

        def store() -> None:
            nonlocal stop
            ops = [op for _, op in batch]
            try:
                if late():
                    raise stop  # type: ignore[misc]
                outcomes = self.backend.write_batch(ops, deadline)
            except IndexBusy as exc:
                stop = stop or exc
                outcomes = [exc] * len(ops)
            for (i, op), outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, SearchsvcError) or isinstance(op, Delete):
                    out[i] = outcome
                else:
                    out[i] = WriteResult(op.doc.id, bool(outcome), len(op.chunks), op.doc.version)
            sizer.done(len(batch), time.perf_counter() - started)
            batch.clear()

        for i, (action, doc_id, obj) in enumerate(lines):
            if late():
                out[i] = stop
                continue
            if not batch:
                started = time.perf_counter()
            try:
                if isinstance(obj, SearchsvcError):
                    raise obj
                if action == "delete":
                    assert doc_id is not None
                    batch.append((i, Delete(doc_id)))
                else:
                    doc = _pushed_document(obj, doc_id)
                    batch.append((i, Put(doc, chunk_document(doc))))
            except SearchsvcError as exc:
                out[i] = exc
                continue
            if sizer.full(len(batch), time.perf_counter() - started):
                store()
        if batch:
            store()
        return out

    # --- reads ----------------------------------------------------------------------------
    def parse(self, q: str) -> ParsedQuery:
        """``q`` as a query tree; ``validate`` has held it to the limits already."""
        return parse(q)

    def search(self, request: SearchRequest) -> SearchResult:
        """``request`` checked by :func:`.request.validate` (every caller's one validation),
        parsed once, expanded with the newsroom's synonyms, given relevance feedback when it is a
        long question, then answered; ``InvalidParameter`` names the rule a request breaks."""
        request = validate(request, self.settings)
        if request.parsed is None:
            request = dataclasses.replace(request, parsed=self.parse(request.q))
        request, expansions = self._with_synonyms(request)
        request = self._with_feedback(request)
        result = self.backend.search(request)
        if expansions:
            result = dataclasses.replace(result, expansions=[e.as_dict() for e in expansions])
        return result

    def _with_synonyms(self, request: SearchRequest) -> tuple[SearchRequest, list[Expansion]]:
        parsed = request.parsed
        synonyms = self.synonyms.current() if request.synonyms else None
        if parsed is None or not synonyms:
            return request, []
        tree, used = expand(parsed.tree, synonyms)
        if not used:
            return request, []
        n_terms = count_terms(tree)
        if n_terms > self.settings.max_query_terms:
            raise InvalidParameter(
                f"synonyms expand q to {n_terms} terms; the limit is "
                f"{self.settings.max_query_terms} (search with synonyms=false, or fewer words)",
                code="too_many_terms",
            )
        loose = expand(parsed.loose, synonyms)[0] if parsed.loose is not None else None
        parsed = dataclasses.replace(parsed, tree=tree, loose=loose)
        return dataclasses.replace(request, parsed=parsed), used

    def _with_feedback(self, request: SearchRequest) -> SearchRequest:
        """Long questions in plain words get RM3 feedback terms (``ranking.py``), estimated from
        a first pass over the same filters, the best chunk of each of the best documents; other
        queries pass through untouched."""
        parsed = request.parsed
        if (
            parsed is None
            or parsed.loose is None
            or request.sort != "relevance"
            or not wants_feedback(list(parsed.words))
        ):
            return request
        first = self.backend.search(
            dataclasses.replace(
                request, page=1, per_page=FEEDBACK_CHUNKS, group="document", facets=False,
                histogram=None, highlight=False,
            )
        )  # fmt: skip
        terms = feedback_terms(
            [(h.text, h.score) for h in first.hits],
            list(parsed.words),
            self.backend.document_frequencies,
        )
        weighted = [(term, round(weight, 4)) for term, weight in terms]
        bonus = Or(tuple(Word(term, boost=weight) for term, weight in weighted if weight > 0))
        if not bonus.children:
            return request
        return dataclasses.replace(request, parsed=dataclasses.replace(parsed, bonus=bonus))

    def export(self, request: SearchRequest, limit: int | None = None) -> tuple[int, Iterator[Hit]]:
        """(total, every hit up to ``limit`` — ``settings.max_export`` by default — in the
        request's order, page and per_page ignored), rendered as the caller reads them. The
        query is expanded and given feedback as ``search`` does, so the rows come in the order
        paging through ``/search`` shows them."""
        request = dataclasses.replace(request, page=1, per_page=1, facets=False, histogram=None)
        request = validate(request, self.settings)
        if request.parsed is None:
            request = dataclasses.replace(request, parsed=self.parse(request.q))
        request, _ = self._with_synonyms(request)
        request = self._with_feedback(request)
        return self.backend.export(request, limit or self.settings.max_export)

    def speakers(
        self, q: str = "", role: str | None = None, page: int = 1, per_page: int = 20
    ) -> dict[str, Any]:
        """{"total", "page", "per_page", "speakers": [record, …]}, most quoted first."""
        total, records = self.backend.speakers(q, role, page, per_page)
        return {"total": total, "page": page, "per_page": per_page, "speakers": records}

    def speaker(
        self, name: str, q: str = "", sort: str | None = None, page: int = 1, per_page: int = 10
    ) -> dict[str, Any]:
        """One speaker's record and their quotes: the chunks they spoke, matching ``q`` when
        given, by relevance (the default with ``q``) or newest first (the default without)."""
        record = self.backend.speaker(name)
        sort = sort or ("relevance" if q else "-date")
        quotes = self.search(
            SearchRequest(
                q=q,
                filters={"speaker": [record["name"]]},
                sort=sort,
                page=page,
                per_page=per_page,
                facets=False,
            )
        )
        return {
            "speaker": record,
            "query": q,
            "sort": sort,
            "total": quotes.total,
            "page": page,
            "per_page": per_page,
            "hits": [h.as_dict() for h in quotes.hits],
        }

    def related(self, doc_id: str, paragraph: int, limit: int = 10) -> Related:
        """Paragraphs of other documents most like this one ("more like this")."""
        return self.backend.related(doc_id, paragraph, limit)

    def get_document(self, doc_id: str) -> dict[str, Any]:
        """Metadata + ``speakers`` + ``paragraphs``: [{number, speaker, role, kind, section, text}]."""
        return self.backend.document(doc_id)

    def suggest(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        """[{"value": "genome", "type": "term"|"speaker", "count": 12}], by frequency."""
        return self.backend.suggest(prefix, limit)

    def stats(self) -> dict[str, Any]:
        """{"documents": n, "chunks": n, "generation": n, "index": live index name}."""
        return self.backend.stats()

    def generation(self) -> int:
        """A number that changes whenever a write commits or a reindex swaps in (for ETags)."""
        return self.backend.generation()

    def warm(self) -> None:
        """Open the live index now rather than on the first search."""
        try:
            self.backend.warm()
        except Exception:  # a broken index will say so on the first request, with its error
            log.exception("warming the index failed")

    def keep_current(self) -> None:
        """``warm`` again, quietly: a failure (a cluster away, an index mid-swap) is the next
        request's to report, once, not a log line a second."""
        with contextlib.suppress(Exception):
            self.backend.warm()

    def is_empty(self) -> bool:
        """Cheap enough to ask before the server starts, on any size of index."""
        return self.backend.is_empty()

    # --- maintenance ------------------------------------------------------------------------
    def backup(self, dest: Path) -> Path:
        """A consistent copy of the live index; a backup killed half-way never looks complete."""
        return self.backend.backup(Path(dest))

    def restore(self, src: Path) -> None:
        """Make a backup live; a damaged one is refused and the live index is left alone."""
        self.backend.restore(Path(src))


#: One line of a bulk request: (``index`` or ``delete``, the id it names or None, the JSON object
#: of an index line or the error its parsing raised).
BulkLine = tuple[str, str | None, Any]


def _pushed_document(obj: Any, doc_id: str | None) -> Document:
    """A pushed JSON body as a Document, once it keeps the rule of a pushed document
    (``check_pushed``: its format's schema, ISO 8601 dates)."""
    from .text.ingest.jsonfmt import document_from_json, scrub_json
    from .text.ingest.pushed import check_pushed

    obj = scrub_json(obj)
    check_pushed(obj)
    if doc_id is not None and isinstance(obj, dict) and obj.get("id") is not None:
        body_id = check_doc_id(obj["id"])
        if body_id != doc_id:
            raise InvalidDocument(
                f"the body's id {body_id[:60]!r} differs from the URL's {doc_id[:60]!r}."
            )
    return document_from_json(obj, doc_id)


def _read_all(
    paths: Iterable[Path],
    skipped: list[tuple[str, str]],
    progress: Callable[[int], None] | None,
    pool: ReadingPool | None = None,
) -> Iterator[Document]:
    """The documents of every file under ``paths``, in order (read by ``pool`` when given); what
    cannot be read goes to ``skipped``."""
    walk = _walk(paths)
    reads = pool.read(walk) if pool is not None else ((item, read_one(item)) for item in walk)
    for (file, unreadable), read in reads:
        if unreadable is not None:
            skipped.append((str(file), unreadable))
            continue
        for record_path, reason in read.bad_records:
            skipped.append((record_path, reason))
            log.warning("skipped %s: %s", record_path, reason)
        if read.error is not None:
            skipped.append((str(file), read.error))
            log.warning("skipped %s: %s", file, read.error)
            continue
        yield from read.documents
        if progress is not None:
            progress(1)


def _walk(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """The readable files under ``paths`` (ingest's walk), each with None; a missing path or an
    unsupported file named explicitly comes with the reason it is skipped, in its place, instead of
    stopping the run."""
    from .text.ingest import iter_files

    for path in paths:
        try:
            for file in iter_files(Path(path)):
                yield file, None
        except SearchsvcError as exc:
            yield Path(path), exc.message


IDENTITY_WINDOW = 256  # documents whose speakers are resolved together (see text.identity)

Chunker = Callable[[Iterable[Document]], Iterator[tuple[Document, list[Chunk]]]]


def _chunked(
    docs: Iterable[Document], chunker: Chunker | None = None
) -> Iterator[tuple[Document, list[Chunk]]]:
    """Chunked documents (by ``chunker`` when given, in order), their speakers resolved across
    documents in windows: a short form ("Jha") takes the one full name ("Ashish Jha") of the same
    event, window or earlier windows."""
    from .text.chunking import chunk_document
    from .text.identity import resolve_speakers

    pairs = chunker(docs) if chunker is not None else ((d, chunk_document(d)) for d in docs)
    known: set[str] = set()
    window: list[tuple[Document, list[Chunk]]] = []
    for pair in pairs:
        window.append(pair)
        if len(window) >= IDENTITY_WINDOW:
            known = resolve_speakers(window, known)
            yield from window
            window = []
    if window:
        resolve_speakers(window, known)
        yield from window


def count_files(paths: Iterable[Path]) -> int:
    """How many readable files ``index_paths`` will visit (for a progress bar's total)."""
    return sum(1 for _file, unreadable in _walk(paths) if unreadable is None)
