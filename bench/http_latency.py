"""Latency and throughput through the real service: ``searchsvc serve`` (gunicorn) on a loopback port.

Why: users meet searchsvc over HTTP, so the targets are about /search with facets + highlights (the
defaults) as served by gunicorn, not about the engine alone. Steps, against one prebuilt index:

1. Replay the query set one request at a time (2 workers): client-side p50/p95/p99, plus the
   server's own ``took_ms``.
2. Throughput with ``wrk`` (Lua script rotating through the query set, bounded duration) at 1, 2
   and 4 workers, twice: *uncached* — every request computed: the engine's result cache is switched
   off by its setting when there is one, else the URLs are made distinct per round (``per_page``
   10…17, more URLs than a worker's cache holds) — and *cached* — a hot set of the first 32 queries,
   so after the first few rounds every worker's result cache answers (the HTTP stack's ceiling).
   RSS of every worker after each load run.
3. In-process engine latency and tantivy on the same chunks (``bench.latency``), for the ratios.

Loopback only, bounded in time: each wrk run lasts ``--duration`` seconds (default 10).

    python -m bench http [--quick] [--index-dir D --tantivy-dir T] [--workers 1,2,4] [--duration 10]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psutil
import requests

from .common import REPO, Stopwatch, load_queries, percentiles, print_table, ratio, session_nice
from .common import write_results as _write

UNCACHED_PER_PAGE = range(10, 18)  # 8 × 320 distinct URLs: more than any worker's cache holds
HOT_SET = 32
WARMUP_SECONDS = 5


def search_path(q: dict[str, Any], per_page: int | None = None) -> str:
    params: list[tuple[str, str]] = [("q", q.get("q", ""))]
    for field, values in (q.get("filters") or {}).items():
        params.extend((field, str(v)) for v in values)
    if q.get("group"):
        params.append(("group", q["group"]))
    if per_page is not None:
        params.append(("per_page", str(per_page)))
    return "/search?" + urlencode(params)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``searchsvc serve`` in a subprocess on a free loopback port; ready when /health answers."""

    def __init__(self, index_dir: Path, workers: int, log: Path, env: dict[str, str] | None = None):
        self.index_dir, self.workers, self.log_path = Path(index_dir), workers, log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None
        self.own_session_nice: int | None = None

    def __enter__(self) -> Server:
        exe = Path(sys.executable).with_name("searchsvc")
        cmd = [str(exe) if exe.exists() else "searchsvc", "serve", "--host", "127.0.0.1",
               "--port", str(self.port), "--workers", str(self.workers),
               "--index-dir", str(self.index_dir)]  # fmt: skip
        self.log = open(self.log_path, "ab")  # closed in __exit__
        self.log_offset = self.log.tell()  # this server's part of the shared log starts here
        env = {**os.environ, **self.extra_env}
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env, start_new_session=True)  # fmt: skip
        nice = os.getpriority(os.PRIO_PROCESS, 0)  # what the bench was started with (nice -n)
        session_nice(nice, self.proc.pid)
        self.own_session_nice = session_nice(nice)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                health = requests.get(self.base + "/health", timeout=2)
                if health.status_code == 200 and len(self.worker_pids()) >= self.workers:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.__exit__()
        tail = self.log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"searchsvc serve did not become ready:\n{tail}")

    def log_summary(self, since: int | None = None) -> dict[str, Any]:
        """Status codes of /search requests in the access log since ``since`` (byte offset; default
        this server's start), and gunicorn's warnings/errors (worker timeouts, kills, tracebacks)."""
        self.log.flush()
        with open(self.log_path, "rb") as f:
            f.seek(self.log_offset if since is None else since)
            text = f.read().decode("utf-8", errors="replace")
        statuses: dict[str, int] = {}
        events: list[str] = []
        for line in text.splitlines():
            m = _ACCESS.match(line)
            if m:
                if m.group(1).startswith("/search"):
                    statuses[m.group(2)] = statuses.get(m.group(2), 0) + 1
            elif re.search(r"\[(WARNING|ERROR|CRITICAL)\]|Traceback|SIGKILL|TIMEOUT", line):
                events.append(line[:300])
        return {"search_statuses": statuses, "events": events[:20], "events_total": len(events)}

    def log_position(self) -> int:
        self.log.flush()
        return self.log_path.stat().st_size

    def worker_pids(self) -> list[int]:
        try:
            return [c.pid for c in psutil.Process(self.proc.pid).children(recursive=True)]
        except psutil.Error:
            return []

    def rss_mb(self) -> dict[str, Any]:
        """Resident memory, and each worker's USS: what only that worker holds, without the pages
        it shares (the index files' page cache, libraries, what the master loaded before forking)."""
        master = psutil.Process(self.proc.pid)
        children = master.children(recursive=True)
        workers = [round(c.memory_info().rss / 2**20, 1) for c in children]
        uss = [round(c.memory_full_info().uss / 2**20, 1) for c in children]
        return {"master": round(master.memory_info().rss / 2**20, 1), "workers": workers,
                "workers_uss": uss}  # fmt: skip

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own session: gunicorn + its workers
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if getattr(self, "own_session_nice", None) is not None:
            session_nice(self.own_session_nice)  # the shell that started the bench: as it was
        self.log.close()


def replay(base: str, queries: list[dict[str, Any]], warmup: int = 20) -> dict[str, Any]:
    """Sequential requests, one connection: client wall time and the server's took_ms."""
    session = requests.Session()
    for q in queries[:warmup]:
        session.get(base + search_path(q, per_page=5), timeout=30)
    times, took, by_cat, errors = [], [], {}, 0
    for q in queries:
        with Stopwatch() as t:
            r = session.get(base + search_path(q), timeout=60)
        if r.status_code != 200:
            errors += 1
            continue
        times.append(t.ms)
        took.append(r.json().get("took_ms", 0.0))
        by_cat.setdefault(q.get("category", "?"), []).append(t.ms)
    return {
        "client": percentiles(times),
        "server_took_ms": percentiles(took),
        "by_category": {c: percentiles(v) for c, v in by_cat.items()},
        "errors": errors,
    }


def wrk_script(paths: list[str], path: Path) -> Path:
    body = ",\n".join(f"[[{p}]]" for p in paths)
    path.write_text(
        f"local paths = {{\n{body}\n}}\n"
        "local i = math.random(#paths)\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\n'
        "end\n"
        "local shown = 0\n"
        "response = function(status, headers, body)\n"  # name the first few failures
        "  if status >= 400 and shown < 3 then\n"
        "    shown = shown + 1\n"
        '    io.write("FAILED " .. status .. " " .. string.sub(body, 1, 200) .. "\\n")\n'
        "  end\n"
        "end\n",
        encoding="utf-8",
    )
    return path


# gunicorn access log (api/gunicorn_conf.py): h "request line" status bytes seconds "agent"
_ACCESS = re.compile(r'^\S+ "[A-Z]+ (\S+) HTTP/[\d.]+" (\d{3}) ')

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(base: str, script: Path, duration: int, connections: int, threads: int = 1) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
           "--timeout", "10s", "-s", str(script), base]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    res: dict[str, Any] = {"connections": connections, "duration_s": duration}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["qps"] = float(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in", out)
    res["requests"] = int(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors:(.*)", out)
    res["socket_errors"] = m.group(1).strip() if m else None
    res["failures"] = re.findall(r"^FAILED (.*)$", out, re.M)[:6]
    res["wrk_summary"] = [ln for ln in out.splitlines() if not ln.startswith("FAILED ")][-6:]
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        res[f"p{pct}_ms"] = round(float(m.group(1)) * _UNITS[m.group(2)], 2) if m else None
    return res


def cache_env() -> tuple[dict[str, str], bool]:
    """Env that disables the result cache if the settings offer it (else: distinct URLs)."""
    from searchsvc.config import Settings, env_var

    for f in dataclasses.fields(Settings):
        if "cache" in f.name and f.type in ("int", int):
            return {env_var(f.name): "0"}, True
    return {}, False


def run(args: argparse.Namespace) -> dict[str, Any]:
    from searchsvc.config import Settings
    from searchsvc.engine.service import Engine

    from .latency import open_tantivy, prepare_indexes, searchsvc_run
    from .tantivy_ref import latency_run

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    quick = bool(args.quick or args.limit)
    queries = load_queries()[: args.max_queries] if args.max_queries else load_queries()
    duration = args.duration if not quick else min(args.duration, 3)
    worker_counts = [int(w) for w in str(args.workers).split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench-http-", dir=args.workdir))
    try:
        sdir, tdir, built = prepare_indexes(args, work)
        engine = Engine(Settings.from_env(index_dir=sdir))
        stats = engine.stats()
        inproc = searchsvc_run(engine, queries)
        inproc.pop("_top", None)
        tv = latency_run(open_tantivy(tdir), queries)
        del engine
        log = Path(args.workdir) / "bench-http-server.log"  # kept: failures are explained there
        log.unlink(missing_ok=True)
        with Server(sdir, 2, log) as srv:
            print(f"replaying {len(queries)} queries through {srv.base} (2 workers)", flush=True)
            rep = replay(srv.base, queries)
            rep["rss_mb"] = srv.rss_mb()
            rep["server_log"] = srv.log_summary()
        no_cache_env, has_setting = cache_env()
        cached_paths = [search_path(q) for q in queries[:HOT_SET]]
        uncached_paths = (
            [search_path(q) for q in queries]
            if has_setting
            else [search_path(q, per_page=n) for n in UNCACHED_PER_PAGE for q in queries]
        )
        load: dict[str, Any] = {}
        for workers in worker_counts:
            conns = max(2, 2 * workers)
            for mode, paths, env in (
                ("cached", cached_paths, {}),
                ("uncached", uncached_paths, no_cache_env),
            ):
                with Server(sdir, workers, log, env=env) as srv:
                    # Unmeasured warm-up on other URLs: every worker opens its searcher/columns.
                    warm = wrk_script([search_path(q, per_page=5) for q in queries[-40:]],
                                      work / "warm.lua")  # fmt: skip
                    wrk(srv.base, warm, WARMUP_SECONDS if not quick else 1, conns)
                    script = wrk_script(paths, work / f"{mode}.lua")
                    print(f"wrk {duration}s, {workers} workers, {conns} connections, {mode}",
                          flush=True)  # fmt: skip
                    start = srv.log_position()
                    r = wrk(srv.base, script, duration, conns)
                    r["rss_mb"] = srv.rss_mb()
                    r["server_log"] = srv.log_summary(since=start)  # the measured run only
                    r["server_log_incl_warmup"] = srv.log_summary()
                load[f"{workers}w {mode}"] = {"workers": workers, "mode": mode, **r}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    c = rep["client"]
    print_table(
        f"HTTP /search, facets + highlights, 2 workers — {stats.get('chunks', 0):,} chunks",
        ["measure", "p50 ms", "p95 ms", "p99 ms"],
        [
            ["HTTP client", c["p50"], c["p95"], c["p99"]],
            ["server took_ms", rep["server_took_ms"]["p50"], rep["server_took_ms"]["p95"],
             rep["server_took_ms"]["p99"]],
            ["in-process engine (no cache)", inproc["all"]["p50"], inproc["all"]["p95"],
             inproc["all"]["p99"]],
            ["tantivy in-process", tv["all"]["p50"], tv["all"]["p95"], tv["all"]["p99"]],
            ["ratio HTTP / tantivy", ratio(c["p50"], tv["all"]["p50"]),
             ratio(c["p95"], tv["all"]["p95"]), ratio(c["p99"], tv["all"]["p99"])],
            ["ratio engine / tantivy", ratio(inproc["all"]["p50"], tv["all"]["p50"]),
             ratio(inproc["all"]["p95"], tv["all"]["p95"]),
             ratio(inproc["all"]["p99"], tv["all"]["p99"])],
        ],
    )  # fmt: skip
    print_table(
        f"Throughput (wrk, {duration} s per run, loopback)",
        ["workers", "cache", "QPS", "p50 ms", "p99 ms", "non-2xx", "statuses (server log)",
         "worker RSS / USS MB"],
        [[v["workers"], v["mode"], v["qps"], v["p50_ms"], v["p99_ms"], v["non_2xx"],
          " ".join(f"{k}×{n}" for k, n in sorted(v["server_log"]["search_statuses"].items())),
          ", ".join(f"{r} / {u}" for r, u in zip(v["rss_mb"]["workers"],
                                                  v["rss_mb"]["workers_uss"], strict=True))]
         for v in load.values()],
    )  # fmt: skip
    for name, v in load.items():
        if v["non_2xx"] or v["failures"] or v["server_log"]["events_total"]:
            print(f"\n{name}: failures {v['failures']}; server log events "
                  f"({v['server_log']['events_total']}): {v['server_log']['events'][:5]}")  # fmt: skip
    payload = {
        "index": stats,
        "built": built,
        "queries": len(queries),
        "uncached_method": "result cache setting = 0"
        if has_setting
        else f"distinct URLs: per_page {UNCACHED_PER_PAGE.start}..{UNCACHED_PER_PAGE.stop - 1}",
        "replay_2_workers": rep,
        "in_process": inproc,
        "tantivy": tv,
        "ratios": {
            "http_p50_over_tantivy": ratio(c["p50"], tv["all"]["p50"]),
            "http_p95_over_tantivy": ratio(c["p95"], tv["all"]["p95"]),
            "engine_p50_over_tantivy": ratio(inproc["all"]["p50"], tv["all"]["p50"]),
            "engine_p95_over_tantivy": ratio(inproc["all"]["p95"], tv["all"]["p95"]),
        },
        "load": load,
    }
    _write("http", payload, quick=quick)
    return payload


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--workers", default="1,2,4", help="worker counts for the wrk runs")
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
