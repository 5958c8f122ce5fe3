"""Fixtures every HTTP-level test shares (API, web page in a browser, CMS writes).

``server``: one real gunicorn (2 workers) for the session, over an index of ``seeds/`` in a temp
dir. ``make_server(docs=..., env=..., workers=..., prebuild=...)``: a fresh server of your own
(e.g. with write keys, or extra documents), stopped at the end of the test. Both yield a
``helpers.Server`` with ``.url``, ``.index_dir`` and ``.get(path, **params)``.

``opensearch_cluster``: three real OpenSearch nodes (one JVM each, on 127.0.0.1) for the session,
started on first use by ``deploy/opensearch-dev/cluster``; an ``opensearch_cluster.Cluster``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

import pytest

from helpers import WHOOSH, Backend, Server, assert_error, running_server
from opensearch_cluster import Cluster, running_cluster

__all__ = ["assert_error"]


# The API contract: these modules run once per backend (the same assertions on every backend);
# the OpenSearch runs are marked ``cluster`` and use the session's 3-node cluster.
CONTRACT_MODULES = frozenset({"test_api", "test_cms", "test_seeds_contract"})
BACKENDS = [pytest.param("whoosh"), pytest.param("opensearch", marks=pytest.mark.cluster)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if "backend" in metafunc.fixturenames and module in CONTRACT_MODULES:
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> Backend:
    """The storage of the ``server``/``make_server`` servers: Whoosh unless the module is one of
    ``CONTRACT_MODULES``, which run on every backend."""
    name = getattr(request, "param", "whoosh")
    if name == "whoosh":
        return WHOOSH
    existing = os.environ.get("SEARCHSVC_TEST_OPENSEARCH_URL")  # a cluster already running
    if existing:
        return Backend(name, tuple(existing.split(",")))
    cluster = request.getfixturevalue("opensearch_cluster")
    return Backend(name, tuple(cluster.urls))


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[Server]:
    try:
        with running_server(tmp_path_factory.mktemp("server"), backend=backend) as srv:
            yield srv
    except RuntimeError as exc:  # start-up failed: show the server's own output
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def make_server(
    tmp_path_factory: pytest.TempPathFactory, backend: Backend
) -> Iterator[Callable[..., Server]]:
    with contextlib.ExitStack() as stack:

        def start(**kwargs) -> Server:
            kwargs.setdefault("backend", backend)
            workdir = tmp_path_factory.mktemp("server")
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
