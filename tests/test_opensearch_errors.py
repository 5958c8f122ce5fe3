"""How the cluster's failures reach a client: a cluster in flux is busy (503), never our 500.

These feed ``connection.call`` the exceptions opensearch-py raises, as the client builds them from
a cluster's answer; the cluster tests see the same through a real node killed mid-search."""

from __future__ import annotations

import pytest
from opensearchpy import exceptions as ox

from searchsvc.engine.opensearch.connection import call
from searchsvc.errors import IndexBusy


def _failing(status: int, kind: str, reason: str):
    def fail() -> None:
        raise ox.TransportError(status, kind, {"error": {"type": kind, "reason": reason}})

    return fail


def test_a_node_that_left_mid_search_is_a_busy_cluster():
    fail = _failing(
        500,
        "search_phase_execution_exception",
        "[node-2][127.0.0.1:31709][indices:data/read/search[phase/fetch/id]] disconnected",
    )
    with pytest.raises(IndexBusy):
        call(fail)


def test_a_shard_not_yet_assigned_is_a_busy_cluster():
    with pytest.raises(IndexBusy):
        call(_failing(500, "no_shard_available_action_exception", "No shard available"))


def test_any_other_cluster_500_is_not_hidden_as_busy():
    with pytest.raises(ox.TransportError) as raised:
        call(_failing(500, "illegal_state_exception", "a bug, not a moment's state"))
    assert not isinstance(raised.value, IndexBusy)
