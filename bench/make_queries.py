"""Generate the committed benchmark query set ``bench/queries.json`` from the corpus, with a fixed seed.

Why a generator and not a hand-written list: the queries must look like what newsroom users type
against *this* archive (its frequent and rare words, its phrases, its speakers and years), and anyone
must be able to regenerate exactly the same set. Tokenisation is a plain regex over the corpus files
so the query set does not depend on the engine under test.

Categories (each query is ``{"q", "category", optional "filters", optional "group"}``):
frequent, two_terms, phrase, speaker_name, rare, speaker_filter, year_filter, group_document,
question, prefix, boolean.

    python -m bench queries [--corpus DIR] [--out bench/queries.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from .common import QUERIES_FILE
from .corpus import corpus_dir, corpus_files

SEED = 20250607
_STOPWORD_TEXT = """a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't
    down during each few for from further get got had hadn't has hasn't have haven't having he he'd he'll
    he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it
    it's its itself just know let's like me more most mustn't my myself no nor not now of off on once only
    or other ought our ours ourselves out over own really right said same say says shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves then
    there there's these they they'd they'll they're they've think this those through to too under until
    up us very was wasn't we we'd we'll we're we've well were weren't what what's when when's where
    where's which while who who's whom why why's will with won't would wouldn't yeah yes you you'd you'll
    you're you've your yours yourself yourselves going want one two go okay thank thanks lot able just
    look make made way thing things said mr ms q"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_DATE = re.compile(r"^date:\s*'?(\d{4})-\d\d-\d\d", re.M)
_TITLE = re.compile(r"^title:\s*(.*?)(?=^\w+:|\Z)", re.M | re.S)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
_SENTENCE = re.compile(r"(?<=[.?!])\s+")
_CLAUSE = re.compile(r"[.,;:?!()\[\]\"“”—–]+|\s-\s")
_LABEL = re.compile(
    r"^(?:MR|MS|MRS|DR|ADMIRAL|GENERAL|SECRETARY|AMBASSADOR|GOVERNOR|SENATOR)\.?\s+"
    r"([A-Z][A-Z'’\-]+(?:\s+[A-Z][A-Z'’\-]+)?):"
)


def _top(counter: Counter, n: int | None = None) -> list[tuple[Any, int]]:
    """``most_common`` with ties broken by the key, so the output never depends on hash order."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _tokens(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def _content(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t not in STOPWORDS and len(t) > 2 and "'" not in t]


class CorpusStats:
    """Document frequencies of words and bigrams, speakers, years and questions, by regex."""

    def __init__(self, files: list[Path]):
        self.df: Counter[str] = Counter()
        self.bigram_df: Counter[tuple[str, str]] = Counter()
        self.trigram_df: Counter[tuple[str, str, str]] = Counter()
        self.speakers: Counter[str] = Counter()
        self.term_years: dict[str, Counter[str]] = defaultdict(Counter)
        self.speaker_terms: dict[str, Counter[str]] = defaultdict(Counter)
        self.questions: list[str] = []
        self.titles: list[str] = []
        self.sample_paragraphs: list[list[str]] = []  # content words of every 97th paragraph
        self._seen_paras = 0
        for path in files:
            self._add(path.read_text(encoding="utf-8", errors="replace"))
        self.full_names = self._full_names()

    def _add(self, raw: str) -> None:
        year = None
        m = _FRONT.match(raw)
        if m:
            front, raw = m.group(1), raw[m.end() :]
            y = _DATE.search(front)
            year = y.group(1) if y else None
            t = _TITLE.search(front)
            if t:
                self.titles.append(
                    " ".join(
                        t.group(1)
                        .replace("\\_", " ")
                        .replace("\\", " ")
                        .replace("\xa0", " ")
                        .split()
                    ).strip("\"'")
                )
        words: set[str] = set()
        bigrams: set[tuple[str, str]] = set()
        trigrams: set[tuple[str, str, str]] = set()
        speaker = None
        for para in re.split(r"\n\s*\n", raw):
            para = " ".join(para.split())
            label = _LABEL.match(para)
            if label:
                speaker = label.group(1).title()
                self.speakers[speaker] += 1
            elif para.startswith(("Q ", "Q:")):
                speaker = None
                for sent in _SENTENCE.split(para[2:].strip()):
                    if sent.endswith("?") and 5 <= len(sent.split()) <= 14 and sent[0].isupper():
                        self.questions.append(sent)
            toks = _tokens(para)
            words.update(toks)
            content = _content(toks)
            if speaker:
                self.speaker_terms[speaker].update(set(content))
            self._seen_paras += 1
            if self._seen_paras % 97 == 0 and len(content) >= 4:
                self.sample_paragraphs.append(content)
            for clause in _CLAUSE.split(para):
                self._add_ngrams(_tokens(clause), bigrams, trigrams)
        self.df.update(words)
        self.bigram_df.update(bigrams)
        self.trigram_df.update(trigrams)
        if year:
            for w in _content(list(words)):
                self.term_years[w][year] += 1

    @staticmethod
    def _add_ngrams(toks: list[str], bigrams: set, trigrams: set) -> None:
        for i in range(len(toks) - 1):
            a, b = toks[i], toks[i + 1]
            if a in STOPWORDS or b in STOPWORDS or len(a) < 3 or len(b) < 3:
                continue
            bigrams.add((a, b))
            if i + 2 < len(toks) and toks[i + 2] not in STOPWORDS and len(toks[i + 2]) > 2:
                trigrams.add((a, b, toks[i + 2]))

    def _full_names(self) -> dict[str, str]:
        """Surname → "First Surname" as the titles spell it ("Press Secretary Jen Psaki")."""
        out: dict[str, str] = {}
        for surname in self.speakers:
            pat = re.compile(rf"\b([A-Z][a-z]+)\s+{re.escape(surname)}\b", re.I)
            firsts: Counter[str] = Counter()
            for title in self.titles:
                for m in pat.finditer(title):
                    if m.group(1)[0].isupper() and m.group(1).lower() not in STOPWORDS:
                        firsts[m.group(1)] += 1
            firsts = Counter({k: v for k, v in firsts.items() if k not in _TITLE_WORDS})
            out[surname] = f"{_top(firsts, 1)[0][0]} {surname}" if firsts else surname
        return out


_TITLE_WORDS = {
    "Secretary", "Press", "Advisor", "Adviser", "Director", "Deputy", "Administrator", "Ambassador",
    "Coordinator", "President", "Vice", "Senior", "Principal", "Chief", "Communications", "General",
    "Admiral", "Governor", "Senator", "Representative", "Official", "Officials", "Council",
    "Minister", "Prime", "Mayor", "Leader", "Speaker", "Commissioner", "Attorney", "Surgeon",
}  # fmt: skip


def build_queries(stats: CorpusStats, seed: int = SEED) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    ranked = [w for w, _ in _top(stats.df) if w not in STOPWORDS and len(w) > 3]
    ranked = [w for w in ranked if "'" not in w and "-" not in w]
    frequent = ranked[:400]
    mid = ranked[400:4000]
    rare = sorted(w for w, n in stats.df.items() if 2 <= n <= 5 and len(w) >= 7 and w.isalpha())
    bigrams = [b for b, n in _top(stats.bigram_df, 3000) if n >= 5]
    trigrams = [t for t, n in _top(stats.trigram_df, 800) if n >= 5]
    top = [(s, n) for s, n in _top(stats.speakers, 60) if n >= 20]
    speakers = [s for s, _ in top]
    weights = [n**0.5 for _, n in top]  # popular speakers are asked about more, not exclusively

    def pick_speaker() -> str:
        return rng.choices(speakers, weights)[0]

    out: list[dict[str, Any]] = []
    seen: set[tuple] = set()

    def add(cat: str, q: str, **extra: Any) -> bool:
        key = (q, json.dumps(extra, sort_keys=True))
        if key in seen:
            return False
        seen.add(key)
        out.append({"q": q, "category": cat, **extra})
        return True

    def fill(cat: str, n: int, make) -> None:
        start, tries = len(out), 0
        while len(out) - start < n and tries < n * 50:
            tries += 1
            item = make()
            if item is not None:
                q, extra = item
                add(cat, q, **extra)

    fill("frequent", 40, lambda: (rng.choice(frequent), {}))
    useful = set(frequent) | set(mid)

    def two_terms():
        words = sorted({w for w in rng.choice(stats.sample_paragraphs) if w in useful})
        return (" ".join(rng.sample(words, 2)), {}) if len(words) >= 2 else None

    fill("two_terms", 40, two_terms)
    fill("phrase", 40, lambda: (f'"{" ".join(rng.choice(bigrams))}"', {}))
    fill("phrase", 10, lambda: (f'"{" ".join(rng.choice(trigrams))}"', {}))
    fill("speaker_name", 20, lambda: (stats.full_names[pick_speaker()], {}))
    fill("rare", 40, lambda: (rng.choice(rare), {}))

    def speaker_filter():
        s = pick_speaker()
        terms = [w for w, n in _top(stats.speaker_terms[s], 300) if w not in STOPWORDS]
        terms = [w for w in terms if len(w) > 4 and w.isalpha()]
        return (
            (rng.choice(terms), {"filters": {"speaker": [stats.full_names[s]]}}) if terms else None
        )

    fill("speaker_filter", 30, speaker_filter)

    def year_filter():
        w = rng.choice(frequent + mid[:800])
        years = stats.term_years.get(w)
        if not years:
            return None
        year = rng.choice(sorted(years))
        return (w, {"filters": {"year": [year]}})

    fill("year_filter", 30, year_filter)

    def grouped():
        made = rng.choice(
            [(rng.choice(frequent), {}), (f'"{" ".join(rng.choice(bigrams))}"', {}), two_terms()]
        )
        return (made[0], {"group": "document"}) if made else None

    fill("group_document", 30, grouped)
    questions = sorted(set(stats.questions))
    fill("question", 20, lambda: (rng.choice(questions), {}) if questions else None)
    long_frequent = [w for w in frequent if len(w) >= 8]
    fill("prefix", 10, lambda: (rng.choice(long_frequent)[:5] + "*", {}))
    fill(
        "boolean",
        10,
        lambda: rng.choice(
            [
                (f"{rng.choice(frequent)} OR {rng.choice(mid)}", {}),
                (f"{rng.choice(frequent)} -{rng.choice(frequent)}", {}),
            ]
        ),
    )
    return out


def generate(corpus: str | Path | None = None, out: Path = QUERIES_FILE, seed: int = SEED) -> Path:
    files = corpus_files(corpus)
    stats = CorpusStats(files)
    queries = build_queries(stats, seed)
    cats = Counter(q["category"] for q in queries)
    doc = {
        "generator": "bench/make_queries.py",
        "seed": seed,
        "corpus": corpus_dir(corpus).name,
        "files": len(files),
        "categories": dict(cats),
        "queries": queries,
    }
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(queries)} queries from {len(files)} files → {out}")
    for cat, n in cats.items():
        print(f"  {cat:16} {n}")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus")
    ap.add_argument("--out", type=Path, default=QUERIES_FILE)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    generate(args.corpus, args.out, args.seed)


if __name__ == "__main__":
    main()
