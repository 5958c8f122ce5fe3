"""Overload: twice the measured capacity for a minute; what is past the queue bound gets a quick 503.

Why: a service that queues without bound answers everyone late once requests come faster than it
computes them; one with a bound (``SEARCHSVC_MAX_INFLIGHT`` per worker, ``api/admission.py``)
answers the excess ``503 overloaded`` with ``Retry-After`` at once and the rest in their usual
time. Steps, against ``searchsvc serve`` on a loopback port (uncached search URLs, as in the HTTP
benchmark):

1. **Capacity**: ``--clients`` closed-loop clients for ``--probe`` seconds; capacity C = 200s/s.
2. **Normal latency**: open loop at C/2 for ``--probe`` seconds.
3. **Overload**: open loop at ``--factor`` × C for ``--duration`` seconds (default 2 × C, 60 s).

Figures: offered and answered rates, statuses, latency of 200s and of 503s, 503s without
``Retry-After`` and why each 503 was refused (its message: queue full, past the deadline, or newer
requests going first), how late the load generator itself sent (so its own lag is not taken for the
server's), the CPU the workers got per phase (cores used, CPU ms per 200 answered: a saturated
phase whose workers got fewer cores than there are workers shared the machine with other work),
other 5xx, requests without an answer, worker processes replaced (a worker that died), and
gunicorn's warnings. A ``verdict`` states each target with its figures: admitted 200s at
``factor`` × C within ``LATENCY_RATIO`` of the normal phase's p50 and p99 (the ratios), and of the
capacity probe's; 503 p50 / p99, the p99 within ``REFUSAL_P99_MS``; no 503 at all in the capacity
and normal phases (healthy load, bursts of ``--clients`` included, is never refused); and 200s
answered under overload at ``CAPACITY_KEPT`` of capacity or more (shedding must not cost
throughput).

    python -m bench overload [--quick] [--index-dir D] [--workers 2] [--duration 60] [--factor 2]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from .common import load_queries, print_table, write_results
from .http_latency import UNCACHED_PER_PAGE, Server, search_path
from .loadgen import GENERATORS, closed_loop, compiled_generator, ensure_index, open_loop, summary

# Targets of the overload phase. Admitted requests answer "within their normal latency": their
# p50 and p99 at most this many times the normal phase's (half capacity, open loop), and, the
# bound a queue that admits healthy bursts can meet, the capacity probe's (a healthy service at
# full load: its clients queue too); refusals are "quick": a 503's p99 (counted from its
# scheduled time, as every latency here) at most this.
LATENCY_RATIO = 1.5
REFUSAL_P99_MS = 100.0
# The overload phase is also summarised without its first seconds, the onset: a worker tells
# overload from a burst only once more requests arrived than turns ended by more than its cap, and
# those that queued meanwhile waited first come, first served.
ONSET_S = 2.0
# Shedding must not cost throughput: under overload the workers answer 200s at least at this share
# of the capacity probe's rate.
CAPACITY_KEPT = 0.9


def run(args: argparse.Namespace) -> dict[str, Any]:
    quick = bool(args.quick)
    duration = min(args.duration, 15) if quick else args.duration
    probe = min(args.probe, 5) if quick else args.probe
    queries = load_queries()
    # Shuffled once (fixed seed), so that every phase samples the whole query mix: in file
    # order, the 10 s phases saw only the first few hundred URLs (a cheaper part of the mix, and
    # the normal phase repeated the probe's, warm), while the overload phase cycled through all.
    paths = [search_path(q, per_page=n) for n in UNCACHED_PER_PAGE for q in queries]
    random.Random(15).shuffle(paths)
    half = len(paths) // 2
    load_before = os.getloadavg()
    server_session = "unknown"
    # The generator shares the cores with the server: the compiled one when a C compiler is here.
    gen = "c" if compiled_generator(args.generator) is not None else "python"
    print(f"load generator: {gen}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench-overload-", dir=args.workdir))
    try:
        index_dir = ensure_index(args, work)
        log = Path(args.workdir) / "bench-overload-server.log"
        log.unlink(missing_ok=True)
        with Server(index_dir, args.workers, log) as srv:
            closed_loop(srv.base, paths[-200:], args.clients, 3, generator=gen)  # warm-up
            workers_before = sorted(srv.worker_pids())
            with contextlib.suppress(OSError):  # the scheduler's view of the server's session
                server_session = Path(f"/proc/{workers_before[0]}/autogroup").read_text().strip()
            cpu = WorkerCpu(workers_before)
            probed = closed_loop(srv.base, paths[:-200], args.clients, probe, generator=gen)
            cap = summary(probed, probe)
            cap["worker_cpu"] = cpu.lap(cap["latency_200_ms"]["n"], cap["requests"])
            capacity = cap["answered_200_per_s"]
            print(f"capacity: {capacity} answers/s with {args.clients} clients", flush=True)
            normal_paths = paths[half:] + paths[:half]  # not the probe's URLs
            normal = summary(
                open_loop(srv.base, normal_paths, max(1.0, capacity / 2), probe, generator=gen),
                probe,
            )
            normal["worker_cpu"] = cpu.lap(normal["latency_200_ms"]["n"], normal["requests"])
            rate = max(2.0, args.factor * capacity)
            print(f"overload: {rate:.0f} requests/s for {duration} s", flush=True)
            start = srv.log_position()
            answers = open_loop(srv.base, paths, rate, duration, generator=gen)
            over = summary(answers, duration)
            over["worker_cpu"] = cpu.lap(over["latency_200_ms"]["n"], over["requests"])
            onset = min(a.scheduled for a in answers) + ONSET_S
            steady = summary([a for a in answers if a.scheduled >= onset], duration - ONSET_S)
            steady["worker_cpu"] = over["worker_cpu"]
            workers_after = sorted(srv.worker_pids())
            worker_rss_mb = WorkerCpu.rss_mb(workers_after)
            worker_uss_mb = WorkerCpu.uss_mb(workers_after)
            server_log = srv.log_summary(since=start)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    n200, n503 = over["latency_200_ms"]["n"], over["latency_503_ms"]["n"]
    admitted, usual, full = over["latency_200_ms"], normal["latency_200_ms"], cap["latency_200_ms"]
    refused = over["latency_503_ms"]
    probe_503s = cap["latency_503_ms"]["n"] + normal["latency_503_ms"]["n"]
    ratios = {
        "p50": round(admitted["p50"] / max(usual["p50"], 0.001), 2),
        "p99": round(admitted["p99"] / max(usual["p99"], 0.001), 2),
    }
    verdict = {
        "no worker died": workers_before == workers_after,
        "no 5xx but 503": over["other_5xx"] == 0,
        "every request answered": over["no_answer"] == 0,
        "every 503 carries Retry-After": over["503_without_retry_after"] == 0,
        "excess refused (some 503s)": n503 > 0,
        "admitted answered (200s)": n200 > 0,
        f"503 p99 <= {REFUSAL_P99_MS:g} ms ({refused['p50']:.0f} / {refused['p99']:.0f} ms p50 / p99)":
            refused["p99"] <= REFUSAL_P99_MS,
        f"admitted p50 within {LATENCY_RATIO:g}x normal ({admitted['p50']:.0f} vs "
        f"{usual['p50']:.0f} ms: {ratios['p50']:g}x)": ratios["p50"] <= LATENCY_RATIO,
        f"admitted p99 within {LATENCY_RATIO:g}x normal ({admitted['p99']:.0f} vs "
        f"{usual['p99']:.0f} ms: {ratios['p99']:g}x)": ratios["p99"] <= LATENCY_RATIO,
        f"admitted p50 / p99 within {LATENCY_RATIO:g}x the capacity probe's ({full['p50']:.0f} / "
        f"{full['p99']:.0f} ms)": admitted["p50"] <= LATENCY_RATIO * full["p50"]
        and admitted["p99"] <= LATENCY_RATIO * full["p99"],
        f"healthy load never refused ({cap['latency_503_ms']['n']} x 503 in the capacity probe, "
        f"{normal['latency_503_ms']['n']} at C/2)": probe_503s == 0,
        f"answers 200 at capacity under overload ({over['answered_200_per_s']:g} vs "
        f"{cap['answered_200_per_s']:g}/s)": over["answered_200_per_s"]
        >= CAPACITY_KEPT * cap["answered_200_per_s"],
    }  # fmt: skip
    rows = []
    for name, s in (("capacity (closed loop)", cap), ("normal (C/2)", normal),
                    (f"overload ({args.factor:g} × C)", over),
                    (f"  after its first {ONSET_S:g} s", steady)):  # fmt: skip
        lat = s["latency_200_ms"]
        rows.append([name, s["offered_per_s"], s["answered_200_per_s"], lat["p50"], lat["p95"],
                     lat["p99"], s["latency_503_ms"]["n"], s["latency_503_ms"]["p50"],
                     s["latency_503_ms"]["p99"], s["other_5xx"], s["no_answer"],
                     s["worker_cpu"]["cores"], s["worker_cpu"]["ms_per_200"],
                     s["worker_cpu"]["generator_cores"], s["worker_cpu"]["generator_ms_per_request"],
                     s["worker_cpu"]["other_cores"]])  # fmt: skip
    print_table(
        f"Overload, {args.workers} workers (max_inflight per worker from SEARCHSVC_MAX_INFLIGHT)",
        ["phase", "offered/s", "200/s", "200 p50 ms", "200 p95 ms", "200 p99 ms", "503s",
         "503 p50 ms", "503 p99 ms", "other 5xx", "no answer", "worker cores", "CPU ms per 200", "generator cores",
         "generator ms per request", "others' cores"],
        rows,
    )  # fmt: skip
    print_table(
        "Where a 200's latency went: the app's own time (its Server-Timing: the search, with what"
        " the worker did at its safe points) and the rest (the wait for a turn, parsing, network)",
        ["phase", "200 p50 ms", "app p50 ms", "rest p50 ms", "200 p99 ms", "app p99 ms",
         "rest p99 ms"],
        [[name, s["latency_200_ms"]["p50"], s["app_200_ms"]["p50"], s["outside_app_200_ms"]["p50"],
          s["latency_200_ms"]["p99"], s["app_200_ms"]["p99"], s["outside_app_200_ms"]["p99"]]
         for name, s in (("capacity", cap), ("normal (C/2)", normal),
                         (f"overload ({args.factor:g} × C)", over))],
    )  # fmt: skip
    print_table(
        "Verdict", ["target", "met"], [[k, "yes" if v else "NO"] for k, v in verdict.items()]
    )
    print(
        f"worker RSS at the end: {worker_rss_mb} MB (USS {worker_uss_mb}); server session: {server_session}"
    )
    if server_log["events_total"]:
        print(f"server log events ({server_log['events_total']}): {server_log['events'][:5]}")
    reasons = over["503_reasons"]
    if reasons:
        print("503 reasons at overload:", "; ".join(f"{n} × {m}" for m, n in reasons.items()))
    payload = {
        "workers": args.workers,
        "clients": args.clients,
        "factor": args.factor,
        "generator": gen,
        "duration_s": duration,
        "capacity": cap,
        "normal": normal,
        "overload": over,
        "overload_after_onset": steady,
        "workers_before": workers_before,
        "workers_after": workers_after,
        "worker_rss_mb": worker_rss_mb,
        "worker_uss_mb": worker_uss_mb,
        "server_log": server_log,
        "admitted_vs_normal": ratios,
        "load_average_before": load_before,
        "server_session": server_session,
        "load_average": os.getloadavg(),
        "verdict": verdict,
    }
    write_results("overload", payload, quick=quick)
    return payload


class WorkerCpu:
    """Who used the CPU per phase: the workers (how many of the machine's cores they got, what an
    answered search cost them, and whether they waited for a core or for the disk), this process
    and its exited children (the load generator, Python or compiled: it shares the cores with the server it measures, so its cost per request
    is counted, refusals included), and the rest of the machine (other work on a shared box). A
    phase whose workers got fewer cores than there are workers while saturated ran short of CPU,
    and its latencies say so; ``involuntary_switches_per_s`` says whether it was the scheduler
    that took the core away (another process ran), ``read_mb`` whether the index came from disk."""

    def __init__(self, pids: list[int]):
        self.processes = [psutil.Process(p) for p in pids]
        self.me = psutil.Process()
        self.last, self.at = self._sample(), time.monotonic()

    def _sample(self) -> dict[str, float]:
        workers = switches = read = 0.0
        for p in self.processes:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                workers += t.user + t.system
                switches += p.num_ctx_switches().involuntary
                read += p.io_counters().read_bytes
        own = self.me.cpu_times()  # children: the compiled generator, once it has exited
        machine = psutil.cpu_times()
        steal = getattr(machine, "steal", 0.0)  # a virtual machine's cores run for other guests
        busy = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0) - steal
        return {"workers": workers, "generator": own.user + own.system + own.children_user + own.children_system,
                "machine": busy,
                "steal": steal, "switches": switches, "read": read}  # fmt: skip

    @staticmethod
    def rss_mb(pids: list[int]) -> list[float]:
        """Each worker's resident memory now, MB."""
        sizes = []
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                sizes.append(round(psutil.Process(pid).memory_info().rss / 1e6, 1))
        return sizes

    @staticmethod
    def uss_mb(pids: list[int]) -> list[float]:
        """What only each worker holds now, MB: its RSS less the pages it shares (the index
        files' page cache, libraries, what the master loaded before forking)."""
        sizes = []
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                sizes.append(round(psutil.Process(pid).memory_full_info().uss / 1e6, 1))
        return sizes

    def lap(self, answered: int, requests: int = 0) -> dict[str, float]:
        """Since the last lap: CPU seconds, cores used on average, CPU ms per 200 answered
        (refusals' cost included); the generator's CPU ms per request sent; the cores the rest
        of the machine used."""
        now, sample = time.monotonic(), self._sample()
        seconds = max(now - self.at, 1e-9)
        used = {k: sample[k] - self.last[k] for k in sample}
        self.last, self.at = sample, now
        others = max(0.0, used["machine"] - used["workers"] - used["generator"])
        return {"cpu_s": round(used["workers"], 2), "wall_s": round(seconds, 2),
                "cores": round(used["workers"] / seconds, 2),
                "ms_per_200": round(1000 * used["workers"] / max(answered, 1), 1),
                "generator_cores": round(used["generator"] / seconds, 2),
                "generator_ms_per_request": round(1000 * used["generator"] / max(requests, 1), 2),
                "other_cores": round(others / seconds, 2),
                "steal_cores": round(used["steal"] / seconds, 2),
                "involuntary_switches_per_s": round(used["switches"] / seconds, 1),
                "read_mb": round(used["read"] / 1e6, 1)}  # fmt: skip


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    ap.add_argument("--clients", type=int, default=8, help="closed-loop clients for capacity")
    ap.add_argument("--probe", type=int, default=10, help="seconds of capacity and normal runs")
    ap.add_argument("--duration", type=int, default=60, help="seconds of overload (default 60)")
    ap.add_argument("--factor", type=float, default=2.0, help="overload rate / capacity")
    ap.add_argument(
        "--generator",
        choices=GENERATORS,
        default="auto",
        help="load generator: the compiled one (c) when a C compiler is installed, else python",
    )
