"""The loopback OpenSearch cluster the OpenSearch backend will be tested on (``opensearch_cluster``).

Three real nodes, each its own JVM: they form a green cluster; an index with 2 primaries and a
replica each answers from every node; SIGKILLing the node that holds a primary loses no
acknowledged document and the node rejoins when restarted; an ``fs`` snapshot repository under
the nodes' ``path.repo`` takes a snapshot that restores; ``_delete_by_query`` and
``search_as_you_type`` (plugins the backend needs) work. Everything goes through the REST API with
``requests``; every wait is OpenSearch's own ``wait_for_*`` with a timeout, never a sleep.
"""

from __future__ import annotations

import uuid

import pytest

from opensearch_cluster import Cluster

pytestmark = pytest.mark.cluster

WAIT = "120s"  # OpenSearch-side timeout of each wait_for_* call

# A custom analyzer made of analysis-common's filters: fails if that plugin is not loaded.
INDEX_BODY = {
    "settings": {
        "number_of_shards": 2,
        "number_of_replicas": 1,
        "analysis": {
            "analyzer": {
                "news": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["lowercase", "asciifolding", "porter_stem"],
                }
            }
        },
    },
    "mappings": {"properties": {"body": {"type": "text", "analyzer": "news"}}},
}


def new_index(cluster: Cluster, prefix: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    r = cluster.session.put(f"{cluster.url(1)}/{name}", json=INDEX_BODY, timeout=120)
    assert r.status_code == 200, r.text
    health = cluster.health(index=name, wait_for_status="green", timeout=WAIT)
    assert health["status"] == "green", health
    return name


def put_doc(cluster: Cluster, url: str, index: str, doc_id: str, body: str) -> None:
    r = cluster.session.put(
        f"{url}/{index}/_doc/{doc_id}",
        params={"refresh": "wait_for"},
        json={"body": body},
        timeout=120,
    )
    assert r.status_code in (200, 201), r.text
    assert r.json()["_shards"]["failed"] == 0, r.text


def search_ids(cluster: Cluster, url: str, index: str, text: str) -> list[str]:
    r = cluster.session.post(
        f"{url}/{index}/_search",
        json={"query": {"match": {"body": text}}, "size": 100},
        timeout=120,
    )
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["_shards"]["failed"] == 0, answer
    return sorted(hit["_id"] for hit in answer["hits"]["hits"])


def test_green_with_three_nodes(opensearch_cluster: Cluster) -> None:
    c = opensearch_cluster
    assert len(c.urls) == 3 and all(u.startswith("http://127.0.0.1:") for u in c.urls)
    health = c.health(wait_for_status="green", wait_for_nodes="3", timeout=WAIT)
    assert health["status"] == "green" and health["number_of_nodes"] == 3, health
    for url in c.urls:
        info = c.session.get(url, timeout=30).json()
        assert info["version"]["number"].startswith("2.19."), info
    nodes = c.session.get(f"{c.url(1)}/_cat/nodes", params={"format": "json"}, timeout=30).json()
    assert sorted(n["name"] for n in nodes) == ["node-1", "node-2", "node-3"]
    assert all(c.pid(k) for k in (1, 2, 3))


def test_a_document_is_found_from_every_node(opensearch_cluster: Cluster) -> None:
    c = opensearch_cluster
    index = new_index(c, "every-node")
    shards = c.session.get(
        f"{c.url(1)}/_cat/shards/{index}", params={"format": "json"}, timeout=30
    ).json()
    assert sorted(s["prirep"] for s in shards) == ["p", "p", "r", "r"], shards
    assert all(s["state"] == "STARTED" for s in shards), shards
    put_doc(c, c.url(2), index, "brief-1", "The Ministry's briefings on genome sequencing")
    for url in c.urls:  # stemmed and folded by the custom analyzer on every node
        assert search_ids(c, url, index, "briefing genomes") == ["brief-1"], url


def test_delete_by_query_and_search_as_you_type(opensearch_cluster: Cluster) -> None:
    """The reindex and mapper-extras plugins the backend relies on are loaded on every node."""
    c = opensearch_cluster
    s, name = c.session, f"modules-{uuid.uuid4().hex[:8]}"
    mappings = {"properties": {"title": {"type": "search_as_you_type"}, "doc": {"type": "keyword"}}}
    r = s.put(f"{c.url(1)}/{name}", json={"mappings": mappings}, timeout=120)
    assert r.status_code == 200, r.text
    for i, (doc, title) in enumerate([("a", "genome sequencing"), ("a", "x"), ("b", "general")]):
        r = s.put(
            f"{c.urls[i]}/{name}/_doc/{i}",
            params={"refresh": "wait_for"},
            json={"doc": doc, "title": title},
            timeout=120,
        )
        assert r.status_code == 201, r.text
    query = {
        "multi_match": {"query": "gen", "type": "bool_prefix", "fields": ["title", "title._2gram"]}
    }
    r = s.post(f"{c.url(2)}/{name}/_search", json={"query": query}, timeout=60)
    assert sorted(h["_id"] for h in r.json()["hits"]["hits"]) == ["0", "2"], r.text
    r = s.post(
        f"{c.url(3)}/{name}/_delete_by_query",
        params={"refresh": "true"},
        json={"query": {"term": {"doc": "a"}}},
        timeout=120,
    )
    assert r.status_code == 200 and r.json()["deleted"] == 2, r.text
    r = s.post(f"{c.url(1)}/{name}/_search", json={"query": {"match_all": {}}}, timeout=60)
    assert [h["_id"] for h in r.json()["hits"]["hits"]] == ["2"], r.text


def test_killing_a_primary_holder_loses_nothing_and_it_rejoins(opensearch_cluster: Cluster) -> None:
    c = opensearch_cluster
    index = new_index(c, "failover")
    for i in range(20):
        put_doc(c, c.urls[i % 3], index, f"d{i}", f"vaccine update number {i}")
    shards = c.session.get(
        f"{c.url(1)}/_cat/shards/{index}", params={"format": "json"}, timeout=30
    ).json()
    victim = int(next(s["node"] for s in shards if s["prirep"] == "p").removeprefix("node-"))
    survivors = [u for k, u in enumerate(c.urls, 1) if k != victim]
    expected = sorted(f"d{i}" for i in range(20))

    c.kill_node(victim)
    try:
        health = c.health(survivors[0], wait_for_nodes="2", wait_for_status="yellow", timeout=WAIT)
        assert not health["timed_out"], health
        assert health["number_of_nodes"] == 2 and health["status"] in ("yellow", "green"), health
        for url in survivors:
            assert search_ids(c, url, index, "vaccine") == expected, url
        # Writes still land while the node is gone.
        put_doc(c, survivors[0], index, "after-kill", "vaccine written without the killed node")
    finally:
        if c.pid(victim) is None:
            c.restart_node(victim)

    assert c.pid(victim) is not None
    health = c.health(wait_for_nodes="3", wait_for_status="green", timeout=WAIT)
    assert health["number_of_nodes"] == 3 and health["status"] == "green", health
    for url in c.urls:  # the rejoined node answers too, with the write it missed
        assert search_ids(c, url, index, "vaccine") == sorted([*expected, "after-kill"]), url


def test_fs_snapshot_and_restore(opensearch_cluster: Cluster) -> None:
    c = opensearch_cluster
    s, url = c.session, c.url(3)
    index = new_index(c, "snap")
    for i in range(5):
        put_doc(c, url, index, f"s{i}", f"press conference transcript {i}")

    repo = f"backup-{uuid.uuid4().hex[:8]}"
    location = c.snapshot_root / repo
    r = s.put(
        f"{url}/_snapshot/{repo}",
        json={"type": "fs", "settings": {"location": str(location)}},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    r = s.post(f"{url}/_snapshot/{repo}/_verify", timeout=60)  # every node can write there
    assert r.status_code == 200 and len(r.json()["nodes"]) == 3, r.text

    r = s.put(
        f"{url}/_snapshot/{repo}/snap-1",
        params={"wait_for_completion": "true"},
        json={"indices": index, "include_global_state": False},
        timeout=300,
    )
    assert r.status_code == 200, r.text
    snapshot = r.json()["snapshot"]
    assert snapshot["state"] == "SUCCESS" and snapshot["shards"]["failed"] == 0, snapshot
    assert any(location.iterdir())

    assert s.delete(f"{url}/{index}", timeout=60).status_code == 200
    r = s.post(
        f"{url}/_snapshot/{repo}/snap-1/_restore",
        params={"wait_for_completion": "true"},
        json={"indices": index},
        timeout=300,
    )
    assert r.status_code == 200, r.text
    assert r.json()["snapshot"]["shards"]["failed"] == 0, r.text
    health = c.health(index=index, wait_for_status="green", timeout=WAIT)
    assert health["status"] == "green", health
    for node_url in c.urls:
        assert search_ids(c, node_url, index, "transcript") == [f"s{i}" for i in range(5)]
