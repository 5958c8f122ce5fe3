"""Imports flow one way: config/errors ← engine ← api, cli. The engine must never learn
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


# --- the pipeline's packages ------------------------------------------------------------------
# The re-exports at the paths older indexes pickled (see tests/test_index_compat.py): they must
# name the Whoosh classes, so they are the only engine modules outside engine/whoosh that may.
PICKLE_SHIMS = {"engine/analysis.py", "engine/postings.py"}
BACKEND_PACKAGES = ("engine.whoosh", "engine.opensearch")


def _module(path: str) -> str:
    parts = path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(importer: str, name: str, is_package: bool) -> str:
    """``name`` as imported by module ``importer``, relative to the searchsvc package ("" for
    anything outside it, which keeps its own name)."""
    if not name.startswith("."):
        return name.removeprefix("searchsvc.") if name.startswith("searchsvc") else name
    level = len(name) - len(name.lstrip("."))
    base = importer.split(".") if importer else []
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    rest = name.lstrip(".")
    return ".".join([*base, rest] if rest else base)


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path, names in imported_modules(PACKAGE).items():
        module = _module(path)
        graph[module] = {_absolute(module, n, path.endswith("__init__.py")) for n in names}
    return graph


def _reachable(start: str, graph: dict[str, set[str]]) -> set[str]:
    """Every module importing ``start`` loads: its imports, theirs, and each one's packages."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages
        for name in graph.get(module, ()):
            if name in graph:
                todo.append(name)
            else:  # "from .x import y": y may be a module of package x
                seen.add(name)
                head = name.rsplit(".", 1)[0]
                if head in graph:
                    todo.append(head)
    return seen


def _loads(package: str) -> dict[str, set[str]]:
    graph = _graph()
    return {m: _reachable(m, graph) for m in graph if m == package or m.startswith(package + ".")}


def _top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def test_text_loads_neither_whoosh_nor_numpy():
    for module, loaded in _loads("engine.text").items():
        bad = _top(loaded) & {"whoosh", "numpy"}
        bad |= {n for n in loaded if n.startswith("engine.whoosh")}
        assert not bad, f"{module} loads {bad}"


def test_query_and_render_load_no_whoosh():
    for package in ("engine.query", "engine.render"):
        for module, loaded in _loads(package).items():
            bad = {
                n for n in loaded if n.split(".")[0] == "whoosh" or n.startswith("engine.whoosh")
            }
            assert not bad, f"{module} loads {bad}"


def test_only_engine_whoosh_imports_whoosh():
    for path, names in imported_modules(PACKAGE).items():
        if path.startswith("engine/whoosh/") or path in PICKLE_SHIMS:
            continue
        module = _module(path)
        imported = {_absolute(module, n, path.endswith("__init__.py")) for n in names}
        bad = {n for n in imported if n.split(".")[0] == "whoosh" or n.startswith("engine.whoosh")}
        bad -= {"engine.whoosh.backend"} if module == "engine.backend" else set()
        assert not bad, f"{path} imports {bad}"


def test_cli_never_imports_api():
    loaded = _reachable("cli", _graph())
    assert not {n for n in loaded if n == "api" or n.startswith("api.")}


def test_api_never_imports_a_backend_package():
    """The HTTP layer talks to ``Engine`` only; which backend answers is configuration."""
    for path, names in imported_modules(PACKAGE / "api").items():
        module = "api." + _module(path)
        imported = {_absolute(module, n, path.endswith("__init__.py")) for n in names}
        bad = {n for n in imported if n.startswith(BACKEND_PACKAGES)}
        assert not bad, f"api/{path} imports {bad}"
