"""Fixtures every HTTP-level test shares (API, web page in a browser, CMS writes).

``server``: one real gunicorn (2 workers) per backend for the session, over an index of ``seeds/``.
``make_server(docs=..., env=..., workers=..., prebuild=...)``: a fresh server of your own
(e.g. with write keys, or extra documents), stopped at the end of the test. Both yield a
``helpers.Server`` with ``.url``, ``.index_dir`` and ``.get(path, **params)``.

Both run on every backend in ``BACKENDS`` (the ``backend`` fixture, passed to the server as
``SEARCHSVC_BACKEND`` and, for OpenSearch, the cluster's URLs and a fresh alias per server), so
every test that talks HTTP is a contract test of each backend: adding one means adding its name
here, not changing a test. The OpenSearch runs are marked ``cluster`` (``-m "not cluster"`` skips
them) and share ``opensearch_cluster``: three real OpenSearch nodes (one JVM each, on 127.0.0.1)
for the session, started on first use by ``deploy/opensearch-dev/cluster``. With
``SEARCHSVC_TEST_OPENSEARCH_URL`` set, they use that cluster instead of starting one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

import pytest

from helpers import WHOOSH, Backend, Server, assert_error, running_server
from opensearch_cluster import Cluster, running_cluster

__all__ = ["assert_error"]

BACKENDS = ["whoosh", pytest.param("opensearch", marks=pytest.mark.cluster)]
# The API contract (search, documents, CMS writes, feeds, errors, the seeds, the desk's features,
# the page in a browser) runs on every backend in the default run, except the tests marked
# ``backend_neutral`` (code no backend changes: proven once, on Whoosh). Fuzzing, load and crash
# runs stay on Whoosh for now and are skipped on a cluster with that reason.
CONTRACT_MODULES = frozenset(
    {
        "test_api", "test_api_app", "test_cms", "test_hostile", "test_desk", "test_web_desk",
        "test_request_rules", "test_synonyms_api", "test_ninjs", "test_cli", "test_web_browser",
    }
)  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or callspec.params.get("backend") in (None, "whoosh"):
            continue
        if item.get_closest_marker("backend_neutral"):  # proven once: no backend changes it
            item.add_marker(pytest.mark.skip(reason="code no backend changes, proven on whoosh"))
            continue
        if item.module.__name__.rsplit(".", 1)[-1] not in CONTRACT_MODULES:
            # Fuzzing, load and crash runs on a cluster: not yet, said rather than hidden.
            item.add_marker(
                pytest.mark.skip(reason="beyond the contract modules, not yet run on a cluster")
            )


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    """The storage backend a server under test runs on."""
    if request.param == "whoosh":
        return WHOOSH
    existing = os.environ.get("SEARCHSVC_TEST_OPENSEARCH_URL")
    if existing:
        return Backend(request.param, tuple(existing.split(",")))
    cluster = request.getfixturevalue("opensearch_cluster")
    return Backend(request.param, tuple(cluster.urls))


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
