"""Imports flow one way: config/errors ← engine ← api, cli (STYLE.md). The engine must never learn
about HTTP or the command line, and the HTTP layer never touches Whoosh directly."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "searchsvc"


def imported_modules(directory: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in directory.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                names.add(("." * node.level) + (node.module or ""))
        found[str(path.relative_to(PACKAGE))] = names
    return found


def test_engine_knows_nothing_of_http_or_cli():
    for path, names in imported_modules(PACKAGE / "engine").items():
        bad = {n for n in names if n.split(".")[0] in {"falcon", "click", "gunicorn"}}
        bad |= {n for n in names if n.lstrip(".").startswith(("api", "cli", "serve"))}
        assert not bad, f"{path} imports {bad}"


def test_api_does_not_import_whoosh_or_cli():
    for path, names in imported_modules(PACKAGE / "api").items():
        bad = {n for n in names if n.split(".")[0] in {"whoosh", "click"}}
        bad |= {n for n in names if n.lstrip(".") in {"cli"} or n.endswith(".cli")}
        assert not bad, f"{path} imports {bad}"
