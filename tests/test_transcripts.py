"""Speaker turns on real transcripts, as a careful reader sees them (``transcript_expectations``).

Every expected paragraph of a real file is anchored by a line number: the line is read at run time,
stripped of markup (tags, ``**``, escapes, entities, printed line numbers) and its longest run of
words (no sentence punctuation, colons, brackets, quotes or dashes inside it, so it never straddles
a speaker label or a sentence split) becomes the anchor. The one chunk whose text contains the
anchor (whitespace collapsed, casefolded) must have the expected speaker and role. Nothing of the
shared corpora is copied into the repository.

The shared corpora are found at ``$SEARCHSVC_SHARED``, else at ``shared/`` beside the repository or
beside any of its parent directories (a worktree under ``/work/wt/`` finds ``/work/shared``); the
tests on them are skipped when they are absent.
"""

from __future__ import annotations

import functools
import html
import os
import re
from pathlib import Path

import pytest

from transcript_expectations import FIXTURES, TRANSCRIPTS, WH_BRIEFINGS, Para, Transcript

try:  # the package layout landing on main
    from searchsvc.engine.text.chunking import chunk_document
    from searchsvc.engine.text.ingest import read_file
except ImportError:  # today's layout
    from searchsvc.engine.chunking import chunk_document
    from searchsvc.engine.ingest import read_file

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures" / "transcripts"
MIN_ANCHOR = 20  # shorter anchors are not distinctive; the self-check below refuses them


def _shared_dir() -> Path | None:
    env = os.environ.get("SEARCHSVC_SHARED")
    if env:
        return Path(env)
    for base in ROOT.parents:
        if (base / "shared" / "corpora").is_dir():
            return base / "shared"
    return None


SHARED = _shared_dir()


def source_path(t: Transcript) -> Path:
    if t.corpus == "fixtures":
        return FIXTURE_DIR / t.file
    if SHARED is None:
        pytest.skip("../shared/corpora is absent")
    path = SHARED / "corpora" / t.corpus / t.file
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


# --- anchors ------------------------------------------------------------------------------------
_TAG = re.compile(r"<[^>]*>")
_MD = re.compile(r"\*\*|__|\\(?=[\[\]*_])")
_PRINTED_LINE_NO = re.compile(r"^\s*\d{1,2}(?:\s{2,}|\s*$)")  # court transcripts' 1–25
_DASHES = re.compile(r"-{2,}|[—–]")
_RUN = re.compile(r"[\w'’, \-]+")
_SPACE = re.compile(r"\s+")
# A procedural line may carry a label ("Host: [laughs]", "Break: [12:34]"): strip it first
_LEADING_LABEL = re.compile(r"^[^\W\d_][\w .'’-]{0,59}:\s+")


def line_text(raw: str) -> str:
    """A source line without markup, entities or a printed line number, stripped."""
    s = raw.replace("\f", " ").replace("\r", "")
    s = _TAG.sub(" ", s)
    s = html.unescape(s)
    s = _MD.sub("", s)
    s = _PRINTED_LINE_NO.sub("", s)
    return s.replace("\u00ad", "").replace("\u00a0", " ").strip()


def normalise(s: str) -> str:
    s = s.replace("\u00ad", "").replace("\u00a0", " ").replace("’", "'").replace("‘", "'")
    return _SPACE.sub(" ", s).strip().casefold()


def anchor_of(raw: str) -> str:
    """The longest run of words of a source line: it holds no speaker label (labels end in a
    colon) and no sentence end, so it lies inside one chunk however the chunker splits."""
    runs = [r.strip(" ,-'") for r in _RUN.findall(_DASHES.sub("|", line_text(raw)))]
    return max(runs, key=len, default="")


@functools.cache
def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


@functools.cache
def _whole(path: Path) -> str:
    return normalise(" ".join(line_text(x) for x in _lines(path)))


@functools.cache
def _read(path: Path):
    docs = read_file(path)
    assert docs, f"{path.name}: read_file returned no document"
    return docs[0], chunk_document(docs[0])


def _anchor(
    t: Transcript, path: Path, line: int | None, phrase: str | None, whole: bool = False
) -> str:
    """The anchor of a line (its whole stripped text for ``whole``, e.g. "(Laughter.)"), or the
    phrase of a fixture."""
    if phrase is not None:
        return phrase
    assert line is not None
    lines = _lines(path)
    assert 1 <= line <= len(lines), f"{t.file}: line {line} is past the end ({len(lines)} lines)"
    raw = lines[line - 1]
    return line_text(raw) if whole else anchor_of(raw)


def _where(t: Transcript, p: Para) -> str:
    return f"{t.file}:{p.line}" if p.phrase is None else f"{t.file}:{p.phrase[:30]!r}"


def _show(c) -> str:
    text = c.text if len(c.text) <= 160 else c.text[:100] + " … " + c.text[-50:]
    return f"chunk {c.paragraph} ({c.kind}) speaker={c.speaker!r} role={c.role!r}: {text!r}"


# --- speaker and role matching ------------------------------------------------------------------
def _word_set(s: str) -> frozenset[str]:
    """A word list written compactly as one string (as the engine's own modules do)."""
    return frozenset(s.split())


# Words a display name may carry around the name itself ("Spokesperson Wang Wei", "Hon. Ruth
# Amani"); ignored when a full name is compared.
_HONORIFIC = _word_set("""mr mrs ms miss mx dr sir dame lady lord hon rt the rev prof professor
    madam spokesperson spokesman spokeswoman""")
_SUFFIX = _word_set("jr sr ii iii iv esq mp msp mla mpp qc kc")


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s.,]+", name.casefold()) if w]


def speaker_keys(speaker: str) -> set[str]:
    """The words a speaker key may equal: the last word of the name (suffixes such as "Jr." and
    "MP" dropped), of each parenthesised part ("The Speaker (Hon. Dave Levac)"), and the surname of
    a "Surname, Given" form."""
    keys: set[str] = set()
    parts = [re.sub(r"\([^)]*\)", " ", speaker), *re.findall(r"\(([^)]*)\)", speaker)]
    for part in parts:
        words = [w for w in _words(part) if w not in _SUFFIX]
        if words:
            keys.add(words[-1])
    if "," in speaker:
        first = _words(speaker.split(",", 1)[0])
        if first:
            keys.add(first[-1])
    return keys


def name_matches(expected: str, speaker: str) -> bool:
    def core(s: str) -> list[str]:
        s = re.sub(r"\([^)]*\)", " ", s) if "(" in s and not s.startswith("(") else s
        return [w for w in _words(s) if w not in _HONORIFIC | _SUFFIX and len(w) > 1]

    inner = re.findall(r"\(([^)]*)\)", speaker)
    return any(core(expected) == core(s) for s in (speaker, *inner))


def speaker_matches(expected, got: str | None) -> bool:
    options = expected if isinstance(expected, frozenset) else {expected}
    if got is None:
        return None in options
    keys = speaker_keys(got)
    return any(o is not None and o.casefold() in keys for o in options)


def role_matches(expected, got: str | None) -> bool:
    return got in expected if isinstance(expected, frozenset) else got == expected


# --- cases --------------------------------------------------------------------------------------
ALL: tuple[Transcript, ...] = TRANSCRIPTS + WH_BRIEFINGS + FIXTURES


def _para_cases():
    for t in ALL:
        for p in t.paragraphs:
            key = p.line if p.phrase is None else re.sub(r"\W+", "-", p.phrase[:24]).strip("-")
            yield pytest.param(t, p, id=f"{t.file}:{key}")


def _file_cases():
    for t in ALL:
        yield pytest.param(t, id=t.file)


def test_every_real_file_has_expectations() -> None:
    if SHARED is None:
        pytest.skip("../shared/corpora is absent")
    on_disk = {
        p.name for p in (SHARED / "corpora" / "transcripts").glob("*") if p.name != "README.md"
    }
    expected = {t.file for t in TRANSCRIPTS}
    assert on_disk <= expected, f"files without expectations: {sorted(on_disk - expected)}"
    for t in TRANSCRIPTS:
        assert 8 <= len(t.paragraphs) <= 15, f"{t.file}: {len(t.paragraphs)} expectations"


# Known gaps, written down rather than hidden: each is an expectation the chunker or a reader does
# not meet yet. ``xfail`` (not strict) keeps them visible in every run and lets them pass the day
# the gap closes.
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def _known_gap(request: pytest.FixtureRequest, test: str, t: Transcript) -> None:
    reason = KNOWN_GAPS.get((test, t.file))
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=False))


@pytest.mark.parametrize(("t", "p"), list(_para_cases()))
def test_anchor_is_distinctive(t: Transcript, p: Para) -> None:
    """Self-check of the expectations, independent of the chunker: each anchor is long enough
    and occurs once in the source, so "the one chunk that contains it" is well defined."""
    path = source_path(t)
    companions = ((p.with_line, p.with_phrase), (p.apart_from, p.apart_phrase))
    for main, line, phrase in (
        (True, p.line or None, p.phrase),
        *((False, *c) for c in companions),
    ):
        if line is None and phrase is None:
            continue
        whole = main and not p.standalone
        a = _anchor(t, path, line, phrase, whole=whole)
        where = f"{t.file}:{line if phrase is None else repr(phrase)}"
        assert a, f"{where}: the line is empty after stripping markup"
        assert len(a) >= MIN_ANCHOR or whole, f"{where}: anchor {a!r} is too short"
        if whole:
            continue  # procedural lines ("(Laughter.)") recur; they need not be unique
        hay = _whole(path) if phrase is None else normalise(path.read_text(encoding="utf-8"))
        n = hay.count(normalise(a))
        if main:
            assert n == 1, f"{where}: anchor {a!r} occurs {n} times in the source"
        else:  # the companion of a joined paragraph only has to be there
            assert n >= 1, f"{where}: anchor {a!r} is not in the source"


@pytest.mark.parametrize(("t", "p"), list(_para_cases()))
def test_paragraph(request: pytest.FixtureRequest, t: Transcript, p: Para) -> None:
    _known_gap(request, "paragraph", t)
    path = source_path(t)
    _doc, chunks = _read(path)
    where = _where(t, p)
    anchor = _anchor(t, path, p.line or None, p.phrase, whole=not p.standalone)
    a = normalise(anchor)
    found = [c for c in chunks if a in normalise(c.text)]

    if not p.standalone:
        core = re.sub(r"\W+", "", _LEADING_LABEL.sub("", a))
        assert core, f"{where}: nothing left of {anchor!r} without its label"
        alone = [
            c
            for c in chunks
            if re.sub(r"\W+", "", _LEADING_LABEL.sub("", normalise(c.text))) == core
            # kept apart as a non-paragraph chunk (heading, procedure) that nobody says: fine
            and (c.kind == "paragraph" or c.speaker is not None or c.role is not None)
        ]
        assert not alone, (
            f"{where}: procedural line {anchor!r} must not be a paragraph of its own nor be "
            "given a speaker; got " + "; ".join(_show(c) for c in alone)
        )
        return

    assert found, (
        f"{where}: no chunk contains {anchor!r} ({len(chunks)} chunks; expected speaker="
        f"{p.speaker!r} role={p.role!r}; {p.why})"
    )
    assert len(found) == 1, f"{where}: {len(found)} chunks contain {anchor!r}: " + "; ".join(
        _show(c) for c in found
    )
    c = found[0]
    problems = []
    if not speaker_matches(p.speaker, c.speaker):
        want = sorted(map(str, p.speaker)) if isinstance(p.speaker, frozenset) else p.speaker
        problems.append(f"speaker should be {want!r}, is {c.speaker!r}")
    if p.name and c.speaker and not name_matches(p.name, c.speaker):
        problems.append(f"display name should be {p.name!r}, is {c.speaker!r}")
    if not role_matches(p.role, c.role):
        want = sorted(map(str, p.role)) if isinstance(p.role, frozenset) else p.role
        problems.append(f"role should be {want!r}, is {c.role!r}")
    if p.with_line or p.with_phrase:
        other = normalise(_anchor(t, path, p.with_line, p.with_phrase))
        if other not in normalise(c.text):
            problems.append(f"should also hold {other!r} (one paragraph the source splits)")
    if p.apart_from or p.apart_phrase:
        other = normalise(_anchor(t, path, p.apart_from, p.apart_phrase))
        if other in normalise(c.text):
            problems.append(f"should not hold {other!r} (another turn)")
    assert not problems, f"{where} ({p.why}): " + "; ".join(problems) + f"\n  found {_show(c)}"


@pytest.mark.parametrize("t", list(_file_cases()))
def test_document_metadata(request: pytest.FixtureRequest, t: Transcript) -> None:
    _known_gap(request, "metadata", t)
    path = source_path(t)
    doc, _chunks = _read(path)
    problems = []
    kinds = t.kind if isinstance(t.kind, frozenset) else {t.kind}
    if t.kind and doc.kind not in kinds:
        problems.append(f"kind should be {' or '.join(sorted(kinds))!r}, is {doc.kind!r}")
    if t.date and doc.date != t.date:
        problems.append(f"date should be {t.date!r}, is {doc.date!r}")
    title = doc.title or ""
    if t.title_has and t.title_has.casefold() not in title.casefold():
        problems.append(f"title should contain {t.title_has!r}, is {title!r}")
    if title != title.strip() or title.startswith(("-", "–", "—")):
        problems.append(f"title has stray leading/trailing characters: {title!r}")
    for bad in t.title_not:
        if bad.casefold() in title.casefold():
            problems.append(f"title should not contain {bad!r}, is {title!r}")
    author = getattr(doc, "author", None)
    authors = author if isinstance(author, list) else [author]  # one value per writer
    if t.author is not None and t.author not in authors:
        problems.append(f"author should be {t.author!r}, is {author!r}")
    assert not problems, f"{t.file}: " + "; ".join(problems)


@pytest.mark.parametrize("t", [t for t in ALL if t.author], ids=lambda t: t.file)
def test_byline_is_not_a_speaker(t: Transcript) -> None:
    _doc, chunks = _read(source_path(t))
    assert t.author is not None
    bad = [c for c in chunks if c.speaker and name_matches(t.author, c.speaker)]
    assert not bad, f"{t.file}: the author is no speaker: " + "; ".join(_show(c) for c in bad)


@pytest.mark.parametrize("t", [t for t in ALL if t.not_speakers], ids=lambda t: t.file)
def test_pseudo_labels_are_not_speakers(request: pytest.FixtureRequest, t: Transcript) -> None:
    _known_gap(request, "pseudo_labels", t)
    _doc, chunks = _read(source_path(t))
    bad = [
        c
        for c in chunks
        if c.speaker and any(k.casefold() in speaker_keys(c.speaker) for k in t.not_speakers)
    ]
    assert not bad, f"{t.file}: {t.not_speakers} are not speakers: " + "; ".join(
        _show(c) for c in bad[:5]
    )


@pytest.mark.parametrize("t", [t for t in ALL if t.furniture], ids=lambda t: t.file)
def test_no_page_furniture_in_chunks(t: Transcript) -> None:
    path = source_path(t)
    _doc, chunks = _read(path)
    problems = []
    for f in t.furniture:
        text = line_text(_lines(path)[f - 1]) if isinstance(f, int) else f
        needle = normalise(text)
        for c in chunks:
            if needle in normalise(c.text):
                problems.append(f"line {f} {text!r} in {_show(c)}")
                break
    assert not problems, f"{t.file}: page furniture in chunks:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("t", [t for t in ALL if t.speaker_share is not None], ids=lambda t: t.file)
def test_most_body_chunks_have_a_speaker(request: pytest.FixtureRequest, t: Transcript) -> None:
    _known_gap(request, "speaker_share", t)
    _doc, chunks = _read(source_path(t))
    body = [c for c in chunks if c.kind not in ("heading", "caption")]
    assert body, f"{t.file}: no body chunks"
    with_speaker = [c for c in body if c.speaker]
    share = len(with_speaker) / len(body)
    assert t.speaker_share is not None
    without = [c for c in body if not c.speaker][:5]
    assert share >= t.speaker_share, (
        f"{t.file}: {len(with_speaker)}/{len(body)} body chunks ({share:.0%}) have a speaker, "
        f"want ≥ {t.speaker_share:.0%}; first without: " + "; ".join(_show(c) for c in without)
    )
