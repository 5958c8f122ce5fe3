"""An open-loop HTTP load generator for the overload and soak benchmarks.

Requests are *scheduled* at a fixed rate whatever the server does (a closed loop such as wrk's
waits for each answer, so an overloaded server slows its own load and hides the queue); each
request's latency counts from its scheduled time, so waiting to be sent is counted too. One new
loopback connection per request (``Connection: close``), read to the end: the status, the
``Retry-After`` header and the error code of JSON errors are kept per request.

The generator shares the machine's cores with the server it measures, so what it costs is taken
from the server: ``bench overload`` reports its CPU per request. It is kept lean for that: an
asyncio protocol per exchange (no stream reader and writer, no task per timeout: one timer that
cancels the request), one scheduler that starts each request at its time (not a sleeping task
per request made up front), and uvloop's event loop when it is installed (the bench extra).
On the 2-core box this cut the generator from ≈ 1.1–1.5 to ≈ 0.2–0.3 ms of CPU per request.

Cheaper still is compiled code: ``loadgen-c/loadgen.c``, the same schedule, the same request
and the same figures per request, one thread on one epoll set. ``open_loop`` and ``closed_loop``
run it when a C compiler is installed (built on first use into a temporary directory, keyed by
the source's hash, so a change rebuilds it) and fall back to the Python generator otherwise, or
when asked to (``generator="python"``). It runs as a child process, so ``bench overload``
counts its CPU with this process's children's.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import REPO, percentiles

try:
    import uvloop
except ImportError:  # the stdlib loop: the same answers, more CPU per request
    uvloop = None

SEEDS = REPO / "seeds"
C_SOURCE = Path(__file__).resolve().parent / "loadgen-c" / "loadgen.c"
GENERATORS = ("auto", "c", "python")


@dataclass
class Answer:
    path: str
    scheduled: float
    latency_ms: float
    status: int  # 0: no answer (connection refused, reset or timed out)
    retry_after: str | None = None
    code: str | None = None
    error: str | None = None
    message: str | None = None  # of a JSON error: why a 503 was refused, for one
    send_lag_ms: float = 0.0  # how late the load generator itself began sending it
    # The server's own time for it (its Server-Timing "app;dur"): the search, without the wait
    # for a turn, the parsing and the network; None without the header.
    app_ms: float | None = None


class _Exchange(asyncio.Protocol):
    """One request on its own connection: sent once connected, the answer read until the
    server closes."""

    def __init__(self, request: bytes, done: asyncio.Future[bytes]):
        self.request, self.done, self.chunks = request, done, []

    def connection_made(self, transport: Any) -> None:
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            if exc is None:
                self.done.set_result(b"".join(self.chunks))
            else:
                self.done.set_exception(exc)


async def fetch(host: str, port: int, path: str, timeout: float) -> tuple[int, dict, bytes]:
    loop = asyncio.get_running_loop()
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    done: asyncio.Future[bytes] = loop.create_future()
    task = asyncio.current_task()
    assert task is not None
    expiry = loop.call_later(timeout, task.cancel)
    transport = None
    try:
        transport, _ = await loop.create_connection(lambda: _Exchange(request, done), host, port)
        raw = await done
    except asyncio.CancelledError:  # by the expiry (the generator itself is never cancelled)
        task.uncancel()
        raise TimeoutError(f"no answer within {timeout:g} s") from None
    finally:
        expiry.cancel()
        if transport is not None:
            transport.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return status, headers, body


async def _one(host: str, port: int, path: str, at: float, timeout: float) -> Answer:
    lag = (time.monotonic() - at) * 1000
    try:
        status, headers, body = await fetch(host, port, path, timeout)
    except (OSError, TimeoutError, ValueError, IndexError) as exc:
        latency = (time.monotonic() - at) * 1000
        return Answer(path, at, latency, 0, error=repr(exc)[:200], send_lag_ms=lag)
    code = message = None
    if status >= 400 and headers.get("content-type", "").startswith("application/json"):
        try:
            error = json.loads(body)["error"]
            code, message = error["code"], str(error.get("message", ""))[:100]
        except (ValueError, KeyError, TypeError):
            code = "unparseable"
    latency = (time.monotonic() - at) * 1000
    return Answer(path, at, latency, status, headers.get("retry-after"), code, None, message, lag,
                  _app_ms(headers.get("server-timing")))  # fmt: skip


def _app_ms(server_timing: str | None) -> float | None:
    """``app;dur=12.3`` (``middleware.TimingMiddleware``) in milliseconds."""
    _, found, rest = (server_timing or "").partition("app;dur=")
    try:
        return float(rest.split(",")[0]) if found else None
    except ValueError:
        return None


def _run(main: Coroutine[Any, Any, list[Answer]]) -> list[Answer]:
    factory = uvloop.new_event_loop if uvloop is not None else None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)


def open_loop(
    base: str,
    paths: Sequence[str],
    rate: float,
    seconds: float,
    timeout: float = 10.0,
    generator: str = "auto",
) -> list[Answer]:
    """``rate`` requests per second for ``seconds``, cycling through ``paths``."""
    binary = compiled_generator(generator)
    if binary is not None:
        args = ["-mode", "open", "-rate", repr(rate), "-seconds", repr(seconds)]
        return _run_compiled(binary, base, paths, args, timeout)
    host, port = base.removeprefix("http://").rsplit(":", 1)

    async def main() -> list[Answer]:
        start = time.monotonic() + 0.2
        tasks = []
        for i in range(int(rate * seconds)):
            at = start + i / rate
            delay = at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(
                _one(host, int(port), paths[i % len(paths)], at, timeout)))  # fmt: skip
        return list(await asyncio.gather(*tasks))

    return _run(main())


def closed_loop(
    base: str,
    paths: Sequence[str],
    clients: int,
    seconds: float,
    timeout: float = 10.0,
    generator: str = "auto",
) -> list[Answer]:
    """``clients`` concurrent clients, each sending its next request when the last is answered."""
    binary = compiled_generator(generator)
    if binary is not None:
        args = ["-mode", "closed", "-clients", str(clients), "-seconds", repr(seconds)]
        return _run_compiled(binary, base, paths, args, timeout)
    host, port = base.removeprefix("http://").rsplit(":", 1)

    async def client(k: int, until: float, out: list[Answer]) -> None:
        i = k
        while time.monotonic() < until:
            out.append(
                await _one(host, int(port), paths[i % len(paths)], time.monotonic(), timeout)
            )
            i += clients

    async def main() -> list[Answer]:
        out: list[Answer] = []
        until = time.monotonic() + seconds
        await asyncio.gather(*(client(k, until, out) for k in range(clients)))
        return out

    return _run(main())


def c_compiler() -> str | None:
    return shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


def compiled_generator(generator: str = "auto") -> Path | None:
    """The compiled generator's executable, built on first use; None for the Python generator
    (asked for, or ``auto`` without a C compiler or when the build fails). ``c`` without a
    compiler is an error: a run that asked for it must not measure the other generator."""
    if generator not in GENERATORS:
        raise ValueError(f"generator must be one of {', '.join(GENERATORS)}, not {generator!r}")
    if generator == "python":
        return None
    cc = c_compiler()
    if cc is None:
        if generator == "c":
            raise RuntimeError("the compiled load generator was asked for, but no C compiler found")
        return None
    source = C_SOURCE.read_bytes()
    key = hashlib.sha256(source + cc.encode()).hexdigest()[:16]
    binary = Path(tempfile.gettempdir()) / f"searchsvc-loadgen-{key}" / "loadgen"
    if binary.exists():
        return binary
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_suffix(f".{os.getpid()}")  # renamed into place: concurrent builds
    built = subprocess.run([cc, "-O2", "-o", str(partial), str(C_SOURCE)],
                           capture_output=True, text=True, check=False)  # fmt: skip
    if built.returncode != 0:
        if generator == "c":
            raise RuntimeError(f"building the load generator failed:\n{built.stderr[-2000:]}")
        return None
    partial.replace(binary)
    return binary


def _run_compiled(
    binary: Path, base: str, paths: Sequence[str], args: list[str], timeout: float
) -> list[Answer]:
    """Runs the compiled generator over ``paths`` and reads back one ``Answer`` per request."""
    with tempfile.NamedTemporaryFile("w", suffix=".paths", encoding="utf-8") as listing:
        listing.write("\n".join(paths) + "\n")
        listing.flush()
        done = subprocess.run(
            [str(binary), "-addr", base.removeprefix("http://"), "-paths", listing.name,
             "-timeout", repr(timeout), *args],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed: {done.stderr[-2000:]}")
    answers = []
    for line in done.stdout.splitlines():
        index, at, latency, lag, status, retry_after, code, message, error, app = line.split("\t")
        answers.append(Answer(paths[int(index)], float(at), float(latency), int(status),
                              retry_after or None, _json_text(code), error or None,
                              _json_text(message), float(lag),
                              float(app) if float(app) >= 0 else None))  # fmt: skip
    return answers


def _json_text(raw: str) -> str | None:
    """A JSON string's text as the compiled generator prints it (between the quotes, escapes
    kept), decoded and cut at 100 characters as ``_one`` does."""
    if not raw:
        return None
    try:
        return str(json.loads(f'"{raw}"'))[:100]
    except ValueError:
        return raw[:100]


def summary(answers: Sequence[Answer], seconds: float) -> dict[str, Any]:
    """Counts by status and code, rates, and latency percentiles per kind of answer."""
    by_status: dict[str, int] = {}
    for a in answers:
        key = str(a.status) + (f" {a.code}" if a.code else "")
        by_status[key] = by_status.get(key, 0) + 1
    ok = [a.latency_ms for a in answers if a.status == 200]
    refused = [a for a in answers if a.status == 503]
    return {
        "requests": len(answers),
        "offered_per_s": round(len(answers) / seconds, 1),
        "answered_200_per_s": round(len(ok) / seconds, 1),
        "statuses": by_status,
        "latency_200_ms": percentiles(ok),
        "latency_503_ms": percentiles([a.latency_ms for a in refused]),
        # Of a 200's latency, the server's own time (the search) and the rest: the wait for a
        # turn, the parsing, the network, the generator.
        "app_200_ms": percentiles(
            [a.app_ms for a in answers if a.status == 200 and a.app_ms is not None]
        ),
        "outside_app_200_ms": percentiles(
            [a.latency_ms - a.app_ms for a in answers if a.status == 200 and a.app_ms is not None]
        ),
        "503_without_retry_after": sum(1 for a in refused if not a.retry_after),
        "503_reasons": dict(Counter(a.message for a in refused).most_common(5)),
        "send_lag_ms": percentiles([a.send_lag_ms for a in answers]),
        "other_5xx": sum(1 for a in answers if a.status >= 500 and a.status != 503),
        "no_answer": sum(1 for a in answers if a.status == 0),
        "errors": sorted({a.error for a in answers if a.error})[:5],
    }


def ensure_index(args: Any, work: Path, log: Callable[[str], None] = print) -> Path:
    """``--index-dir`` when it already holds an index; else build one there (or in ``work``):
    the seeds with ``--quick``, else the corpus (``--limit`` for an even spread)."""
    from searchsvc.config import Settings
    from searchsvc.engine.service import Engine

    from .corpus import corpus_files

    target = Path(args.index_dir) if args.index_dir else work / "index"
    if (target / "live").exists():
        return target
    files = [SEEDS] if args.quick else corpus_files(args.corpus, limit=args.limit)
    log(f"building the index of {len(files)} paths in {target} …")
    report = Engine(Settings(index_dir=target)).index_paths(files)
    log(f"indexed {report.documents} documents, {report.chunks} chunks in {report.seconds:.0f} s")
    return target
