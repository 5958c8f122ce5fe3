"""The one corpus loader of the benchmarks: where the corpus is, which files, and how to scale it.

The wh-briefings corpus lives outside the repo (``--corpus`` / ``SEARCHSVC_CORPUS``, default
``<repo>/../shared/corpora/wh-briefings``) and is never copied in. ``--scale N`` replicates it N times
*in memory*, at the Document level, under new ids (``<id>~2``, ``<id>~3``): the text is identical, so
posting lists grow N-fold exactly as a bigger newsroom archive would. ``--quick`` takes an evenly
spread sample of a few hundred files.

Documents and chunks come from the engine's own reader and chunker (``searchsvc.engine.text.ingest`` and
``searchsvc.engine.text.chunking``) so that searchsvc and tantivy index identical text. Until those land, a
small stand-in (front matter + blank-line paragraphs) keeps the tantivy side runnable; results record
which one was used.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from searchsvc.engine.models import Chunk, Document

from .common import REPO

DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "wh-briefings"
CISI_DIR = REPO.parent / "shared" / "corpora" / "cisi"
QUICK_DOCS = 300


def corpus_dir(arg: str | Path | None = None) -> Path:
    """``--corpus`` argument, else ``SEARCHSVC_CORPUS``, else the shared wh-briefings corpus."""
    return Path(arg or os.environ.get("SEARCHSVC_CORPUS") or DEFAULT_CORPUS).expanduser()


def corpus_available(arg: str | Path | None = None) -> bool:
    d = corpus_dir(arg)
    return d.is_dir() and any(d.rglob("*.md"))


def corpus_files(
    corpus: str | Path | None = None, quick: bool = False, limit: int | None = None
) -> list[Path]:
    """Sorted .md files of the corpus (READMEs excluded). ``quick``/``limit``: an even spread."""
    root = corpus_dir(corpus)
    if not root.is_dir():
        raise FileNotFoundError(
            f"corpus not found at {root}: pass --corpus DIR or set SEARCHSVC_CORPUS"
        )
    files = sorted(p for p in root.rglob("*.md") if p.name.lower() != "readme.md")
    n = limit if limit is not None else (QUICK_DOCS if quick else None)
    if n is not None and n < len(files):
        step = len(files) / n
        files = [files[int(i * step)] for i in range(n)]
    return files


# --- documents and chunks ---------------------------------------------------------------------


def _engine_reader():
    try:
        from searchsvc.engine.text.chunking import chunk_document
        from searchsvc.engine.text.ingest import read_path
    except ImportError:
        return None
    return read_path, chunk_document


def chunker_name() -> str:
    """``engine`` when the engine's reader/chunker are importable, else ``bench-fallback``."""
    return "engine" if _engine_reader() else "bench-fallback"


def read_documents(files: Iterable[Path]) -> Iterator[Document]:
    """Documents of the files, through the engine's reader when it exists."""
    engine = _engine_reader()
    for path in files:
        if engine:
            yield from engine[0](path)
        else:
            yield _fallback_read(path)


def scaled(docs: Iterable[Document], scale: int = 1) -> Iterator[Document]:
    """Each document, then its replicas ``<id>~2`` … ``<id>~N`` (same text, new ids)."""
    for doc in docs:
        yield doc
        for k in range(2, scale + 1):
            yield dataclasses.replace(doc, id=f"{doc.id}~{k}")


def load_documents(files: Iterable[Path], scale: int = 1) -> Iterator[Document]:
    return scaled(read_documents(files), scale)


def chunk(doc: Document) -> list[Chunk]:
    engine = _engine_reader()
    return engine[1](doc) if engine else _fallback_chunks(doc)


# --- stand-in reader/chunker (only until the engine's exist) ----------------------------------

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_LABEL = re.compile(r"^((?:MR|MS|MRS|DR)\.\s+[A-Z][A-Z'\-]+|Q|[A-Z][A-Z .'\-]{2,40}):\s+")


def _fallback_read(path: Path) -> Document:
    raw = path.read_text(encoding="utf-8", errors="replace")
    meta: dict = {}
    m = _FRONT.match(raw)
    if m:
        import yaml

        meta = yaml.safe_load(m.group(1)) or {}
        raw = raw[m.end() :]
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", raw)]
    text = "\n\n".join(p for p in paras if p)
    return Document(
        id=path.stem,
        text=text,
        title=str(meta.get("title", "")).replace("\xa0", " "),
        date=str(meta.get("date", "")) or None,
        url=meta.get("source_url"),
        kind=meta.get("tags"),
        source="whitehouse.gov",
        path=str(path),
    )


def _fallback_chunks(doc: Document) -> list[Chunk]:
    chunks, pos, speaker = [], 0, None
    for n, para in enumerate(doc.text.split("\n\n"), start=1):
        start = doc.text.index(para, pos)
        pos = start + len(para)
        m = _LABEL.match(para)
        if m:
            speaker = m.group(1).split(".")[-1].strip().title()
        chunks.append(Chunk(doc.id, n, start, pos, para, speaker=speaker))
    return chunks
