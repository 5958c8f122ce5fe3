"""A full disk: writes answer 507 in JSON, nothing acknowledged is lost, reads go on, and writes
work again once space is freed.

The index lives on a 4 MB tmpfs mounted for the test (skipped with the reason when mounting is
not permitted), under the real gunicorn. A filler file takes the free space — all of it, or all
but a few pages so a commit fails half-way through its files — and then: PUT and DELETE answer
507 ``insufficient_storage``; searches and document reads answer 200 with every acknowledged
document; no worker leaks a file descriptor per failed write; a ``reindex`` fails with the same
error, keeps the live generation and leaves no partial one behind. After the filler is removed a
PUT succeeds and is searchable.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from helpers import SEEDS, Server, assert_error, small_tmpfs

WRITE_KEY = "disk-full-write-key"
AUTH = {"Authorization": f"Bearer {WRITE_KEY}"}
SIZE = "4m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with small_tmpfs(tmp_path / "disk", SIZE) as mount:
        yield mount


def fill(mount: Path, leave: int) -> Path:
    """Take every free byte of ``mount`` but ``leave``; returns the filler file."""
    filler = mount / "filler"
    block = b"\0" * 65536
    with filler.open("wb", buffering=0) as f:
        while True:
            try:
                f.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                break
        with contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 4096)  # the last partial block
        size = f.tell()
    os.truncate(filler, max(0, size - leave))
    return filler


def open_files(pid: int | str) -> list[str]:
    links = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            links.append(os.readlink(fd))
    return [link for link in links if link.startswith("/")]


def scratch_files(srv: Server) -> list[str]:
    """Files the workers hold in a writer's scratch space or half-written TOCs: what a failed
    write leaves open when it leaks (they keep their disk space even once deleted)."""
    children = Path(f"/proc/{srv.process.pid}/task/{srv.process.pid}/children").read_text()
    return [
        link
        for pid in children.split()
        for link in open_files(pid)
        if ".tmp/" in link or ".toc." in link or link.endswith(".tmp (deleted)")
    ]


def put(srv: Server, doc_id: str, text: str) -> requests.Response:
    return srv.request(
        "PUT", f"/documents/{doc_id}", json={"title": doc_id, "body": text}, headers=AUTH
    )


def test_full_disk_refuses_writes_in_json_keeps_reads_and_recovers(
    make_server, small_disk: Path
) -> None:
    index_dir = small_disk / "index"
    srv: Server = make_server(
        env={"SEARCHSVC_INDEX_DIR": str(index_dir), "SEARCHSVC_WRITE_KEYS": WRITE_KEY},
        prebuild=False,  # `serve` indexes the seeds onto the small disk itself
        workers=2,
    )
    acked = {}
    for n in range(3):
        resp = put(srv, f"kept-{n}", f"Kept story {n} about the diskfullmarker harbour.")
        assert resp.status_code == 201, resp.text
        acked[f"kept-{n}"] = resp.json()["chunks"]
    generations = sorted(p.name for p in index_dir.glob("gen-*"))

    for leave in (0, 3 * 4096):  # nothing free; a few pages: the commit fails part-way
        filler = fill(small_disk, leave)
        for attempt in range(3):
            text = f"Refused story {attempt} diskfullmarker. " + "filler words " * 400
            assert_error(put(srv, f"refused-{attempt}", text), 507, "insufficient_storage")
        assert_error(
            srv.request("DELETE", "/documents/kept-0", headers=AUTH), 507, "insufficient_storage"
        )
        assert not scratch_files(srv), scratch_files(srv)
        found = srv.get("/search", q="diskfullmarker", per_page=50)
        assert found.status_code == 200, found.text
        assert {h["document"]["id"] for h in found.json()["hits"]} == set(acked)
        for doc_id, chunks in acked.items():
            doc = srv.get(f"/documents/{doc_id}", headers={"Accept": "application/json"})
            assert doc.status_code == 200 and len(doc.json()["paragraphs"]) == chunks
        assert srv.get("/health").status_code == 200

        from searchsvc.config import Settings
        from searchsvc.engine.service import Engine
        from searchsvc.errors import InsufficientStorage

        with pytest.raises(InsufficientStorage):
            Engine(Settings(index_dir=index_dir)).index_paths([SEEDS], into_new=True)
        assert sorted(p.name for p in index_dir.glob("gen-*")) == generations

        filler.unlink()
        resp = put(srv, f"after-{leave}", "Written once space was freed, diskfullmarker.")
        assert resp.status_code == 201, resp.text
        acked[f"after-{leave}"] = resp.json()["chunks"]
        found = srv.get("/search", q="diskfullmarker", per_page=50).json()
        assert {h["document"]["id"] for h in found["hits"]} == set(acked)
    for n in range(4):
        assert srv.get(f"/documents/refused-{n}").status_code == 404


def test_failed_writes_on_a_full_disk_leak_no_file_descriptor(small_disk: Path) -> None:
    from searchsvc.config import Settings
    from searchsvc.engine.models import SearchRequest
    from searchsvc.engine.service import Engine
    from searchsvc.errors import InsufficientStorage

    engine = Engine(Settings(index_dir=small_disk / "index"))
    engine.put_json({"id": "kept", "title": "kept", "body": "Kept harbour story."})
    engine.search(SearchRequest(q="harbour"))
    filler = fill(small_disk, 0)
    held = []
    for _round in range(3):
        for n in range(3):
            with pytest.raises(InsufficientStorage):
                engine.put_json({"id": f"r{n}", "title": "r", "body": "refused " * 400})
        with pytest.raises(InsufficientStorage):
            engine.delete_document("kept")
        assert engine.search(SearchRequest(q="harbour")).total == 1
        held.append(sorted(open_files(os.getpid())))
    assert held[0] == held[1] == held[2]
    filler.unlink()
    engine.put_json({"id": "after", "title": "after", "body": "Harbour story after."})
    assert engine.search(SearchRequest(q="harbour")).total == 2
