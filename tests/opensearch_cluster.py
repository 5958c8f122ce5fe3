"""A real multi-node OpenSearch cluster on 127.0.0.1 for tests, through ``deploy/opensearch-dev/cluster``.

``running_cluster(data_dir, nodes=3)`` starts ``nodes`` nodes (one JVM each), waits for green and
yields a ``Cluster``; on leaving it stops them all. Start-up failures raise ``RuntimeError`` with
the script's output, which ends with the tail of every node's log.

The snapshot repository path of every node (``path.repo``) is ``Cluster.snapshot_root``; an ``fs``
repository's ``location`` must lie under it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "deploy" / "opensearch-dev" / "cluster"

# Three JVMs on two cores take ~15 s on an idle machine, minutes on a loaded one.
START_TIMEOUT = float(os.environ.get("OPENSEARCH_DEV_START_TIMEOUT", "480"))


def run_script(*args: str, timeout: float = START_TIMEOUT + 120) -> str:
    """Run the cluster script; return its stdout, raise RuntimeError with all its output if it fails."""
    env = dict(os.environ, OPENSEARCH_DEV_START_TIMEOUT=str(int(START_TIMEOUT)))
    proc = subprocess.run(
        ["bash", str(SCRIPT), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{SCRIPT.name} {' '.join(args)} failed (exit {proc.returncode})\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
    return proc.stdout


def _last_line(out: str) -> str:
    lines = [line for line in out.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError(f"{SCRIPT.name} printed no URLs")
    return lines[-1].strip()


@dataclass
class Cluster:
    data_dir: Path
    urls: list[str]
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def __post_init__(self) -> None:
        self.session.trust_env = False  # loopback: no proxy from the environment

    @property
    def nodes(self) -> int:
        return len(self.urls)

    @property
    def snapshot_root(self) -> Path:
        return self.data_dir / "snapshots"

    def log_path(self, k: int) -> Path:
        return self.data_dir / f"node-{k}.log"

    def pid(self, k: int) -> int | None:
        """The pid of node ``k`` (1-based) if it is running, else None."""
        try:
            pid = int((self.data_dir / f"node-{k}.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        # A killed JVM that nobody has reaped yet is a zombie: not running.
        with contextlib.suppress(FileNotFoundError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            if stat.rsplit(")", 1)[1].split()[0] == "Z":
                return None
        return pid

    def kill_node(self, k: int, timeout: float = 30) -> None:
        """SIGKILL node ``k`` and wait until its process is gone."""
        pid = self.pid(k)
        if pid is None:
            raise RuntimeError(f"node-{k} is not running")
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while self.pid(k) is not None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"node-{k} (pid {pid}) still alive {timeout}s after SIGKILL")
            time.sleep(0.05)

    def restart_node(self, k: int) -> None:
        """Start node ``k`` again (same ports and data); returns once the cluster has all nodes."""
        run_script("restart-node", str(k), str(self.data_dir))

    def url(self, k: int) -> str:
        return self.urls[k - 1]

    def live_urls(self) -> list[str]:
        return [u for k, u in enumerate(self.urls, 1) if self.pid(k) is not None]

    def health(self, url: str | None = None, **params: str) -> dict:
        """``GET _cluster/health`` from ``url`` (default: the first live node).

        Wait parameters (``wait_for_status`` etc.) may time out: the 408 body is returned as is.
        While a new cluster manager is being elected (its node was killed) the call waits as long
        as ``timeout`` for one rather than failing at once; keep ``timeout`` under 180 s.
        """
        url = url or self.live_urls()[0]
        params.setdefault("cluster_manager_timeout", params.get("timeout", "30s"))
        r = self.session.get(f"{url}/_cluster/health", params=params, timeout=200)
        if r.status_code not in (200, 408):
            r.raise_for_status()
        return r.json()

    def stop(self) -> None:
        run_script("stop", str(self.data_dir))

    def logs_tail(self, lines: int = 40) -> str:
        out = []
        for k in range(1, self.nodes + 1):
            path = self.log_path(k)
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"----- {path} -----\n" + "\n".join(tail))
        return "\n".join(out)


@contextlib.contextmanager
def running_cluster(data_dir: Path, nodes: int = 3) -> Iterator[Cluster]:
    """Start ``nodes`` OpenSearch nodes with their data in ``data_dir``; stop them on exit."""
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        out = run_script("start", str(nodes), str(data_dir))
    except BaseException:
        # The script stops what it started when it fails; a timeout here may have left nodes.
        with contextlib.suppress(Exception):
            run_script("stop", str(data_dir), timeout=120)
        raise
    cluster = Cluster(data_dir=data_dir, urls=_last_line(out).split(","))
    try:
        yield cluster
    finally:
        cluster.session.close()
        cluster.stop()
