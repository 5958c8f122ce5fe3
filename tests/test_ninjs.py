"""IPTC ninjs as newsrooms send it: every example item IPTC publishes (versions 1.4 to 3.1, read
by path from ``/work/shared/ninjs``) is accepted, has a title and something to search, and the
fields of a few, checked by hand against the files, land where the README says."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import Server
from searchsvc.api.openapi import build_spec
from searchsvc.config import Settings
from searchsvc.engine.text.chunking import chunk_document
from searchsvc.engine.text.ingest import document_from_json, pushed, read_file

NINJS = Path("/work/shared/ninjs/examples")
EXAMPLES = sorted(NINJS.rglob("*.json")) if NINJS.is_dir() else []
needs_examples = pytest.mark.skipif(not EXAMPLES, reason="IPTC ninjs examples not present")


def example(rel: str) -> Path:
    path = NINJS / rel
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path


def one(rel: str):
    (doc,) = read_file(example(rel))
    return doc


@pytest.fixture(scope="module")
def ninjs_schema() -> dict:
    return build_spec(Settings())["components"]["schemas"]["NinjsDocument"]


@needs_examples
def test_every_published_version_is_here() -> None:
    versions = {p.relative_to(NINJS).parts[0] for p in EXAMPLES}
    assert {"1.4", "1.6", "2.1", "2.2", "3.0", "3.1"} <= versions
    assert len(EXAMPLES) >= 62


@needs_examples
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(NINJS)))
def test_every_iptc_example_is_accepted(path: Path, ninjs_schema: dict) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    for item in raw if isinstance(raw, list) else [raw]:
        jsonschema.validate(item, ninjs_schema)  # what the OpenAPI says is accepted, is
    docs = read_file(path)
    assert len(docs) == (len(raw) if isinstance(raw, list) else 1)
    assert len({d.id for d in docs}) == len(docs)
    for doc in docs:
        assert doc.title.strip(), doc.id
        chunks = chunk_document(doc)
        assert any(c.kind in ("paragraph", "caption") and c.text.strip() for c in chunks), doc.id
        # a byline is the writer: it is never the speaker of the story's paragraphs
        assert not doc.speaker
        assert not ({c.speaker for c in chunks} & set(doc.author)), doc.id


def test_the_spec_states_the_rule_pushes_are_checked_with() -> None:
    schemas = build_spec(Settings())["components"]["schemas"]
    for name, rule in (("NinjsDocument", pushed.ninjs_schema()),
                       ("NativeDocument", pushed.native_schema())):  # fmt: skip
        stated = {k: v for k, v in schemas[name].items() if k != "description"}
        assert stated == rule, name


def test_a_body_with_nothing_to_search_leaves_the_headline() -> None:
    doc = document_from_json({"uri": "urn:x", "headline": "Council meets", "body_html": "<p> </p>"})
    assert doc.text == "Council meets" and doc.captions == {0}
    bare = document_from_json({"uri": "urn:y", "bodies": []}, "y")
    assert bare.text == "urn:y" == bare.title  # no headline: the uri stands for the item


def test_2x_article_maps_every_field() -> None:
    doc = one("2.2/005_complex_text_article.json")
    assert doc.title == "Captain of wrecked cruise ship on trial in Italy"
    assert doc.author == ["Paulo Santalucia", "Frances d'Emilio"]
    assert doc.byline == "Paulo Santalucia and Frances d'Emilio"
    assert doc.date == "2013-07-09" and doc.version == "2013-07-09T10:37:00+00:00"
    assert doc.person == ["Francesco Schettino"]
    assert doc.organisation == ["Costa Crociere SpA"]
    assert doc.place == ["Grossetto, Italy", "Grossetto", "Tuscany", "Italy"]
    # the rich-text body keeps its four paragraphs; the plain copy had run them together
    assert len(doc.text.split("\n\n")) == 4 and doc.kind == "article"


def test_3x_camel_case_reads_like_2x() -> None:
    doc = one("3.0/dpa_text.json")
    assert doc.title.startswith("Faktencheck Derby-Elfmeter")
    assert doc.author == ["Christian Hollmann"]  # "Von Christian Hollmann, dpa"
    assert doc.source == "dpa"  # copyrightHolder
    assert doc.date == "2019-05-10" and doc.version == "2019-05-10T14:02:28+00:00"
    assert doc.text.startswith("Für Lucien Favre")
    two = one("2.1/dpa_text.json")
    assert (two.title, two.author, two.source, two.text) == (
        doc.title,
        doc.author,
        doc.source,
        doc.text,
    )


def test_1x_keys_of_every_shape() -> None:
    simple = one("1.6/001_simple_example.json")  # headline_main, body_main
    assert simple.title == "Captain of wrecked cruise ship on trial in Italy"
    assert simple.author == ["Paulo Santalucia", "Frances d'Emilio"]
    release = one("1.4/businesswire-newsml-20130515006361.json")  # body_xhtml only
    assert release.title.startswith("Dell Redefines Workstation Computing")
    assert "Dell" in release.text and "<a" not in release.text
    assert "Technology" in release.subject
    extensible = one("1.4/ninjs-1-4-examples.json")  # headline + description_caption_xhtml
    assert extensible.title == "Test of three new properties"
    assert [c.kind for c in chunk_document(extensible)] == ["caption"]


def test_photo_video_and_audio_are_captions() -> None:
    photo = one("1.4/ninjsExSimplePhoto1.json")
    assert photo.kind == "photo" and photo.author == ["Paulo Santalucia"]
    chunks = chunk_document(photo)
    assert chunks and all(c.kind == "caption" and c.speaker is None for c in chunks)
    assert "Costa Concordia" in chunks[0].text
    video = one("3.0/ap_video.json")
    assert video.kind == "video" and video.source == "ASSOCIATED PRESS"  # first info source
    assert "Nancy Pelosi" in video.person and "Washington" in video.place
    assert [c.kind for c in chunk_document(video)] == ["caption"]
    assert one("2.1/ap_audio.json").kind == "audio"


def test_events_and_the_collection() -> None:
    summit = one("3.1/008_event.json")  # no text at all: described by its own details
    assert summit.kind == "event" and summit.title == "2023 NATO Summit Press Conference"
    assert summit.date == "2023-07-11" and summit.place == ["LITEXPO"]
    assert "LITEXPO" in summit.text
    conference = one("3.0/tt_event_pressconference_3.0.json")
    assert conference.event == "Week of planned activity"
    assert conference.person == ["Elisabeth Svantesson"]
    assert conference.organisation == ["Sveriges riksdag"]
    assert conference.subject == ["Politik", "Ekonomi, affärer och finans"]
    timeline = read_file(example("3.0/collection/20231016-event-timeline-sample.json"))
    assert len(timeline) == 14
    assert timeline[0].event == "anti-doping rule-violation" and timeline[0].date == "2016-09-03"


def test_nitf_body_gives_its_content_not_its_head() -> None:
    doc = one(
        "3.0/20231008-anti-doping-measures-at-the-tour-down-under-will-be-the-toughest-ever"
        "-addb-ninjs-nitf.json"
    )
    assert doc.text.startswith("The Australian Sports Anti-Doping Authority (ASADA)")
    assert "tobject" not in doc.text and "DopingWatch" not in doc.text
    assert doc.author == ["Trond Husø"]


def test_a_later_correction_wins_and_bad_types_are_named() -> None:
    base = {"uri": "urn:example:1", "headlines": [{"value": "H"}], "bodies": [{"value": "B."}]}
    first = document_from_json({**base, "versionCreated": "2024-01-01T10:00:00+01:00"})
    later = document_from_json({**base, "versionCreated": "2024-01-01T09:30:00Z"})
    assert first.version is not None and later.version is not None
    assert later.version > first.version  # 09:30 UTC is after 09:00 UTC
    from searchsvc.errors import InvalidDocument

    for bad, field in (
        ({**base, "bodies": [{"value": 5}]}, "bodies"),
        ({**base, "by": ["x"]}, "by"),
        ({**base, "people": [{"name": 3}]}, "people"),
        ({"uri": "urn:x", "headline": "only a headline"}, "body"),
    ):
        with pytest.raises(InvalidDocument, match=field):
            document_from_json(bad)


@needs_examples
def test_examples_indexed_and_searched_by_author(make_server: Callable[..., Server]) -> None:
    srv = make_server(docs=[NINJS])
    body = srv.get("/search", q="Concordia", author="Frances d'Emilio").json()
    assert body["total"] > 0
    hit = body["hits"][0]
    assert hit["document"]["author"] == ["Paulo Santalucia", "Frances d'Emilio"]
    assert hit["speaker"] != "Paulo Santalucia"
    assert hit["citation"]["text"].startswith(
        "Paulo Santalucia and Frances d'Emilio, Captain of wrecked cruise ship on trial in Italy ("
    )
    facet = {f["value"]: f["count"] for f in body["facets"]["author"]}
    assert "Frances d'Emilio" in facet and "Paulo Santalucia" in facet
    photos = srv.get("/search", q="Giglio", kind="photo").json()
    assert photos["total"] > 0 and all(h["kind"] == "caption" for h in photos["hits"])
    doc = srv.get(f"/documents/{hit['document']['id']}", format="json").json()
    assert doc["author"] == ["Paulo Santalucia", "Frances d'Emilio"]


@pytest.mark.backend_neutral
@needs_examples
def test_every_example_is_accepted_over_http(make_server: Callable[..., Server]) -> None:
    """The CMS path: every item pushed through the bulk API, each under its own id. Lines the
    service answers 503 (its bulk time budget, on a busy machine) are resent, as the README says."""
    key = "ninjs-write-key-0123456789"
    srv = make_server(docs=[], env={"SEARCHSVC_WRITE_KEYS": key})
    pending: dict[str, tuple[str, dict]] = {}
    for path in EXAMPLES:
        raw = json.loads(path.read_text(encoding="utf-8"))
        for n, item in enumerate(raw if isinstance(raw, list) else [raw], 1):
            pending[f"iptc-{len(pending) + 1}"] = (f"{path.relative_to(NINJS)}#{n}", item)
    total = len(pending)
    statuses: dict[str, int] = {}
    for _attempt in range(40):
        ids = [i for i in pending if statuses.get(i) in (None, 503)][:12]
        if not ids:
            break
        body = "".join(
            json.dumps({"index": {"_id": i}}) + "\n" + json.dumps(pending[i][1]) + "\n" for i in ids
        )
        resp = srv.request(
            "POST",
            "/documents/_bulk",
            data=body.encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"},
        )
        assert resp.status_code == 200, resp.text[:300]
        for it in resp.json()["items"]:
            statuses[it["index"]["_id"]] = it["index"]["status"]
    refused = {pending[i][0]: s for i, s in statuses.items() if s != 201}
    assert not refused
    assert len(statuses) == total >= 62


_KEYS = st.sampled_from(
    [
        "id",
        "title",
        "body",
        "source",
        "url",
        "kind",
        "event",
        "speaker",
        "byline",
        "person",
        "organisation",
        "subject",
        "place",
        "author",
        "authors",
        "date",
        "version",
        "uri",
        "headline",
        "headlines",
        "bodies",
        "body_html",
        "body_richtext",
        "headline_main",
        "description",
        "descriptions",
        "versioncreated",
        "firstcreated",
        "versionCreated",
        "people",
        "places",
        "subjects",
        "genre",
        "type",
        "lang",
        "located",
        "slugline",
    ]
)
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(["", " ", "\u200b", "x", "Budget vote", "2020-01-01", "2020-01-01T10:00:00Z"]),
    st.text(max_size=6),
    st.lists(st.sampled_from(["", "Ana", 3, None]), max_size=3),
    st.dictionaries(st.sampled_from(["name", "value", "uri", "role"]), st.text(max_size=4)),
    st.lists(st.dictionaries(st.sampled_from(["name", "value", "role"]), st.text(max_size=4))),
)


@settings(deadline=None, max_examples=300)  # the first example compiles the schemas
@given(st.dictionaries(_KEYS, _VALUES, max_size=8))
def test_the_compiled_check_never_passes_what_the_schema_refuses(obj) -> None:
    # Pushed stories the compiled schemas pass skip jsonschema (bulk lines are checked fast).
    native, ninjs = pushed._validators()
    if pushed._surely_valid(obj):
        assert not list((ninjs if pushed.is_ninjs(obj) else native).iter_errors(obj))


@needs_examples
def test_the_compiled_check_passes_the_iptc_examples() -> None:
    items = []
    for path in EXAMPLES:
        raw = json.loads(path.read_text(encoding="utf-8"))
        items += raw if isinstance(raw, list) else [raw]
    assert all(pushed._surely_valid(item) for item in items if isinstance(item, dict))
