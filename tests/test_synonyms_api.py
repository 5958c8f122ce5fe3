"""GET/PUT /synonyms and `synonyms=` on /search, over the real gunicorn (every backend)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from helpers import Server, assert_error

W = {"Authorization": "Bearer k", "Content-Type": "text/plain"}


def test_synonyms_round_trip_and_apply_in_every_worker(make_server: Callable[..., Server]):
    srv = make_server(env={"SEARCHSVC_WRITE_KEYS": "k"})
    assert srv.get("/synonyms").text == ""
    before = srv.get("/search", q="inoculation").json()
    assert before["total"] == 0 and "expansions" not in before

    rules = "# ours\ninoculation => vaccine\ngenome, genetic code\n"
    resp = srv.request("PUT", "/synonyms", data=rules.encode(), headers=W)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"rules": 2, "terms": 3}
    assert srv.get("/synonyms").text == rules
    # Two workers: both see the new set on their next request (several tries reach both).
    for _ in range(6):
        body = srv.get("/search", q="inoculation").json()
        assert body["total"] > 0
        assert body["expansions"] == [{"term": "inoculation", "synonyms": ["vaccine"]}]
        assert "<mark>" in body["hits"][0]["snippet"]
    off = srv.get("/search", q="inoculation", synonyms="false").json()
    assert off["total"] == 0 and "expansions" not in off


@pytest.mark.backend_neutral
def test_bad_sets_and_missing_keys_are_refused(make_server: Callable[..., Server]):
    srv = make_server(env={"SEARCHSVC_WRITE_KEYS": "k"})
    srv.request("PUT", "/synonyms", data=b"jab => vaccine\n", headers=W)
    bad = srv.request("PUT", "/synonyms", data=b"fine, ok\nbroken =>\n", headers=W)
    err = assert_error(bad, 400, "invalid_synonyms")
    assert "line 2" in err["message"]
    assert srv.get("/synonyms").text == "jab => vaccine\n"
    no_key = srv.request("PUT", "/synonyms", data=b"a, b\n", headers={"Content-Type": "text/plain"})
    assert_error(no_key, 401, "unauthorized")
    wrong_type = srv.request(
        "PUT", "/synonyms", data=b"a, b\n", headers={**W, "Content-Type": "application/json"}
    )
    assert_error(wrong_type, 415, "unsupported_media_type")
    assert_error(srv.get("/search", q="jab", synonyms="maybe"), 400, "invalid_parameter")
