"""The access log's lines are gunicorn's, computed more cheaply (``api/access_log.py``).

Real gunicorn objects throughout: a request parsed by gunicorn's parser, its response written
to a real socket, and gunicorn's own ``Logger`` writing the reference line to a file next to
``AccessLog``'s. For the service's format and for one naming every atom both compute (the date
aside, which moves), the lines must be the same, quotes escaped alike; a format naming a header
goes through gunicorn's code and still gives gunicorn's line.
"""

from __future__ import annotations

import base64
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from gunicorn import glogging
from gunicorn.config import Config
from gunicorn.http import get_parser, wsgi

from searchsvc.api import gunicorn_conf
from searchsvc.api.access_log import AccessLog, atoms_of

EVERY_ATOM = (
    '%(h)s %(l)s %(u)s "%(r)s" %(s)s %(m)s %(U)s %(q)s %(H)s %(b)s %(B)s "%(f)s" "%(a)s" '
    "%(T)s %(D)s %(M)s %(L)s %(p)s"
)
USER = base64.b64encode(b"desk:secret").decode()
REQUEST = (
    "GET /search?q=%22harbour%22&per_page=5 HTTP/1.1\r\nHost: x\r\n"
    'User-Agent: curl/8 "quoted"\r\nReferer: http://desk/\r\n'
    f"Authorization: Basic {USER}\r\n\r\n"
).encode()


def _lines(tmp_path: Path, access_format: str, status: str, body: bytes) -> tuple[str, str]:
    """gunicorn's line and AccessLog's for the same request and answer."""
    lines = []
    for name, logger_class in (("gunicorn", glogging.Logger), ("ours", AccessLog)):
        cfg = Config()
        cfg.set("accesslog", str(tmp_path / f"{name}.log"))
        cfg.set("access_log_format", access_format)
        log = logger_class(cfg)
        req = next(get_parser(cfg, iter([REQUEST]), ("127.0.0.1", 40000)))
        ours, theirs = socket.socketpair()
        with ours, theirs:
            resp, environ = wsgi.create(req, ours, ("127.0.0.1", 40000), ("127.0.0.1", 8000), cfg)
            resp.start_response(status, [("Content-Type", "application/json")])
            resp.write(body)
            log.access(resp, req, environ, timedelta(seconds=1, microseconds=2345))
        for handler in log.access_log.handlers:
            handler.close()
        lines.append((tmp_path / f"{name}.log").read_text())
    return lines[0], lines[1]


@pytest.mark.parametrize("access_format", [gunicorn_conf.access_log_format, EVERY_ATOM])
@pytest.mark.parametrize("status", ["200 OK", "503 Service Unavailable"])
def test_the_line_is_gunicorns(tmp_path: Path, access_format: str, status: str) -> None:
    theirs, ours = _lines(tmp_path, access_format, status, b'{"error": {}}')
    assert ours == theirs
    assert ours.count("\n") == 1 and status.split()[0] in ours
    assert '\\"quoted\\"' in ours and "1.002345" in ours  # escaped like gunicorn; the latency


def test_the_service_uses_it_on_its_own_format() -> None:
    assert gunicorn_conf.logger_class == "searchsvc.api.access_log.AccessLog"
    assert set(atoms_of(gunicorn_conf.access_log_format) or {}) == {"h", "r", "s", "b", "L", "a"}


def test_a_header_atom_goes_through_gunicorns_code(tmp_path: Path) -> None:
    header_format = '%(h)s "%({user-agent}i)s" %(s)s'
    assert atoms_of(header_format) is None
    theirs, ours = _lines(tmp_path, header_format, "200 OK", b"{}")
    assert ours == theirs and "curl/8" in ours
