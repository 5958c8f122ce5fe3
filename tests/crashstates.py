"""Power-cut states of a recorded run, in the manner of the ALICE and CrashMonkey studies.

``record(argv, root)`` runs a program under ``strace`` and returns the file-system operations it
made under ``root`` (with the data of every write), plus the points where it acknowledged
something (a ``write`` to fd 1 starting ``ack``). ``crash_states(ops, root)`` then yields, for
every point of the run, the on-disk states a power cut there could leave, as functions that
write such a state into a directory.

The persistence model is POSIX's, not one file system's: a file's data is durable once the file
is fsynced; a directory's entries (files created, renamed, removed in it) once the directory is
fsynced. Anything newer may or may not have reached the disk. For each point the states tried
are: nothing newer kept; names kept but data lost (what delayed allocation does); data kept but
names lost; everything kept; each directory with only a prefix of its pending entry changes
kept; each file alone losing its un-fsynced data; and the file being written cut half-way.
States that come out identical are tried once.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

TRACED = (
    "openat,open,creat,write,pwrite64,writev,lseek,close,fsync,fdatasync,ftruncate,rename,"
    "renameat,renameat2,unlink,unlinkat,rmdir,mkdir,mkdirat,symlink,symlinkat,link,linkat,"
    "dup,dup2,dup3,sendfile,copy_file_range,fallocate"
)
# Calls that would change files in ways this model does not follow; a trace using them under
# the root is refused rather than replayed wrongly.
UNSUPPORTED = {"link", "linkat", "sendfile", "copy_file_range", "fallocate", "dup", "dup2", "dup3"}
LINE = re.compile(r"^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+)(?:<([^>]*)>)?")
HEX = re.compile(r"\\x([0-9a-f]{2})")
O_CREAT, O_TRUNC, O_APPEND, O_DIRECTORY = os.O_CREAT, os.O_TRUNC, os.O_APPEND, os.O_DIRECTORY


@dataclass
class Op:
    """One recorded change, already resolved to absolute paths."""

    kind: str  # write, truncate, create, mkdir, symlink, rename, unlink, rmdir, fsync, ack
    path: str = ""
    other: str = ""  # rename target, symlink target
    data: bytes = b""
    offset: int = 0
    ack: str = ""


def _unhex(s: str) -> bytes:
    return bytes(int(h, 16) for h in HEX.findall(s))


def _args(text: str) -> list[str]:
    return [a.strip() for a in text.split(", ")]


def _path_of(token: str) -> str | None:
    """The path in a ``-y`` annotation (``3</a/b>`` or ``AT_FDCWD</cwd>``)."""
    m = re.search(r"<([^>]*)>", token)
    return _unhex(m.group(1)).decode() if m else None


def _at(dirtoken: str, pathtoken: str, cwd: str) -> str:
    path = _unhex(pathtoken).decode()
    if os.path.isabs(path):
        return os.path.normpath(path)
    base = _path_of(dirtoken) or cwd
    return os.path.normpath(os.path.join(base, path))


def record(argv: list[str], root: Path, trace_file: Path, env: dict[str, str]) -> list[Op]:
    """Run ``argv`` under strace; the operations on files under ``root``, in order."""
    cmd = ["strace", "-f", "-qq", "--seccomp-bpf", "-y", "-xx", "-s", str(1 << 26),
           "-e", f"trace={TRACED}", "-e", "signal=none", "-o", str(trace_file), *argv]  # fmt: skip
    subprocess.run(cmd, check=True, env=env, cwd=str(root.parent), timeout=300,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return parse(trace_file.read_text(encoding="ascii"), str(root), str(root.parent))


def parse(text: str, root: str, cwd: str) -> list[Op]:
    ops: list[Op] = []
    fds: dict[tuple[str, int], list] = {}  # (pid, fd) -> [path, offset]
    pending: dict[str, str] = {}
    inside = lambda p: p == root or p.startswith(root + os.sep)  # noqa: E731
    for raw in text.splitlines():
        if "<unfinished ...>" in raw:
            pid = raw.split()[0]
            pending[pid] = raw.split(" <unfinished", 1)[0]
            continue
        m = re.match(r"^(\d+)\s+<\.\.\. \w+ resumed>(.*)$", raw)
        if m:
            raw = pending.pop(m.group(1)) + m.group(2)
        m = LINE.match(raw)
        if not m:
            continue
        pid, call, argtext, ret, retpath = m.groups()
        ret_i = int(ret)
        if ret_i < 0:
            continue
        args = _args(argtext)
        if call == "write" and args[0].startswith("1<"):
            data = _unhex(args[1])
            if data.startswith(b"ack "):
                ops.append(Op("ack", ack=data[4:].decode().strip()))
            continue
        if call in ("openat", "open", "creat"):
            path = _path_of(f"<{retpath}>") if retpath else None
            if call == "openat":
                flags_text, requested = args[2], _at(args[0], args[1], cwd)
            else:
                flags_text, requested = (
                    (args[1] if call == "open" else "O_CREAT|O_TRUNC"),
                    _at("", args[0], cwd),
                )
            path = path or requested
            if not inside(path):
                continue
            flags = _flags(flags_text)
            if flags & O_DIRECTORY:
                fds[(pid, ret_i)] = [path, 0, True]
                continue
            if flags & O_CREAT:
                ops.append(Op("create", path))
            if flags & O_TRUNC:
                ops.append(Op("truncate", path, offset=0))
            fds[(pid, ret_i)] = [path, 0, False, bool(flags & O_APPEND)]
            continue
        if call in UNSUPPORTED:
            for a in args:
                p = _path_of(a) or ""
                if inside(p):
                    raise ValueError(f"unsupported call on the index: {raw[:200]}")
            continue
        if call in ("write", "pwrite64", "writev", "lseek", "close", "fsync", "fdatasync",
                    "ftruncate"):  # fmt: skip
            fd = int(args[0].split("<", 1)[0])
            entry = fds.get((pid, fd))
            if entry is None:
                continue
            if call == "close":
                del fds[(pid, fd)]
            elif call in ("fsync", "fdatasync"):
                ops.append(Op("fsync", entry[0]))
            elif call == "lseek":
                entry[1] = ret_i
            elif call == "ftruncate":
                ops.append(Op("truncate", entry[0], offset=int(args[1])))
            else:
                if call == "writev":
                    data = b"".join(_unhex(s) for s in re.findall(r'iov_base="([^"]*)"', argtext))
                else:
                    data = _unhex(args[1])
                data = data[:ret_i]
                if call == "pwrite64":
                    ops.append(Op("write", entry[0], data=data, offset=int(args[3])))
                else:
                    ops.append(
                        Op("write", entry[0], data=data, offset=-1 if entry[3] else entry[1])
                    )
                    entry[1] += ret_i
            continue
        if call in ("rename", "renameat", "renameat2"):
            if call == "rename":
                old, new = _at("", args[0], cwd), _at("", args[1], cwd)
            else:
                old, new = _at(args[0], args[1], cwd), _at(args[2], args[3], cwd)
            if inside(old) or inside(new):
                ops.append(Op("rename", old, new))
        elif call in ("unlink", "unlinkat", "rmdir"):
            if call == "unlinkat":
                path, removedir = _at(args[0], args[1], cwd), "AT_REMOVEDIR" in args[2]
            else:
                path, removedir = _at("", args[0], cwd), call == "rmdir"
            if inside(path):
                ops.append(Op("rmdir" if removedir else "unlink", path))
        elif call in ("mkdir", "mkdirat"):
            path = _at(args[0], args[1], cwd) if call == "mkdirat" else _at("", args[0], cwd)
            if inside(path):
                ops.append(Op("mkdir", path))
        elif call in ("symlink", "symlinkat"):
            target = _unhex(args[0]).decode()
            path = _at(args[1], args[2], cwd) if call == "symlinkat" else _at("", args[1], cwd)
            if inside(path):
                ops.append(Op("symlink", path, target))
    return ops


def _flags(text: str) -> int:
    value = 0
    for name in text.split("|"):
        value |= getattr(os, name.strip(), 0) if name.strip().startswith("O_") else 0
    return value


# --- the model ----------------------------------------------------------------------------------


@dataclass
class Inode:
    data: bytearray = field(default_factory=bytearray)
    durable: bytes = b""


@dataclass
class Directory:
    entries: dict[str, tuple[str, object]] = field(default_factory=dict)  # name -> (kind, ref)
    durable: dict[str, tuple[str, object]] = field(default_factory=dict)
    pending: list[tuple[str, tuple[str, object] | None]] = field(default_factory=list)


class Model:
    """Files and directories under the root, each with its current and its durable state."""

    def __init__(self, root: Path):
        self.root = str(root)
        self.dirs: dict[str, Directory] = {}
        self.inodes: dict[int, Inode] = {}
        self.last_written: int | None = None  # the file a cut may tear mid-write
        self._load(self.root)

    def _load(self, path: str) -> None:
        d = self.dirs[path] = Directory()
        for name in sorted(os.listdir(path)):
            full = os.path.join(path, name)
            if os.path.islink(full):
                node: tuple[str, object] = ("link", os.readlink(full))
            elif os.path.isdir(full):
                self._load(full)
                node = ("dir", full)
            else:
                ino = len(self.inodes)
                data = Path(full).read_bytes()
                self.inodes[ino] = Inode(bytearray(data), data)
                node = ("file", ino)
            d.entries[name] = d.durable[name] = node

    def _set(self, path: str, node: tuple[str, object] | None) -> None:
        parent, name = os.path.split(path)
        d = self.dirs[parent]
        if node is None:
            d.entries.pop(name, None)
        else:
            d.entries[name] = node
        d.pending.append((name, node))

    def _inode_of(self, path: str) -> int:
        parent, name = os.path.split(path)
        return self.dirs[parent].entries[name][1]  # type: ignore[return-value]

    def _file(self, path: str) -> Inode:
        parent, name = os.path.split(path)
        kind, ref = self.dirs[parent].entries[name]
        assert kind == "file", path
        return self.inodes[ref]  # type: ignore[index]

    def apply(self, op: Op) -> None:
        if op.kind == "create":
            parent, name = os.path.split(op.path)
            if name not in self.dirs[parent].entries:
                ino = len(self.inodes)
                self.inodes[ino] = Inode()
                self._set(op.path, ("file", ino))
        elif op.kind == "truncate":
            f = self._file(op.path)
            del f.data[op.offset :]
        elif op.kind == "write":
            f = self._file(op.path)
            self.last_written = self._inode_of(op.path)
            at = len(f.data) if op.offset < 0 else op.offset
            if at > len(f.data):
                f.data.extend(b"\0" * (at - len(f.data)))
            f.data[at : at + len(op.data)] = op.data
        elif op.kind == "fsync":
            if op.path in self.dirs:
                d = self.dirs[op.path]
                d.durable = dict(d.entries)
                d.pending = []
            else:
                f = self._file(op.path)
                f.durable = bytes(f.data)
        elif op.kind == "mkdir":
            self.dirs[op.path] = Directory()
            self._set(op.path, ("dir", op.path))
        elif op.kind == "rmdir":
            self._set(op.path, None)
        elif op.kind == "symlink":
            self._set(op.path, ("link", op.other))
        elif op.kind == "unlink":
            self._set(op.path, None)
        elif op.kind == "rename":
            parent, name = os.path.split(op.path)
            node = self.dirs[parent].entries[name]
            self._set(op.path, None)
            self._set(op.other, node)

    # --- states -----------------------------------------------------------------------------
    def variants(self) -> Iterator[tuple[dict[str, dict], dict[int, bytes]]]:
        """(entries per directory, data per inode) of each state a power cut now could leave."""
        cur_dirs = {p: dict(d.entries) for p, d in self.dirs.items()}
        old_dirs = {p: dict(d.durable) for p, d in self.dirs.items()}
        cur_data = {i: bytes(f.data) for i, f in self.inodes.items()}
        old_data = {i: f.durable for i, f in self.inodes.items()}
        yield old_dirs, old_data
        yield cur_dirs, old_data
        yield old_dirs, cur_data
        yield cur_dirs, cur_data
        for path, d in self.dirs.items():
            for j in _prefixes(d.pending):
                entries = dict(d.durable)
                for name, node in d.pending[:j]:
                    if node is None:
                        entries.pop(name, None)
                    else:
                        entries[name] = node
                yield {**cur_dirs, path: entries}, cur_data
        for i, f in self.inodes.items():
            if bytes(f.data) != f.durable:
                yield cur_dirs, {**cur_data, i: f.durable}
        f = self.inodes.get(self.last_written)  # type: ignore[arg-type]
        if f is not None and bytes(f.data) != f.durable:
            torn = len(f.durable) + (len(f.data) - len(f.durable)) // 2
            yield cur_dirs, {**cur_data, self.last_written: bytes(f.data[:torn])}

    def materialize(self, dirs: dict[str, dict], data: dict[int, bytes], into: Path) -> None:
        def build(path: str, dest: Path) -> None:
            dest.mkdir(parents=True, exist_ok=True)
            for name, (kind, ref) in dirs.get(path, {}).items():
                if kind == "dir":
                    build(ref, dest / name)  # type: ignore[arg-type]
                elif kind == "link":
                    os.symlink(ref, dest / name)  # type: ignore[arg-type]
                else:
                    (dest / name).write_bytes(data[ref])  # type: ignore[index]

        build(self.root, into)

    def signature(self, dirs: dict[str, dict], data: dict[int, bytes]) -> str:
        h = hashlib.sha1()

        def walk(path: str) -> None:
            for name, (kind, ref) in sorted(dirs.get(path, {}).items()):
                h.update(f"{path}/{name}:{kind}:".encode())
                if kind == "dir":
                    walk(ref)  # type: ignore[arg-type]
                elif kind == "link":
                    h.update(str(ref).encode())
                else:
                    h.update(hashlib.sha1(data[ref]).digest())  # type: ignore[index]

        walk(self.root)
        return h.hexdigest()


def _prefixes(pending: list[tuple[str, tuple[str, object] | None]]) -> list[int]:
    """How many of a directory's pending changes to keep: every count for a short list; for a
    long one the ends, quarters, and both sides of every change that replaces or removes a name
    (a rename over a TOC or ``live``, a deletion of old segments) — where order matters."""
    n = len(pending)
    if n <= 8:
        return list(range(n))
    cuts = {0, n // 4, n // 2, 3 * n // 4, n - 1}
    names: set[str] = set()
    for i, (name, node) in enumerate(pending):
        if node is None or name in names:
            cuts.update((i, i + 1))
        names.add(name)
    return sorted(c for c in cuts if c < n)


CHANGES = {"rename", "symlink", "rmdir", "ack"}
FILE_FSYNC_SAMPLE = 4  # of the file fsyncs inside one commit, cut after every 4th (and the last)


def _cut_points(ops: list[Op], dirs: set[str]) -> set[int]:
    """Where to cut: after each rename, symlink, directory removal, acknowledgement and directory
    fsync; after the last file fsync before each directory fsync (all of a commit's files durable,
    its TOC not yet renamed) and every ``FILE_FSYNC_SAMPLE``-th file fsync; and after the last op.
    Between cuts only data and new names change, which the lost, torn and partly-kept variants
    of the next cut cover."""
    cuts = {len(ops) - 1}
    file_fsyncs = 0
    last_file_fsync = None
    for k, op in enumerate(ops):
        if op.kind in CHANGES:
            cuts.add(k)
        elif op.kind == "mkdir":
            dirs.add(op.path)
        elif op.kind == "fsync" and op.path in dirs:
            cuts.add(k)
            if last_file_fsync is not None:
                cuts.add(last_file_fsync)
        elif op.kind == "fsync":
            file_fsyncs += 1
            last_file_fsync = k
            if file_fsyncs % FILE_FSYNC_SAMPLE == 0:
                cuts.add(k)
    return cuts


def crash_states(
    ops: list[Op], root: Path
) -> Iterator[tuple[int, str | None, str, Callable[[Path], None]]]:
    """(op index, last ack before it, signature, write-state-into-dir) for every distinct state
    at every cut point (``_cut_points``), and before the first op."""
    model = Model(root)
    cuts = _cut_points(ops, set(model.dirs))
    seen: set[tuple[str, str | None]] = set()
    last_ack: str | None = None

    def states(k: int) -> Iterator[tuple[int, str | None, str, Callable[[Path], None]]]:
        for dirs, data in model.variants():
            sig = model.signature(dirs, data)
            if (sig, last_ack) in seen:
                continue
            seen.add((sig, last_ack))
            snapshot = ({p: dict(e) for p, e in dirs.items()}, dict(data))
            yield k, last_ack, sig, lambda into, s=snapshot: model.materialize(*s, into)

    yield from states(-1)
    for k, op in enumerate(ops):
        if op.kind == "ack":
            last_ack = op.ack
        else:
            model.apply(op)
        if k in cuts:
            yield from states(k)
