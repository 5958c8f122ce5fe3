"""The Falcon app in-process (``falcon.testing.TestClient``) over a real engine on a temp index:
the paths a live server cannot reach on demand, such as an unexpected exception in a resource."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import falcon
import falcon.testing
import pytest

from helpers import SEEDS, assert_error, build_index
from searchsvc.api.app import create_app
from searchsvc.api.errors import STATUS, status_for_error
from searchsvc.api.middleware import accepts_gzip
from searchsvc.config import Settings
from searchsvc.errors import IndexBusy, InvalidParameter, SearchsvcError


class Boom:
    """A route that fails the way a bug would, to exercise the catch-all handler."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise RuntimeError("secret internals")


@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, backend: str
) -> Iterator[falcon.testing.TestClient]:
    index_dir: Path = tmp_path_factory.mktemp("app") / "index"
    build_index(index_dir, [SEEDS], backend)
    app = create_app(Settings(index_dir=index_dir, backend=backend))
    app.add_route("/boom", Boom())
    yield falcon.testing.TestClient(app)


def test_unhandled_exception_is_logged_and_answered_500_json(
    client: falcon.testing.TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="searchsvc.api"):
        resp = client.simulate_get("/boom")
    assert_error(resp, 500, "internal_error")
    assert "secret" not in resp.text
    record = next(r for r in caplog.records if r.name == "searchsvc.api")
    assert record.exc_info and "secret internals" in str(record.exc_info[1])


def test_search_answers_in_process(client: falcon.testing.TestClient) -> None:
    resp = client.simulate_get("/search", params={"q": "genome"})
    assert resp.status_code == 200 and resp.json["total"] >= 1


def test_every_error_code_has_a_status() -> None:
    codes = {cls.code for cls in _subclasses(SearchsvcError)} | {SearchsvcError.code}
    assert codes <= set(STATUS), codes - set(STATUS)
    assert status_for_error(SearchsvcError("x", code="something_new")) == 500
    assert all(400 <= s < 600 for s in STATUS.values())
    # A code the table does not know yet keeps the status of its error class.
    assert status_for_error(InvalidParameter("x", code="brand_new")) == 400
    assert status_for_error(IndexBusy("x", code="brand_new")) == 503
    assert status_for_error(SearchsvcError("x", code="brand_new")) == 500


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("gzip;q=0", False),
        ("gzip;q=0.000", False),
        ("identity", False),
        ("*", True),
        ("", False),
        (None, False),
    ],
)
def test_accepts_gzip(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected
