"""The access log: gunicorn's lines, at a fraction of gunicorn's cost per line.

Every answer writes one line, refusals included, and under overload the refusals are most of
the answers: a worker at twice capacity refuses more than a hundred requests a second, and each
costs it ≈ 1.5 ms of CPU, most of that gunicorn's connection handling. A sixth of it was the
access log: gunicorn's ``Logger.access`` builds a dict of every atom it knows (the date, the
user from ``Authorization``, every request and response header, every environ variable),
escapes each value, and hands the line to ``logging``, which makes a ``LogRecord`` (the time,
the process, the thread, the caller's frame) to format it as ``%(message)s``.

``AccessLog`` keeps the line exactly as configured (``access_log_format``, the same escaping of
``"``, ``-`` for a missing value) but computes only the atoms that format names, and writes the
line straight to the stream of each handler gunicorn set up for the access log (stdout or the
``accesslog`` file, flushed per line as ``logging`` does, under the handler's lock). A format
naming a header or environ atom (``%({name}i)s``, ``o``, ``e``), or an access log whose handlers
were configured otherwise (``logconfig``, syslog), goes through gunicorn's own ``access``.
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from gunicorn import glogging

Atom = Callable[["AccessLog", Any, dict[str, Any], timedelta], Any]


def _status(resp: Any) -> Any:
    status = resp.status
    return status.split(None, 1)[0] if isinstance(status, str) else status


def _sent(resp: Any) -> Any:
    return getattr(resp, "sent", None)


# The atoms of gunicorn's access log (its ``Logger.atoms``), each computed the same way.
ATOMS: dict[str, Atom] = {
    "h": lambda log, resp, env, t: env.get("REMOTE_ADDR", "-"),
    "l": lambda log, resp, env, t: "-",
    "u": lambda log, resp, env, t: log._get_user(env) or "-",
    "t": lambda log, resp, env, t: log.now(),
    "r": lambda log, resp, env, t: (
        f"{env['REQUEST_METHOD']} {env['RAW_URI']} {env['SERVER_PROTOCOL']}"
    ),
    "s": lambda log, resp, env, t: _status(resp),
    "m": lambda log, resp, env, t: env.get("REQUEST_METHOD"),
    "U": lambda log, resp, env, t: env.get("PATH_INFO"),
    "q": lambda log, resp, env, t: env.get("QUERY_STRING"),
    "H": lambda log, resp, env, t: env.get("SERVER_PROTOCOL"),
    "b": lambda log, resp, env, t: str(_sent(resp)) if _sent(resp) is not None else "-",
    "B": lambda log, resp, env, t: _sent(resp),
    "f": lambda log, resp, env, t: env.get("HTTP_REFERER", "-"),
    "a": lambda log, resp, env, t: env.get("HTTP_USER_AGENT", "-"),
    "T": lambda log, resp, env, t: t.seconds,
    "D": lambda log, resp, env, t: t.seconds * 1000000 + t.microseconds,
    "M": lambda log, resp, env, t: t.seconds * 1000 + int(t.microseconds / 1000),
    "L": lambda log, resp, env, t: f"{t.seconds}.{t.microseconds:06d}",
    "p": lambda log, resp, env, t: f"<{os.getpid()}>",
}

_NAMED = re.compile(r"%\(([^)]*)\)")


def atoms_of(access_format: str) -> dict[str, Atom] | None:
    """The atoms ``access_format`` names and how to compute each; None when it names one only
    gunicorn computes (a request or response header, an environ variable)."""
    used = {}
    for name in _NAMED.findall(access_format):
        if name not in ATOMS:
            return None
        used[name] = ATOMS[name]
    return used


def _plain_streams(log: logging.Logger) -> list[logging.StreamHandler] | None:
    """The access log's handlers when each writes the bare message to a stream (what gunicorn
    sets up for ``accesslog``); None when any does more (a formatter, a filter, syslog)."""
    handlers = log.handlers
    if not handlers or log.filters or log.propagate:
        return None
    for handler in handlers:
        formatter = handler.formatter
        if (
            not isinstance(handler, logging.StreamHandler)
            or handler.filters
            or formatter is None
            or type(formatter) is not logging.Formatter
            or formatter._fmt != glogging.Logger.access_fmt
        ):
            return None
    return list(handlers)


class AccessLog(glogging.Logger):
    """gunicorn's logger with the cheap access line (see the module's docstring)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.line_atoms = atoms_of(cfg.access_log_format)
        self.streams = _plain_streams(self.access_log)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        if self.line_atoms is None:
            super().access(resp, req, environ, request_time)
            return
        try:
            values = {}
            for name, atom in self.line_atoms.items():
                value = atom(self, resp, environ, request_time)
                values[name] = value.replace('"', '\\"') if isinstance(value, str) else value
            line = self.cfg.access_log_format % values
            if self.streams is None:
                self.access_log.info("%s", line)
                return
            for handler in self.streams:
                with handler.lock:
                    stream = handler.stream
                    stream.write(line + handler.terminator)
                    stream.flush()
        except Exception:
            self.error(traceback.format_exc())
