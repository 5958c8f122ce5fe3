"""Soak: minutes of mixed load on the real service; nothing may fail, leak or slow down.

Why: memory that grows a little per request, descriptors left open per commit, or a slowdown as
segments pile up only show over time. ``searchsvc serve`` (2 workers, write keys) on the full
wh-briefings index (``--quick``: the seeds), for ``--minutes`` (default 10):

* searches of the committed query mix (``bench/queries.json``), paced at ``--search-rate``/s by
  ``--searchers`` clients;
* a CMS client putting new stories, replacing and deleting its own every ``--write-every`` s;
* a bulk client posting an NDJSON batch (new stories and deletes) every ``--bulk-every`` s;
* every 5 s, each worker's RSS and open descriptors.

At the end every acknowledged write is read back (present with its latest text, or 404 once
deleted). Targets: 0 errors; 0 acknowledged writes lost; worker RSS growth ≤ 10 % (end against
the end of the first window); open files flat: at the end each worker holds at most ``FD_SLACK``
files more than the live generation has, and at most ``FD_SLACK`` deleted files (segments a merge
replaced: a worker lets go of them on its next request after the merge, or within a second when
idle, so the count rises and falls; the most is reported) — all descriptors are reported too, but sockets come and go with
clients; search p99 of the last window within 20 % of the first's. A window is a minute (a third of the
run with ``--quick``). Prints the figures and writes ``bench/results/soak-….json``.

    python -m bench soak [--quick] [--minutes 10] [--index-dir D]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests

from .common import load_queries, percentiles, print_table, write_results
from .http_latency import Server, search_path
from .loadgen import ensure_index

WRITE_KEY = "soak-write-key"
AUTH = {"Authorization": f"Bearer {WRITE_KEY}"}
FD_SLACK = 30  # two segments' files: a commit adds one, a merge takes some away
AT_REST_WITHIN = 5.0  # s: an idle worker looks for a newer generation every second
SAMPLE_EVERY = 5.0


def files_of(pid: int) -> tuple[int, int]:
    """(regular files open, of which deleted) for one process: a reader that never lets go of a
    replaced segment or generation shows as deleted files that stay open."""
    opened = deleted = 0
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("/"):
            opened += 1
            deleted += link.endswith(" (deleted)")
    return opened, deleted


def live_files(index_dir: Path) -> int:
    live = index_dir / "live"
    return sum(1 for p in live.resolve().iterdir() if p.is_file()) if live.exists() else 0


def deleted_at_rest(workers: list[psutil.Process]) -> list[int]:
    """Deleted files each worker holds once idle: a worker lets go of a generation a merge
    replaced on its next request or, idle, within a second; wait that long for it, no longer."""
    deadline = time.monotonic() + AT_REST_WITHIN
    while True:
        held = [deleted for _, deleted in (files_of(w.pid) for w in workers)]
        if max(held) <= FD_SLACK or time.monotonic() > deadline:
            return held
        time.sleep(0.2)


@dataclass
class Run:
    base: str
    until: float
    errors: list[str] = field(default_factory=list)
    searches: list[tuple[float, float]] = field(default_factory=list)  # (time, ms)
    ledger: dict[str, str | None] = field(default_factory=dict)  # id -> token (None: deleted)
    writes: int = 0
    bulk_lines: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what[:300])


def body(token: str, n: int) -> str:
    return "\n\n".join(f"Soak story {token} paragraph {k} of {n}, soakmarker." for k in range(n))


def searcher(run: Run, paths: list[str], interval: float, seed: int) -> None:
    rng = random.Random(seed)
    s = requests.Session()
    next_at = time.monotonic()
    while time.monotonic() < run.until:
        path = rng.choice(paths)
        t0 = time.monotonic()
        try:
            r = s.get(run.base + path, timeout=30)
            if r.status_code != 200:
                run.error(f"GET {path}: {r.status_code} {r.text[:120]}")
            else:
                with run.lock:
                    run.searches.append((t0, (time.monotonic() - t0) * 1000))
        except requests.RequestException as exc:
            run.error(f"GET {path}: {exc!r}")
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))


def cms(run: Run, every: float, seed: int) -> None:
    rng = random.Random(seed)
    s = requests.Session()
    n = 0
    while time.monotonic() < run.until:
        live = [k for k, v in run.ledger.items() if v is not None and k.startswith("cms-")]
        choice = rng.random()
        try:
            if choice < 0.15 and live:
                doc_id = rng.choice(live)
                r = s.delete(f"{run.base}/documents/{doc_id}", headers=AUTH, timeout=30)
                if r.status_code == 204:
                    run.ledger[doc_id] = None
                else:
                    run.error(f"DELETE {doc_id}: {r.status_code} {r.text[:120]}")
            else:
                doc_id = rng.choice(live) if choice < 0.4 and live else f"cms-{n}"
                token = f"tok{n}x{rng.randrange(10**6)}"
                doc = {"title": f"Soak {doc_id}", "body": body(token, rng.randint(1, 4))}
                r = s.put(f"{run.base}/documents/{doc_id}", json=doc, headers=AUTH, timeout=30)
                if r.status_code in (200, 201):
                    run.ledger[doc_id] = token
                else:
                    run.error(f"PUT {doc_id}: {r.status_code} {r.text[:120]}")
            run.writes += 1
        except requests.RequestException as exc:
            run.error(f"write: {exc!r}")
        n += 1
        time.sleep(every)


def bulk(run: Run, every: float, seed: int) -> None:
    rng = random.Random(seed)
    s = requests.Session()
    batch = 0
    while time.monotonic() < run.until:
        time.sleep(min(every, max(0.0, run.until - time.monotonic())))
        if time.monotonic() >= run.until:
            break
        own = [k for k, v in run.ledger.items() if v is not None and k.startswith("bulk-")]
        lines, planned = [], {}
        for doc_id in rng.sample(own, min(3, len(own))):
            lines.append(json.dumps({"delete": doc_id}))
            planned[doc_id] = None
        for k in range(20):
            doc_id, token = f"bulk-{batch}-{k}", f"bulk{batch}x{k}x{rng.randrange(10**6)}"
            lines.append(json.dumps({"id": doc_id, "title": doc_id, "body": body(token, 2)}))
            planned[doc_id] = token
        try:
            r = s.post(f"{run.base}/documents/_bulk", data="\n".join(lines) + "\n",
                       headers={**AUTH, "Content-Type": "application/x-ndjson"}, timeout=120)  # fmt: skip
            if r.status_code != 200:
                run.error(f"bulk: {r.status_code} {r.text[:120]}")
            else:
                for item, doc_id in zip(r.json()["items"], planned, strict=True):
                    status = next(iter(item.values()))["status"]
                    if status in (200, 201):
                        run.ledger[doc_id] = planned[doc_id]
                    else:
                        run.error(f"bulk line {doc_id}: {item}")
                run.bulk_lines += len(lines)
        except requests.RequestException as exc:
            run.error(f"bulk: {exc!r}")
        batch += 1


def verify(base: str, ledger: dict[str, str | None]) -> list[str]:
    lost = []
    s = requests.Session()
    for doc_id, token in ledger.items():
        r = s.get(f"{base}/documents/{doc_id}", headers={"Accept": "application/json"}, timeout=30)
        if token is None:
            if r.status_code != 404:
                lost.append(f"{doc_id} was deleted but answers {r.status_code}")
        elif r.status_code != 200:
            lost.append(f"{doc_id} ({token}) answers {r.status_code}")
        elif not all(token in p["text"] for p in r.json()["paragraphs"]):
            lost.append(f"{doc_id}: not at its acknowledged text {token}")
    return lost


def run(args: argparse.Namespace) -> dict[str, Any]:
    quick = bool(args.quick)
    minutes = args.minutes if args.minutes is not None else (0.75 if quick else 10.0)
    seconds = minutes * 60
    window = min(60.0, seconds / 3)
    queries = load_queries()
    paths = [search_path(q) for q in queries]
    work = Path(tempfile.mkdtemp(prefix="bench-soak-", dir=args.workdir))
    samples: list[dict[str, Any]] = []
    at_rest: list[int] | None = None
    try:
        index_dir = ensure_index(args, work)
        if args.index_dir and not quick:  # writes land in a copy: the prebuilt index stays clean
            copy = work / "index"
            shutil.copytree(index_dir, copy, symlinks=True)
            index_dir = copy
        log = Path(args.workdir) / "bench-soak-server.log"
        log.unlink(missing_ok=True)
        env = {"SEARCHSVC_WRITE_KEYS": WRITE_KEY}
        with Server(index_dir, 2, log, env=env) as srv:
            for path in paths[:40]:  # warm: every worker opens its searcher and columns
                requests.get(srv.base + path, timeout=60)
            workers = [psutil.Process(pid) for pid in srv.worker_pids()]
            t_start = time.monotonic()
            state = Run(srv.base, t_start + seconds)
            interval = args.searchers / args.search_rate
            threads = [threading.Thread(target=searcher, args=(state, paths, interval, k))
                       for k in range(args.searchers)]  # fmt: skip
            threads.append(threading.Thread(target=cms, args=(state, args.write_every, 7)))
            threads.append(threading.Thread(target=bulk, args=(state, args.bulk_every, 11)))
            for t in threads:
                t.start()
            print(f"soak: {minutes:g} min on {srv.base}", flush=True)
            while any(t.is_alive() for t in threads):
                try:
                    files = [files_of(w.pid) for w in workers]
                    samples.append({
                        "t": round(time.monotonic() - t_start, 1),
                        "rss_mb": [round(w.memory_info().rss / 2**20, 1) for w in workers],
                        "fds": [w.num_fds() for w in workers],
                        "files": [f for f, _ in files],
                        "deleted_open": [d for _, d in files],
                        "live_generation_files": live_files(index_dir),
                    })  # fmt: skip
                except psutil.Error as exc:
                    state.error(f"worker gone: {exc!r}")
                    break
                time.sleep(SAMPLE_EVERY)
            for t in threads:
                t.join()
            alive = [w.is_running() for w in workers] == [True] * len(workers)
            lost = verify(srv.base, state.ledger)
            # What the workers hold once the load is over and they have answered the checks.
            at_rest = deleted_at_rest(workers) if alive else None
            server_log = srv.log_summary()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    first = [ms for t, ms in state.searches if t - t_start < window]
    last = [ms for t, ms in state.searches if t - t_start >= seconds - window]
    warm = next((s for s in samples if s["t"] >= window), samples[0])
    end = samples[-1]
    rss_growth = max((e - w) / w * 100 for e, w in zip(end["rss_mb"], warm["rss_mb"], strict=True))
    fd_growth = max(e - w for e, w in zip(end["fds"], warm["fds"], strict=True))
    after_warm = [s for s in samples if s["t"] >= warm["t"]]
    most_deleted_open = max(max(s["deleted_open"]) for s in after_warm)
    deleted_open_at_end = max(at_rest if at_rest is not None else end["deleted_open"])
    files_over_live = max(f - end["live_generation_files"] for f in end["files"])
    p99_first, p99_last = percentiles(first)["p99"], percentiles(last)["p99"]
    verdict = {
        "0 errors": not state.errors,
        "0 acknowledged writes lost": not lost,
        "workers never replaced": alive,
        "worker RSS growth <= 10 %": rss_growth <= 10,
        f"open files flat (<= live generation + {FD_SLACK})": files_over_live <= FD_SLACK,
        f"replaced files let go (<= {FD_SLACK} deleted open at the end)": deleted_open_at_end
        <= FD_SLACK,
        "p99 last window within 20 % of first": p99_last <= 1.2 * p99_first,
    }
    print_table(
        f"Soak, {minutes:g} min: {len(state.searches)} searches, {state.writes} CMS writes, "
        f"{state.bulk_lines} bulk lines, {len(state.ledger)} documents checked",
        ["measure", "first window", "last window / end"],
        [
            ["search p50 ms", percentiles(first)["p50"], percentiles(last)["p50"]],
            ["search p99 ms", p99_first, p99_last],
            ["worker RSS MB", ", ".join(map(str, warm["rss_mb"])), ", ".join(map(str, end["rss_mb"]))],
            ["worker open fds (all)", ", ".join(map(str, warm["fds"])), ", ".join(map(str, end["fds"]))],
            ["worker open files / live generation files",
             f"{', '.join(map(str, warm['files']))} / {warm['live_generation_files']}",
             f"{', '.join(map(str, end['files']))} / {end['live_generation_files']}"],
            ["deleted files held open (most after the first window; end)", "",
             f"{most_deleted_open}; {deleted_open_at_end}"],
        ],
    )  # fmt: skip
    print_table(
        "Verdict", ["target", "met"], [[k, "yes" if v else "NO"] for k, v in verdict.items()]
    )
    for line in (state.errors + lost)[:10]:
        print("  ", line)
    payload = {
        "minutes": minutes,
        "window_s": window,
        "searches": len(state.searches),
        "cms_writes": state.writes,
        "bulk_lines": state.bulk_lines,
        "documents_checked": len(state.ledger),
        "errors": state.errors[:50],
        "errors_total": len(state.errors),
        "lost": lost[:50],
        "lost_total": len(lost),
        "search_first_window_ms": percentiles(first),
        "search_last_window_ms": percentiles(last),
        "rss_growth_pct": round(rss_growth, 1),
        "fd_growth": fd_growth,
        "files_over_live_generation": files_over_live,
        "most_deleted_open": most_deleted_open,
        "deleted_open_at_end": deleted_open_at_end,
        "samples": samples,
        "server_log": server_log,
        "verdict": verdict,
    }
    write_results("soak", payload, quick=quick)
    return payload


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--minutes", type=float, help="length (default 10; 0.75 with --quick)")
    ap.add_argument("--searchers", type=int, default=3, help="search clients (default 3)")
    ap.add_argument("--search-rate", type=float, default=30.0, help="searches/s in all")
    ap.add_argument("--write-every", type=float, default=0.5, help="seconds between CMS writes")
    ap.add_argument("--bulk-every", type=float, default=15.0, help="seconds between bulk batches")
