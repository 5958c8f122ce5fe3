"""CMS bulk loads: ``POST /documents/_bulk`` documents/s through the real service, per batch size.

Why: a CMS back-filling its archive sends stories by the thousand; what it waits for is the whole
request, from the first byte sent to the last line acknowledged (committed and searchable). So
this starts ``searchsvc serve`` (gunicorn, 2 workers) on a fresh index for each
``SEARCHSVC_BULK_BATCH`` in ``--batches`` (``1`` is every line its own commit, as before batching)
and sends, one request each:

1. ``--stories`` short stories (default 1,000), all new (version 1): 201 per line;
2. the same ids again at version 2 (every line a version check and a replacement): 200 per line;
3. the same ids at version 1 again: every line refused, 409, nothing written.

Lines answered ``503 index_busy`` (past the request's 20 s budget) are sent again, as a CMS
would, and the time counts until every line has its answer.

The stories are made at run time from the wh-briefings corpus (by path, never copied): each takes
its title and two to four consecutive paragraphs from one briefing. After each request a search
for one word of every tenth story's own title must find it (acknowledged = searchable), and the
answer must have one item per line with the expected status.

``--backends whoosh,opensearch --opensearch-url URL`` runs the same against an OpenSearch cluster
too (``SEARCHSVC_BACKEND=opensearch``, one new alias per run).

``--in-process`` measures instead the CPU seconds (``time.process_time``) of ``Engine.bulk`` for
the same three requests in this process, on a fresh Whoosh index (one batch of up to 1,000
lines): what the lines cost, without HTTP and without the share of the wall clock that other
processes on a busy machine take. The result names the engine's source directory, so a run of
another checkout put first on ``PYTHONPATH`` says so.

    python -m bench bulk [--stories 1000] [--batches 1,1000] [--backends whoosh,opensearch
                         --opensearch-url URL] [--in-process]
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from . import corpus
from .common import print_table
from .common import write_results as _write
from .http_latency import Server

KEY = "bench-bulk-key"


def stories(files: list[Path], n: int) -> list[dict[str, Any]]:
    """``n`` short stories (title + 2–4 paragraphs of one briefing), ids ``bulk-0`` …"""
    out: list[dict[str, Any]] = []
    sizes = itertools.cycle((2, 3, 4, 3))
    for doc in corpus.read_documents(itertools.cycle(files)):
        paras = [p for p in doc.text.split("\n\n") if len(p.split()) >= 8]
        pos = 0
        while pos < len(paras) and len(out) < n:
            size = next(sizes)
            body = "\n\n".join(paras[pos : pos + size])
            pos += size * 5  # spread over the briefing, not only its opening
            out.append(
                {
                    "id": f"bulk-{len(out)}",
                    "title": f"{doc.title} {marker(len(out))}",
                    "body": body,
                    "date": (doc.date or "2020-01-01")[:10],
                    "source": "bench",
                }
            )
        if len(out) >= n:
            return out
    return out


def marker(n: int) -> str:
    """A made-up word naming story ``n`` alone (letters only, so every analyser keeps it)."""
    letters = ""
    while True:
        n, r = divmod(n, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[r]
        if not n:
            return "zqx" + letters


def ndjson(docs: list[dict[str, Any]], version: int) -> bytes:
    return "".join(json.dumps({**d, "version": str(version)}) + "\n" for d in docs).encode()


def send(base: str, docs: list[dict[str, Any]], version: int, expect: int) -> dict[str, Any]:
    """Post the stories as one request, then resend the lines answered ``503 index_busy`` (the
    time budget spent) as a CMS would, until every line has its answer; time it all."""
    t0 = time.perf_counter()
    todo = docs
    statuses: dict[int, int] = {}
    requests_sent = took = chunks = 0
    while todo:
        r = requests.post(
            f"{base}/documents/_bulk",
            data=ndjson(todo, version),
            headers={"Content-Type": "application/x-ndjson", "Authorization": f"Bearer {KEY}"},
            timeout=120,
        )
        r.raise_for_status()
        requests_sent += 1
        took += r.json()["took"]
        items = [next(iter(i.values())) for i in r.json()["items"]]
        assert len(items) == len(todo)
        again = []
        for doc, line in zip(todo, items, strict=True):
            if line["status"] == 503:
                again.append(doc)
                continue
            assert line["status"] == expect, line
            statuses[line["status"]] = statuses.get(line["status"], 0) + 1
            chunks += line.get("chunks", 0)
        assert len(again) < len(todo), "no progress"
        todo = again
    seconds = time.perf_counter() - t0
    return {
        "seconds": round(seconds, 3),
        "docs_per_s": round(len(docs) / seconds, 1),
        "requests": requests_sent,
        "server_took_ms": took,
        "chunks": chunks,
        "statuses": statuses,
    }


def searchable(base: str, docs: list[dict[str, Any]]) -> int:
    """How many of every tenth story a search for its title's made-up word finds, right after
    the answer."""
    found = 0
    for d in docs[::10]:
        word = marker(int(d["id"].split("-")[1]))
        r = requests.get(f"{base}/search", params={"q": word, "group": "document"}, timeout=30)
        r.raise_for_status()
        found += any(h["document"]["id"] == d["id"] for h in r.json()["hits"])
    return found


def run_one(
    args: argparse.Namespace, docs: list[dict[str, Any]], batch: int, backend: str
) -> dict[str, Any]:
    env = {"SEARCHSVC_WRITE_KEYS": KEY, "SEARCHSVC_BULK_BATCH": str(batch)}
    if backend == "opensearch":
        env.update(
            SEARCHSVC_BACKEND="opensearch",
            SEARCHSVC_OPENSEARCH_URL=args.opensearch_url,
            SEARCHSVC_OPENSEARCH_INDEX=f"bench-bulk-{uuid.uuid4().hex[:8]}",
        )
    work = Path(tempfile.mkdtemp(prefix="bench-bulk-", dir=args.workdir))
    row: dict[str, Any] = {"backend": backend, "batch": batch, "stories": len(docs)}
    try:
        with Server(work / "index", 2, work / "server.log", env=env) as srv:
            row["new"] = send(srv.base, docs, 1, 201)
            row["new"]["searchable_of_sampled"] = [searchable(srv.base, docs), len(docs[::10])]
            row["replace"] = send(srv.base, docs, 2, 200)
            row["older_refused"] = send(srv.base, docs, 1, 409)
            return row
    except requests.RequestException as exc:  # e.g. a worker killed at its timeout: say so
        log = (work / "server.log").read_text(errors="replace")
        print(log[-4000:])
        row["failed"] = f"{type(exc).__name__}: {exc}"[:300]
        row["worker_timeouts"] = log.count("WORKER TIMEOUT")
        return row
    finally:
        shutil.rmtree(work, ignore_errors=True)


def in_process(args: argparse.Namespace, docs: list[dict[str, Any]]) -> dict[str, Any]:
    """``Engine.bulk``'s CPU seconds for new, replacing and refused lines, in this process."""
    import searchsvc
    from searchsvc.config import Settings
    from searchsvc.engine.service import Engine

    work = Path(tempfile.mkdtemp(prefix="bench-bulk-", dir=args.workdir))
    row: dict[str, Any] = {"engine": str(Path(searchsvc.__file__).parent), "stories": len(docs)}
    try:
        engine = Engine(Settings.from_env(index_dir=work / "index"))
        for name, version, expect in (
            ("new", 1, True),
            ("replace", 2, False),
            ("refused", 1, None),
        ):
            lines = [("index", d["id"], {**d, "version": str(version)}) for d in docs]
            cpu, wall = time.process_time(), time.perf_counter()
            out = engine.bulk(lines, deadline=time.perf_counter() + 600)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if expect is None:
                assert all(getattr(o, "code", None) == "version_conflict" for o in out), out[:3]
            else:
                assert all(getattr(o, "created", None) is expect for o in out), out[:3]
            row[name] = {
                "cpu_seconds": round(cpu, 3),
                "wall_seconds": round(wall, 3),
                "stories_per_cpu_second": round(len(docs) / cpu, 1),
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(
        f"Engine.bulk in process, {len(docs)} short stories ({row['engine']})",
        ["lines", "CPU s", "wall s", "stories per CPU-s"],
        [
            [k, row[k]["cpu_seconds"], row[k]["wall_seconds"], row[k]["stories_per_cpu_second"]]
            for k in ("new", "replace", "refused")
        ],
    )
    return row


def run(args: argparse.Namespace) -> dict[str, Any]:
    files = corpus.corpus_files(args.corpus, quick=True)
    n = 100 if args.quick and args.stories == 1000 else args.stories
    docs = stories(files, n)
    if args.in_process:
        payload = {"stories": n, "in_process": in_process(args, docs)}
        _write("bulk-inprocess", payload, quick=args.quick)
        return payload
    batches = [int(b) for b in args.batches.split(",")]
    backends = args.backends.split(",")
    if "opensearch" in backends and not args.opensearch_url:
        raise SystemExit("--backends opensearch needs --opensearch-url")
    rows = [run_one(args, docs, b, be) for be in backends for b in batches]
    print_table(
        f"POST /documents/_bulk, {n} short stories per request (2 workers)",
        ["backend", "batch", "new docs/s", "replace docs/s", "409 docs/s", "searchable"],
        [
            [
                r["backend"],
                r["batch"],
                r["new"]["docs_per_s"],
                r["replace"]["docs_per_s"],
                r["older_refused"]["docs_per_s"],
                "{}/{}".format(*r["new"]["searchable_of_sampled"]),
            ]
            for r in rows
            if "failed" not in r
        ]
        + [
            [r["backend"], r["batch"], "failed: " + r["failed"][:60], "", "", ""]
            for r in rows
            if "failed" in r
        ],
    )
    payload = {"stories": n, "words": sum(len(d["body"].split()) for d in docs), "runs": rows}
    _write("bulk", payload, quick=args.quick)
    return payload


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--stories", type=int, default=1000, help="stories per request")
    ap.add_argument(
        "--batches", default="1,1000", help="SEARCHSVC_BULK_BATCH values, comma-separated"
    )
    ap.add_argument(
        "--backends", default="whoosh", help="whoosh and/or opensearch, comma-separated"
    )
    ap.add_argument("--opensearch-url", help="the OpenSearch cluster (node URLs, comma-separated)")
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="CPU seconds of Engine.bulk in this process instead of the HTTP runs",
    )
