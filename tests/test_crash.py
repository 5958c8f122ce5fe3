"""Crash safety: writers are SIGKILLed at random points; the index must not care.

Trials (the kill delay of each is drawn from a seeded RNG — random by design, never a
sleep-to-pass; ``SEARCHSVC_CRASH_SEED`` replays a run):

* **Engine writers**: a subprocess calls ``Engine.put_json`` in a loop over new ids and rewrites of
  ids from a shared pool (so replacements and segment merges are killed too), printing
  ``ack ID VERSION N`` after each ``put_json`` returns. It is killed after its first ack plus a
  random delay.
* **The CLI**: ``searchsvc index`` and ``searchsvc reindex`` over a directory of JSON documents,
  killed a random time after start (or left to finish).
* **gunicorn**: clients PUT through the write API while a worker, and then the master, are
  SIGKILLed; every 2xx-acknowledged write must survive into a freshly started server.

After every kill, in this process: the index opens; search answers; every acknowledged write is
present at its acknowledged version or a later one; every document has all of its chunks or none
(each body says "version V paragraph k of N", so the expected count is known from the text) and no
chunk twice; and the next writer takes the lock without anyone cleaning up.

Also: a worker killed during searches is replaced by gunicorn, and the only requests that fail are
ones whose connections that worker held.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from helpers import SEEDS, SRC, Server, running_server

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("SEARCHSVC_CRASH_SEED", "20261123"))
ENGINE_TRIALS = int(os.environ.get("SEARCHSVC_CRASH_TRIALS", "20"))
CLI_TRIALS = 6
CLI_DOCS = 300
POOL = 12  # ids rewritten across trials: replacements are killed too
WRITE_KEY = "crash-test-write-key"
CRASH_ID = re.compile(r"^(?:pool-\d+|t\d+-\d+|cli-\d+|h\d+-\d+)$")
PARA_RE = re.compile(r"^Crash test (\S+) version (\d+) paragraph (\d+) of (\d+)\.")

WRITER = r"""
import random, sys, time
from pathlib import Path
from searchsvc.config import Settings
from searchsvc.engine.service import Engine

index_dir, trial, seed, pool = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
engine = Engine(Settings(index_dir=Path(index_dir), lock_timeout=60.0))
i = 0
while True:
    doc_id = f"pool-{rng.randrange(pool)}" if rng.random() < 0.4 else f"t{trial}-{i}"
    version = time.time_ns()
    n = rng.randint(1, 6)
    body = "\n\n".join(
        f"Crash test {doc_id} version {version} paragraph {k} of {n}. Words about harbour cranes."
        for k in range(1, n + 1)
    )
    engine.put_json({"id": doc_id, "title": f"Crash {doc_id}", "body": body, "version": version})
    print(f"ack {doc_id} {version} {n}", flush=True)
    i += 1
"""


def body_of(doc_id: str, version: int, n: int) -> str:
    return "\n\n".join(
        f"Crash test {doc_id} version {version} paragraph {k} of {n}. Words about harbour cranes."
        for k in range(1, n + 1)
    )


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEARCHSVC_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Ledger:
    """What was acknowledged: id → highest acknowledged version (0 = deleted/never)."""

    acked: dict[str, int] = field(default_factory=dict)

    def ack(self, doc_id: str, version: int) -> None:
        self.acked[doc_id] = max(version, self.acked.get(doc_id, 0))


def index_state(index_dir: Path) -> dict[str, list[tuple[int, str]]]:
    """doc_id → [(paragraph, text)] of every chunk in the live index, read with a fresh Engine."""
    from searchsvc.config import Settings
    from searchsvc.engine.service import Engine

    engine = Engine(Settings(index_dir=index_dir))
    chunks: dict[str, list[tuple[int, str]]] = defaultdict(list)
    with engine.backend.store.open().searcher() as s:
        for fields in s.all_stored_fields():
            chunks[fields["doc_id"]].append((fields["paragraph"], fields["text"]))
    return chunks


def check_index(index_dir: Path, ledger: Ledger) -> dict[str, int]:
    """Every invariant of a crashed-into index; returns doc_id → stored version."""
    from searchsvc.config import Settings
    from searchsvc.engine.models import SearchRequest
    from searchsvc.engine.service import Engine

    state = index_state(index_dir)
    versions: dict[str, int] = {}
    for doc_id, chunks in state.items():
        if not CRASH_ID.match(doc_id):
            continue  # seeds and the probe are not crash-test documents
        ids = Counter(p for p, _ in chunks)
        assert all(c == 1 for c in ids.values()), f"{doc_id}: duplicated chunks {ids}"
        parsed = [PARA_RE.match(text) for _, text in chunks]
        assert all(parsed), f"{doc_id}: unexpected chunk text {chunks[:2]}"
        doc_versions = {int(m.group(2)) for m in parsed if m}
        assert len(doc_versions) == 1, f"{doc_id}: chunks of several versions {doc_versions}"
        version = doc_versions.pop()
        n = int(parsed[0].group(4))
        assert sorted(ids) == list(range(1, n + 1)), f"{doc_id} v{version}: half-present {ids}"
        assert sorted(int(m.group(3)) for m in parsed if m) == list(range(1, n + 1))
        versions[doc_id] = version
    for doc_id, version in ledger.acked.items():
        assert doc_id in versions, f"acknowledged write of {doc_id} (v{version}) was lost"
        assert versions[doc_id] >= version, f"{doc_id}: v{versions[doc_id]} < acked v{version}"
    result = Engine(Settings(index_dir=index_dir)).search(SearchRequest(q="harbour cranes"))
    if versions:
        assert result.total >= 1, "search does not find the documents the index holds"
    return versions


def next_writer_gets_the_lock(index_dir: Path) -> None:
    """A new writer must take the lock at once (flock dies with its holder): no manual cleanup."""
    from searchsvc.config import Settings
    from searchsvc.engine.service import Engine

    engine = Engine(Settings(index_dir=index_dir, lock_timeout=5.0))
    t0 = time.monotonic()
    engine.put_json({"id": "probe", "title": "probe", "body": "Probe paragraph after a crash."})
    engine.delete_document("probe")
    assert time.monotonic() - t0 < 5.0


def read_acks(stdout: str, ledger: Ledger) -> int:
    n = 0
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "ack":
            ledger.ack(parts[1], int(parts[2]))
            n += 1
    return n


# --- engine writers -----------------------------------------------------------------------------


def test_engine_writer_killed_at_random_points(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    index_dir = tmp_path / "index"
    ledger = Ledger()
    total_acks = 0
    for trial in range(ENGINE_TRIALS):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                str(index_dir),
                str(trial),
                str(rng.randrange(2**32)),
                str(POOL),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()  # blocks until the first acknowledged write
        assert first.startswith("ack "), (first, proc.stderr.read() if proc.stderr else "")
        read_acks(first, ledger)
        time.sleep(rng.uniform(0.0, 0.6))  # the random kill point: not a wait for anything
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, (proc.returncode, err[-2000:])
        total_acks += 1 + read_acks(out, ledger)
        check_index(index_dir, ledger)
        next_writer_gets_the_lock(index_dir)
    assert total_acks >= ENGINE_TRIALS
    assert any(k.startswith("pool-") for k in ledger.acked), "no replacement was exercised"


HOLDER = r"""
import sys
from pathlib import Path
from searchsvc.config import Settings
from searchsvc.engine.models import Document
from searchsvc.engine.text.chunking import chunk_document
from searchsvc.engine.whoosh.store import chunk_fields
from searchsvc.engine.service import Engine

engine = Engine(Settings(index_dir=Path(sys.argv[1])))
doc = Document(id="uncommitted", text="Crash test uncommitted version 1 paragraph 1 of 1. Words.")
with engine.backend.store.writer() as w:  # the writer lock, a Whoosh writer, an uncommitted chunk
    for chunk in chunk_document(doc):
        w.add_document(**chunk_fields(doc, chunk))
    print("holding", flush=True)
    sys.stdin.read()  # hold the lock until killed
"""


def test_a_writer_killed_holding_the_lock_is_recovered_with_a_log_line(
    tmp_path: Path, caplog
) -> None:
    """Issue 8: a stale lock is recovered automatically *with a clear log line*. A writer is
    SIGKILLed while it holds the writer lock with an uncommitted chunk: the next writer gets the
    lock at once, says the previous holder died, and the uncommitted chunk is not in the index."""
    index_dir = tmp_path / "index"
    ledger = Ledger()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(index_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "holding", (line, proc.stderr.read() if proc.stderr else "")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    with caplog.at_level(logging.INFO):
        next_writer_gets_the_lock(index_dir)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("searchsvc")]
    assert any(re.search(r"stale|previous (writer|holder)|died|recover", m) for m in lines), lines
    assert "uncommitted" not in index_state(index_dir)
    check_index(index_dir, ledger)


# --- the CLI ------------------------------------------------------------------------------------


def write_cli_docs(folder: Path, run: int, ledger_plan: dict[str, tuple[int, int]]) -> None:
    import json

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    rng = random.Random(run)
    for i in range(CLI_DOCS):
        doc_id = f"cli-{i}"
        version = time.time_ns()
        n = rng.randint(1, 6)
        ledger_plan[doc_id] = (version, n)
        (folder / f"{doc_id}.json").write_text(
            json.dumps({"id": doc_id, "title": doc_id, "body": body_of(doc_id, version, n)}),
            encoding="utf-8",
        )


def test_cli_index_and_reindex_killed_mid_run(tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    index_dir = tmp_path / "index"
    docs = tmp_path / "docs"
    ledger = Ledger()
    completed = killed = 0
    duration = 0.0
    for run in range(CLI_TRIALS):
        plan: dict[str, tuple[int, int]] = {}
        write_cli_docs(docs, run, plan)
        command = "index" if run % 2 == 0 else "reindex"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "searchsvc.cli",
                command,
                "--index-dir",
                str(index_dir),
                str(docs),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        assert proc.stderr is not None
        proc.stderr.read(1)  # the progress bar appeared: reading has begun
        started = time.monotonic()
        if run == 0:
            # the first run completes, so later kills always hit an index with content; its
            # duration scales the random kill points of the others to this machine's speed
            _out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err[-2000:]
            duration = time.monotonic() - started
        else:
            try:
                proc.wait(timeout=rng.uniform(0.0, 0.9 * duration))  # the random kill point
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
            _out, err = proc.communicate(timeout=30)
        if proc.returncode == 0:
            completed += 1
            for doc_id, (version, _n) in plan.items():
                ledger.ack(doc_id, version)  # present at this version or a later one
        else:
            killed += 1
            assert proc.returncode == -signal.SIGKILL, (proc.returncode, err[-2000:])
        versions = check_index(index_dir, ledger)
        # a run commits whole: the index holds all documents of the last completed run or of
        # the killed one, never a mix of half-written ones (check_index saw each whole)
        assert len(versions) == CLI_DOCS, len(versions)
        live = index_dir / "live"
        assert live.is_symlink() and (index_dir / os.readlink(live)).is_dir()
        next_writer_gets_the_lock(index_dir)
    assert completed >= 1 and killed >= 2, (completed, killed)
    # Generations that killed reindexes were building are garbage: the next completed reindex
    # must not leave them behind (each is a whole copy of the index).
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "searchsvc.cli",
            "reindex",
            "--index-dir",
            str(index_dir),
            str(docs),
        ],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    gens = sorted(p.name for p in index_dir.glob("gen-*"))
    assert gens == [os.readlink(index_dir / "live")], f"orphaned generations: {gens}"


def test_writes_acknowledged_before_and_during_a_reindex_survive_it(tmp_path: Path) -> None:
    """A CMS keeps pushing while ``searchsvc reindex`` rebuilds from files: every acknowledged
    push — before the rebuild, during it, or while a rebuild is SIGKILLed — is in the index
    afterwards, and so is every file document. Trial 0 completes; the others are killed at a
    random point of the build (scaled to trial 0's duration)."""
    from searchsvc.config import Settings
    from searchsvc.engine.service import Engine

    rng = random.Random(SEED + 4)
    index_dir, docs = tmp_path / "index", tmp_path / "docs"
    write_cli_docs(docs, 0, {})
    engine = Engine(Settings(index_dir=index_dir, lock_timeout=60.0))
    engine.index_paths([docs])
    ledger = Ledger()
    seq = 0

    def push(trial: int) -> None:
        nonlocal seq
        seq += 1
        doc_id = f"pool-{rng.randrange(POOL)}" if rng.random() < 0.3 else f"t{trial}-{seq}"
        version, n = time.time_ns(), rng.randint(1, 4)
        engine.put_json(
            {"id": doc_id, "title": doc_id, "body": body_of(doc_id, version, n), "version": version}
        )
        ledger.ack(doc_id, version)

    for _ in range(5):
        push(0)  # pushed before any rebuild
    duration = 0.0
    during = 0
    for trial in range(3):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "searchsvc.cli",
                "reindex",
                "--index-dir",
                str(index_dir),
                str(docs),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=child_env(),
        )
        assert proc.stderr is not None
        proc.stderr.read(1)  # the rebuild has begun reading files
        started = time.monotonic()
        kill_at = None if trial == 0 else started + rng.uniform(0.0, 0.9 * duration)
        while proc.poll() is None:
            if kill_at is not None and time.monotonic() >= kill_at:
                proc.send_signal(signal.SIGKILL)
                break
            push(trial)
            during += 1
        err = proc.communicate(timeout=120)[1].decode(errors="replace")
        if trial == 0:
            assert proc.returncode == 0, err[-2000:]
            duration = time.monotonic() - started
        versions = check_index(index_dir, ledger)
        assert sum(1 for d in versions if d.startswith("cli-")) == CLI_DOCS
        next_writer_gets_the_lock(index_dir)
    assert during >= 1, "no write landed while a rebuild was running"


# --- backup and restore -------------------------------------------------------------------------


def _segment_file(backup: Path) -> Path:
    """The biggest index file of a backup (segment data, whatever Whoosh's file layout)."""
    files = [p for p in backup.iterdir() if p.suffix != ".toc" and p.name != "MANIFEST.json"]
    return max(files, key=lambda p: p.stat().st_size)


def _damage_missing_segment(backup: Path) -> None:
    _segment_file(backup).unlink()


def _damage_truncated_segment(backup: Path) -> None:
    seg = _segment_file(backup)
    seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 2])


def _damage_missing_toc(backup: Path) -> None:
    for toc in backup.glob("*.toc"):
        toc.unlink()


def _damage_segment_without_manifest(backup: Path) -> None:
    """A copy made by hand (no manifest) and cut short: only reading it whole can tell."""
    (backup / "MANIFEST.json").unlink(missing_ok=True)
    _damage_truncated_segment(backup)


@pytest.mark.parametrize(
    "damage",
    [
        _damage_missing_segment,
        _damage_truncated_segment,
        _damage_missing_toc,
        _damage_segment_without_manifest,
    ],
    ids=["missing-segment", "truncated-segment", "missing-toc", "no-manifest"],
)
def test_restore_refuses_a_backup_cut_short_and_keeps_the_live_index(
    tmp_path: Path, damage
) -> None:
    """``searchsvc backup`` killed mid-copy leaves what these damages simulate (the copy order
    is the directory's; a kill can land between files or inside one). ``restore`` of it must
    refuse, and the live index must keep answering with everything it had."""
    from searchsvc.config import Settings
    from searchsvc.engine.models import SearchRequest
    from searchsvc.engine.service import Engine
    from searchsvc.errors import SearchsvcError

    engine = Engine(Settings(index_dir=tmp_path / "index"))
    engine.index_paths([SEEDS])
    before = engine.search(SearchRequest(q="genome")).total
    assert before > 0
    backup = engine.backup(tmp_path / "backup")
    damage(backup)
    with pytest.raises(SearchsvcError):  # a clear refusal (InvalidParameter), not a crash
        engine.restore(backup)
    fresh = Engine(Settings(index_dir=tmp_path / "index"))
    assert fresh.search(SearchRequest(q="genome")).total == before
    assert fresh.stats()["documents"] == 5


# --- gunicorn -----------------------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


def wait_for_workers(master: int, n: int, exclude: set[int], deadline: float) -> list[int]:
    """Poll (with a deadline) until the master has ``n`` workers, none of them in ``exclude``."""
    while time.monotonic() < deadline:
        pids = worker_pids(master)
        if len(pids) == n and not set(pids) & exclude:
            return pids
        time.sleep(0.05)
    raise AssertionError(f"gunicorn did not replace its workers: {worker_pids(master)}")


class Putter(threading.Thread):
    """A client PUTting documents until stopped; records what the server acknowledged."""

    def __init__(self, url: str, name: str, seed: int, ledger: Ledger, lock: threading.Lock):
        super().__init__(daemon=True)
        self.url, self.name_, self.rng = url, name, random.Random(seed)
        self.ledger, self.lock = ledger, lock
        self.stop = threading.Event()
        self.acks = self.failures = 0
        self.statuses: Counter[int] = Counter()

    def next_doc(self, i: int) -> tuple[str, int, dict]:
        doc_id = (
            f"h{self.name_}-{i}" if self.rng.random() < 0.7 else f"pool-{self.rng.randrange(POOL)}"
        )
        version = time.time_ns()
        n = self.rng.randint(1, 5)
        return (
            doc_id,
            version,
            {"title": doc_id, "body": body_of(doc_id, version, n), "version": version},
        )

    def run(self) -> None:
        """PUTs, and every fourth request an NDJSON bulk of three documents (acknowledged per
        line: a 200 bulk answer whose item says 200/201)."""
        session = requests.Session()
        i = 0
        headers = {"Authorization": f"Bearer {WRITE_KEY}"}
        while not self.stop.is_set():
            bulk = self.rng.random() < 0.25
            docs = [self.next_doc(i + k) for k in range(3 if bulk else 1)]
            try:
                if bulk:
                    lines = "".join(json.dumps({"id": d, **doc}) + "\n" for d, _v, doc in docs)
                    resp = session.post(
                        f"{self.url}/documents/_bulk",
                        data=lines.encode(),
                        headers={**headers, "Content-Type": "application/x-ndjson"},
                        timeout=30,
                    )
                else:
                    doc_id, _v, doc = docs[0]
                    resp = session.put(
                        f"{self.url}/documents/{doc_id}", json=doc, headers=headers, timeout=30
                    )
            except requests.RequestException:
                self.failures += 1
                session = requests.Session()
                time.sleep(0.05)  # back off while the master brings a worker back
                continue
            self.statuses[resp.status_code] += 1
            if resp.status_code in (200, 201):
                items = (
                    [next(iter(item.values()))["status"] for item in resp.json()["items"]]
                    if bulk
                    else [resp.status_code]
                )
                assert len(items) == len(docs), resp.text[:300]
                with self.lock:
                    for (doc_id, version, _doc), status in zip(docs, items, strict=True):
                        if status in (200, 201):
                            self.ledger.ack(doc_id, version)
                            self.acks += 1
            i += len(docs)


def test_gunicorn_worker_and_master_killed_while_clients_put(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    rng = random.Random(SEED + 2)
    ledger = Ledger()
    lock = threading.Lock()
    workdir = tmp_path_factory.mktemp("crash-server")
    env = {"SEARCHSVC_WRITE_KEYS": WRITE_KEY}
    with running_server(workdir, env=env, workers=2) as srv:
        master = srv.process.pid
        putters = [Putter(srv.url, str(k), rng.randrange(2**32), ledger, lock) for k in range(3)]
        for p in putters:
            p.start()
        deadline = time.monotonic() + 30
        for _ in range(3):  # three worker kills at random points
            while sum(p.acks for p in putters) < 5 and time.monotonic() < deadline:
                time.sleep(0.02)  # poll: wait for writes to be flowing
            time.sleep(rng.uniform(0.0, 0.8))
            victim = rng.choice(wait_for_workers(master, 2, set(), time.monotonic() + 20))
            os.kill(victim, signal.SIGKILL)
            wait_for_workers(master, 2, {victim}, time.monotonic() + 20)
        time.sleep(rng.uniform(0.0, 0.8))
        os.kill(master, signal.SIGKILL)  # and the master, with its workers orphaned mid-write
        for p in putters:
            p.stop.set()
        for p in putters:
            p.join(timeout=40)
        for pid in worker_pids(master):
            os.kill(pid, signal.SIGKILL)
        statuses = sum((p.statuses for p in putters), Counter())
        assert not [s for s in statuses if s >= 500 and s != 503], statuses
        assert sum(p.acks for p in putters) >= 10, statuses
    # orphaned workers notice their master is gone; make sure none is left writing
    _wait_no_writers(srv)
    check_index(srv.index_dir, ledger)
    next_writer_gets_the_lock(srv.index_dir)
    with running_server(
        tmp_path_factory.mktemp("crash-server-2"),
        prebuild=False,
        env={"SEARCHSVC_INDEX_DIR": str(srv.index_dir)},
    ) as again:
        for doc_id, version in list(ledger.acked.items())[:20]:
            resp = again.get(f"/documents/{doc_id}", headers={"Accept": "application/json"})
            assert resp.status_code == 200, (doc_id, resp.status_code)
            texts = [p["text"] for p in resp.json()["paragraphs"]]
            assert texts and all(int(PARA_RE.match(t).group(2)) >= version for t in texts)


def _wait_no_writers(srv: Server) -> None:
    """Poll until no process still holds the server's index open for writing (the orphaned
    workers of a SIGKILLed master exit on their next heartbeat)."""
    deadline = time.monotonic() + 30
    me = str(srv.index_dir)
    while time.monotonic() < deadline:
        busy = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmd = (proc / "cmdline").read_bytes()
                environ = (proc / "environ").read_bytes()
            except OSError:
                continue
            if b"gunicorn" in cmd and me.encode() in environ:
                busy.append(int(proc.name))
        if not busy:
            return
        time.sleep(0.1)
    raise AssertionError(f"gunicorn processes outlived their master: {busy}")


def held_client_ports(pid: int, server_port: int) -> set[int]:
    """The client ports of the connections process ``pid`` holds to ``server_port`` (its
    accepted sockets, read from /proc: the socket inodes among its descriptors, matched to the
    kernel's TCP table)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if (
                inode in inodes
                and state != "0A"
                and int(local.rsplit(":", 1)[1], 16) == server_port
            ):
                ports.add(int(remote.rsplit(":", 1)[1], 16))  # 0A = LISTEN: the shared socket
    return ports


def test_worker_killed_during_searches_loses_only_what_it_held(server: Server) -> None:
    """Four clients search in a loop; one worker is SIGKILLed. The requests that fail are exactly
    some of those whose connections that worker held at the kill (frozen with SIGSTOP first, so
    its connections can be read from /proc before it dies); a request on a connection it did not
    hold — still in the shared listen queue, or on the other worker — never fails, whichever
    worker ends up accepting it. gunicorn starts a replacement and searching goes on.

    (A gevent worker may hold several of the clients' connections at once, where a sync worker
    holds one; what it holds is bounded by admission: ``SEARCHSVC_MAX_INFLIGHT`` requests queued
    or computing, plus connections still sending their headers.)"""
    rng = random.Random(SEED + 3)
    master = server.process.pid
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    before = wait_for_workers(master, 2, set(), time.monotonic() + 10)
    stop = threading.Event()
    results: list[tuple[float, int, int | str]] = []  # (started, client port, status or error)
    lock = threading.Lock()

    def client() -> None:
        while not stop.is_set():
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            started = time.monotonic()
            try:
                conn.connect()
                local = conn.sock.getsockname()[1]
                conn.request("GET", "/search?q=genome+OR+cooperation")
                resp = conn.getresponse()
                resp.read()
                status: int | str = resp.status
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
            finally:
                conn.close()
            with lock:
                results.append((started, local, status))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(results) < 20 and time.monotonic() < deadline:
        time.sleep(0.02)  # poll until searches are flowing
    time.sleep(rng.uniform(0.0, 0.3))
    victim = rng.choice(before)
    os.kill(victim, signal.SIGSTOP)  # it can neither accept nor answer: what it holds is fixed
    try:
        held = held_client_ports(victim, int(port))
    finally:
        os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    after = wait_for_workers(master, 2, {victim}, time.monotonic() + 30)
    replaced_at = len(results)
    while len(results) < replaced_at + 20 and time.monotonic() < killed_at + 30:
        time.sleep(0.02)
    stop.set()
    for t in threads:
        t.join(timeout=40)
    failures = [r for r in results if r[2] != 200]
    assert {local for _, local, _ in failures} <= held, (failures, held)
    assert all(started < killed_at for started, _, _ in failures), failures
    assert victim not in after and len(after) == 2
    assert sum(1 for at, _, s in results if at > killed_at and s == 200) >= 20
