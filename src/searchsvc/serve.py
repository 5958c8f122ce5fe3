"""``searchsvc serve``: make sure there is something to search, then become gunicorn.

On a fresh machine the index is empty, so the bundled seeds are indexed first (the README's one
run command then gives a working service). Then the process ``exec``s gunicorn with the packaged
config and the app factory string, passing every setting through ``SEARCHSVC_*`` variables so
the master and each worker rebuild the very same ``Settings``. ``exec`` (not a child process)
keeps one PID for systemd and signals.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import sys
from pathlib import Path
from typing import NoReturn

from .config import Settings, env_var
from .errors import SearchsvcError

APP = "searchsvc.api.app:get_app()"


def settings_env(settings: Settings) -> dict[str, str]:
    """``SEARCHSVC_*`` variables that make ``Settings.from_env()`` equal ``settings``."""
    env: dict[str, str] = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if value is None:
            continue
        if isinstance(value, tuple):
            value = ",".join(value)
        elif isinstance(value, Path):  # gunicorn workers must not depend on the caller's cwd
            value = value.expanduser().resolve()
        env[env_var(f.name)] = str(value)
    return env


def gunicorn_config_path() -> str:
    """Path of ``searchsvc/api/gunicorn_conf.py`` without importing (running) it here."""
    spec = importlib.util.find_spec("searchsvc.api.gunicorn_conf")
    if spec is None or spec.origin is None:
        raise RuntimeError("searchsvc.api.gunicorn_conf is missing from the installation")
    return spec.origin


def gunicorn_argv(settings: Settings) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", gunicorn_config_path(), APP]


def ensure_index(settings: Settings) -> None:
    """Index ``settings.seeds_dir`` when the index is empty, printing a one-line summary."""
    from .engine.service import Engine

    engine = Engine(settings)
    if not engine.is_empty():
        return
    seeds = Path(settings.seeds_dir)
    if not seeds.exists():
        print(f"searchsvc: index is empty and {seeds} does not exist; serving an empty index")
        return
    print(f"searchsvc: index {settings.index_dir} is empty; indexing {seeds} …", flush=True)
    report = engine.index_paths([seeds])
    print(
        f"searchsvc: indexed {report.documents} documents, {report.chunks} chunks "
        f"in {report.seconds:.1f}s"
        + (f" ({len(report.skipped)} skipped)" if report.skipped else ""),
        flush=True,
    )
    for path, reason in report.skipped:
        print(f"  skipped {path}: {reason}", flush=True)


def serve(settings: Settings) -> NoReturn:
    """Index the seeds if needed, then replace this process with gunicorn."""
    Path(settings.index_dir).mkdir(parents=True, exist_ok=True)
    ensure_index(settings)
    env = {**os.environ, **settings_env(settings)}
    src = str(Path(__file__).resolve().parent.parent)
    # Running from a source tree without `pip install`: let gunicorn import the same package.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    sys.stdout.flush()
    sys.stderr.flush()
    argv = gunicorn_argv(settings)
    os.execve(argv[0], argv, env)


def main() -> None:
    """``python -m searchsvc.serve``: settings from the environment only; a setting that cannot
    work (an unknown or unavailable backend, a bad number) is one line on stderr, not a
    traceback."""
    try:
        serve(Settings.from_env())
    except SearchsvcError as exc:
        print(f"searchsvc: {exc.message} [{exc.code}]", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
