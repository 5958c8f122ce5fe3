"""Test helpers shared by every HTTP test: the real-server harness and the one error assertion.

``running_server`` builds an index with the real Engine, starts ``python -m searchsvc.serve``
(which execs the real gunicorn with the packaged config) on a free loopback port, polls
``/health`` until it answers or a deadline passes (showing the server's output if it does not),
and terminates it afterwards. ``tests/conftest.py`` wraps it in the ``server`` and
``make_server`` fixtures; modules that need a server per module can use it directly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import requests

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
SEEDS = ROOT / "seeds"
if str(SRC) not in sys.path:  # a source checkout without `pip install -e .` still works
    sys.path.insert(0, str(SRC))

START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Backend:
    """Which storage a test server runs on: ``whoosh`` (its own index directory) or ``opensearch``
    (the session's cluster, with a fresh alias for every server so servers never share data)."""

    name: str = "whoosh"
    urls: tuple[str, ...] = ()

    def env(self) -> dict[str, str]:
        if self.name != "opensearch":
            return {"SEARCHSVC_BACKEND": self.name}
        return {
            "SEARCHSVC_BACKEND": self.name,
            "SEARCHSVC_OPENSEARCH_URL": ",".join(self.urls),
            "SEARCHSVC_OPENSEARCH_INDEX": f"test-{uuid.uuid4().hex[:12]}",
            "SEARCHSVC_OPENSEARCH_SHARDS": "2",
            "SEARCHSVC_OPENSEARCH_REPLICAS": "1",
        }


WHOOSH = Backend()


def _backend(backend: Backend | str) -> Backend:
    return backend if isinstance(backend, Backend) else Backend(backend)


_STORAGE: dict[Path, dict[str, str]] = {}


def storage_env(index_dir: Path) -> dict[str, str]:
    """The backend variables of the server whose index directory is ``index_dir``, so a CLI run
    beside a test server (``searchsvc reindex``, ``backup``) works on the same storage."""
    return dict(_STORAGE.get(Path(index_dir), {}))


@dataclass
class Server:
    """A running searchsvc: ``url`` has no trailing slash; ``get`` takes query params as kwargs."""

    url: str
    index_dir: Path
    log_path: Path
    process: subprocess.Popen
    env: dict[str, str]

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        return requests.request(method, self.url + path, **kwargs)

    def get(
        self, path: str, headers: Mapping[str, str] | None = None, **params: Any
    ) -> requests.Response:
        return self.request("GET", path, params=params or None, headers=dict(headers or {}))

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def assert_error(resp: Any, status: int, code: str) -> dict[str, Any]:
    """Every error is JSON ``{"error": {"code", "message"}}`` with the right status."""
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    body = resp.json() if callable(resp.json) else resp.json  # requests or falcon.testing
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    return body["error"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_index(
    index_dir: Path, paths: Iterable[Path], backend: Backend | str | dict[str, str] = "whoosh"
) -> Any:
    """Index ``paths`` into ``index_dir`` with the real engine (what `searchsvc index` does), on
    ``backend`` (a name, a ``Backend`` with its cluster, or the variables ``Backend.env`` made)."""
    from searchsvc.config import Settings
    from searchsvc.engine.service import Engine

    storage = backend if isinstance(backend, dict) else _backend(backend).env()
    settings = Settings.from_env(storage, index_dir=index_dir)
    return Engine(settings).index_paths([Path(p) for p in paths])


@contextlib.contextmanager
def running_server(
    workdir: Path,
    *,
    docs: Iterable[Path] | None = None,
    env: Mapping[str, str] | None = None,
    workers: int = 2,
    prebuild: bool = True,
    timeout: float = START_TIMEOUT,
    backend: Backend | str = WHOOSH,
) -> Iterator[Server]:
    """Start a real server on ``backend`` in ``workdir``; index ``docs`` (default: the seeds)
    first unless ``prebuild`` is False, in which case ``serve`` itself indexes
    ``SEARCHSVC_SEEDS_DIR``."""
    workdir.mkdir(parents=True, exist_ok=True)
    index_dir = workdir / "index"
    backend = _backend(backend)
    storage = backend.env()
    _STORAGE[index_dir] = storage
    if prebuild:
        build_index(index_dir, docs if docs is not None else [SEEDS], storage)
    port = free_port()
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SEARCHSVC_") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    environment.update(
        {
            "SEARCHSVC_INDEX_DIR": str(index_dir),
            "SEARCHSVC_SEEDS_DIR": str(SEEDS),
            "SEARCHSVC_HOST": "127.0.0.1",
            "SEARCHSVC_PORT": str(port),
            "SEARCHSVC_WORKERS": str(workers),
            "SEARCHSVC_METRICS_DIR": str(workdir / "metrics"),
            "PYTHONPATH": os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p),
            "PYTHONUNBUFFERED": "1",
        }
    )
    environment.update(storage)
    environment.update(env or {})
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "searchsvc.serve"],
            cwd=workdir,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(
        url=f"http://127.0.0.1:{port}",
        index_dir=index_dir,
        log_path=log_path,
        process=process,
        env=environment,
    )
    try:
        _wait_healthy(server, timeout)
        yield server
    finally:
        _stop(process)


def _wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"server exited with {server.process.returncode} before answering /health:\n"
                + server.log()
            )
        try:
            resp = requests.get(server.url + "/health", timeout=2)
            if resp.status_code == 200:
                return
            last = f"{resp.status_code} {resp.text[:200]}"
        except requests.RequestException as exc:
            last = repr(exc)
        time.sleep(0.1)  # poll interval, not a wait-to-pass: the loop ends on the first 200
    raise RuntimeError(
        f"server did not answer /health within {timeout}s ({last}):\n" + server.log()
    )


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM lets gunicorn stop its workers gracefully; SIGKILL the group if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


class ClientThreads:
    """Client threads that run until told to stop: ``with`` starts them; leaving the block sets
    ``stop`` and waits for each thread (at most ``join_timeout`` seconds)."""

    join_timeout = 30.0

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def __enter__(self) -> Self:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=self.join_timeout)


@contextlib.contextmanager
def small_tmpfs(mount: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (e.g. ``"4m"``) mounted at ``mount``, so a write can really fill a
    disk; the test is skipped where mounting is not allowed."""
    import pytest

    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a {size} tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
