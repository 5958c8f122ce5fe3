"""``searchsvc``: the command line. Every command calls the engine directly (no HTTP) and turns a
``SearchsvcError`` into one clear line and a non-zero exit.

    searchsvc index PATH…            index files and directories (progress bar, summary)
    searchsvc search QUERY           ranked snippets with citations (--json: the HTTP response)
    searchsvc show DOC_ID            the cleaned document, numbered, with speakers
    searchsvc serve                  gunicorn + Falcon on the index (seeds indexed on first run)
    searchsvc reindex PATH…          rebuild beside the live index and swap it in atomically
    searchsvc backup DEST / restore SRC
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from .config import Settings, describe, markdown_table
from .engine.models import SORTS, SearchRequest
from .engine.service import Engine, count_files
from .errors import SearchsvcError

_index_dir = click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Index directory (default: $SEARCHSVC_INDEX_DIR or ./index).",
)


def _engine(index_dir: Path | None) -> Engine:
    return Engine(Settings.from_env(index_dir=index_dir))


def _errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """One line for an error a user can fix, not a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SearchsvcError as exc:
            raise click.ClickException(f"{exc.message} [{exc.code}]") from exc

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="searchsvc")
def main() -> None:
    """Full-text search for newsrooms: paragraph and speaker-turn chunks, facets, citations."""


def _indexing(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The arguments and options `index` and `reindex` share."""
    for decorator in reversed(
        [
            click.argument(
                "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
            ),
            _index_dir,
            click.option(
                "--procs",
                default=1,
                show_default=True,
                help="Processes that read, chunk and index (Whoosh segment builders; OpenSearch analysis).",
            ),
            click.option("--quiet", is_flag=True, help="No progress bar."),
            _errors,
        ]
    ):
        fn = decorator(fn)
    return fn


@main.command()
@_indexing
def index(paths: tuple[Path, ...], index_dir: Path | None, procs: int, quiet: bool) -> None:
    """Index files and directories (.txt, .md, .html, .xml, .json, ninjs); re-indexing replaces."""
    _index(paths, index_dir, procs, quiet, into_new=False)


@main.command()
@_indexing
def reindex(paths: tuple[Path, ...], index_dir: Path | None, procs: int, quiet: bool) -> None:
    """Rebuild the index from PATHS beside the live one, then swap it in atomically.

    A running service keeps answering from the old index and switches within a second."""
    _index(paths, index_dir, procs, quiet, into_new=True)


def _index(
    paths: tuple[Path, ...], index_dir: Path | None, procs: int, quiet: bool, into_new: bool
) -> None:
    from tqdm import tqdm

    engine = _engine(index_dir)
    with tqdm(total=count_files(paths), unit="file", disable=quiet, file=sys.stderr) as bar:
        report = engine.index_paths(paths, progress=bar.update, procs=procs, into_new=into_new)
    _report(report, engine)


def _report(report: Any, engine: Engine) -> None:
    for path, reason in report.skipped:
        click.echo(f"skipped {path}: {reason}", err=True)
    stats = engine.stats()
    click.echo(
        f"indexed {report.documents} documents, {report.chunks} chunks in {report.seconds:.1f} s "
        f"({report.chunks / max(report.seconds, 1e-9):,.0f} chunks/s); index now holds "
        f"{stats['documents']} documents, {stats['chunks']} chunks"
        + (f"; {len(report.skipped)} skipped (listed above)" if report.skipped else "")
    )


@main.command()
@click.argument("query", default="")
@_index_dir
@click.option("--speaker", multiple=True, help="Only this speaker (repeatable: OR).")
@click.option("--role", multiple=True, help="official, questioner, moderator, quoted.")
@click.option("--author", multiple=True, help="Only documents by this author (repeatable: OR).")
@click.option("--source", multiple=True)
@click.option("--kind", multiple=True)
@click.option("--event", multiple=True)
@click.option("--year", multiple=True)
@click.option("--date-from", help="ISO date, inclusive.")
@click.option("--date-to", help="ISO date, inclusive.")
@click.option("--page", default=1, show_default=True)
@click.option("--per-page", default=10, show_default=True)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--group", type=click.Choice(["document"]), help="One hit per document.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON that GET /search returns.")
@_errors
def search(query: str, index_dir: Path | None, as_json: bool, **opts: Any) -> None:
    """Search the index: ranked snippets with citations."""
    filters = {
        name: list(opts.pop(name))
        for name in ("speaker", "role", "author", "source", "kind", "event", "year")
    }
    request = SearchRequest(q=query, filters={k: v for k, v in filters.items() if v}, **opts)
    result = _engine(index_dir).search(request)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{result.total} results for {query!r} ({result.took_ms:.1f} ms)")
    if result.suggestion:
        click.echo(f"did you mean: {result.suggestion}")
    for hit in result.hits:
        who = f"{hit.speaker} ({hit.role})" if hit.speaker else (hit.role or hit.kind)
        partial = "  [partial match]" if hit.partial else ""
        click.echo(
            f"\n{hit.rank}. {hit.document.get('title') or hit.document['id']} — {who}{partial}"
        )
        click.echo(textwrap.indent(textwrap.fill(_terminal(hit.snippet), 96), "   "))
        click.echo(f"   — {hit.citation.text}  {hit.citation.url}")


def _terminal(snippet: str) -> str:
    """Snippet HTML for a terminal: marks as bold, entities decoded."""
    import html

    bold = "\x1b[1m{}\x1b[0m" if sys.stdout.isatty() else "[{}]"
    marked = re.sub(r"<mark>(.*?)</mark>", lambda m: bold.format(m.group(1)), snippet)
    return html.unescape(marked)


@main.command()
@click.argument("doc_id")
@_index_dir
@click.option("--json", "as_json", is_flag=True, help="Print the document as JSON.")
@_errors
def show(doc_id: str, index_dir: Path | None, as_json: bool) -> None:
    """Print a cleaned document with paragraph numbers and speakers."""
    doc = _engine(index_dir).get_document(doc_id)
    if as_json:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    click.echo(doc.get("title") or doc_id)
    meta = [doc.get(k) for k in ("source", "date", "kind", "event", "url")]
    click.echo(" · ".join(str(m) for m in meta if m))
    speaker = None
    for p in doc["paragraphs"]:
        if p.get("speaker") and p["speaker"] != speaker:
            click.echo(f"\n{p['speaker']} ({p.get('role')}):")
        speaker = p.get("speaker")
        body = textwrap.fill(p["text"], 92, initial_indent="", subsequent_indent="      ")
        click.echo(f"¶{p['number']:<4} {body}")


@main.command()
@click.option("--host", help="Bind address (default 127.0.0.1).")
@click.option("--port", type=int, help="Port (default 8080).")
@click.option("--workers", type=int, help="gunicorn worker processes (default 2).")
@_index_dir
@_errors
def serve(host: str | None, port: int | None, workers: int | None, index_dir: Path | None) -> None:
    """Run the HTTP service under gunicorn; indexes the bundled seeds first if the index is empty."""
    from .serve import serve as run

    run(Settings.from_env(host=host, port=port, workers=workers, index_dir=index_dir))


@main.command()
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@_index_dir
@_errors
def backup(dest: Path, index_dir: Path | None) -> None:
    """Copy the live index to DEST consistently, while the service keeps running."""
    out = _engine(index_dir).backup(dest)
    click.echo(f"backed up to {out}")


@main.command()
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_index_dir
@_errors
def restore(src: Path, index_dir: Path | None) -> None:
    """Make a backup live (atomic swap; running workers switch without a restart)."""
    engine = _engine(index_dir)
    engine.restore(src)
    stats = engine.stats()
    click.echo(f"restored {src}: {stats['documents']} documents, {stats['chunks']} chunks")


@main.command("config")
@click.option("--markdown", is_flag=True, help="Print the README's configuration table.")
def config_cmd(markdown: bool) -> None:
    """List every setting with its environment variable and default."""
    if markdown:
        click.echo(markdown_table())
        return
    for var, default, help_text in describe():
        click.echo(f"{var:<34} {default or '-':<20} {help_text}")


if __name__ == "__main__":
    main()
