"""Fixtures every HTTP-level test shares (API, web page in a browser, CMS writes).

``server``: one real gunicorn (2 workers) per backend for the session, over an index of ``seeds/``.
``make_server(docs=..., env=..., workers=..., prebuild=...)``: a fresh server of your own
(e.g. with write keys, or extra documents), stopped at the end of the test. Both yield a
``helpers.Server`` with ``.url``, ``.index_dir`` and ``.get(path, **params)``.

Both run on every backend in ``BACKENDS`` (the ``backend`` fixture, passed to the server as
``SEARCHSVC_BACKEND``), so every test that talks HTTP is a contract test of each backend: adding
one means adding its name here, not changing a test.

``opensearch_cluster``: three real OpenSearch nodes (one JVM each, on 127.0.0.1) for the session,
started on first use by ``deploy/opensearch-dev/cluster``; an ``opensearch_cluster.Cluster``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from helpers import Server, assert_error, running_server
from opensearch_cluster import Cluster, running_cluster

__all__ = ["assert_error"]

BACKENDS = ["whoosh"]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend a server under test runs on (``SEARCHSVC_BACKEND``)."""
    return request.param


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[Server]:
    try:
        with running_server(tmp_path_factory.mktemp("server"), backend=backend) as srv:
            yield srv
    except RuntimeError as exc:  # start-up failed: show the server's own output
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def make_server(
    tmp_path_factory: pytest.TempPathFactory, backend: str
) -> Iterator[Callable[..., Server]]:
    with contextlib.ExitStack() as stack:

        def start(**kwargs) -> Server:
            workdir = tmp_path_factory.mktemp("server")
            kwargs.setdefault("backend", backend)
            try:
                return stack.enter_context(running_server(workdir, **kwargs))
            except RuntimeError as exc:
                pytest.fail(str(exc), pytrace=False)

        yield start


@pytest.fixture(scope="session")
def opensearch_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    try:
        with running_cluster(tmp_path_factory.mktemp("opensearch"), nodes=3) as cluster:
            yield cluster
    except RuntimeError as exc:  # start-up failed: the message ends with the nodes' log tails
        pytest.fail(str(exc), pytrace=False)
