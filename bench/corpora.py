"""The benchmark's corpora and query mix: generated, Reuters-21578, long posts; sampled queries.

Model: a corpus is converted or generated once into the work folder and
reused; `sample_queries` draws a fixed mix of query kinds from the articles
themselves (so every query has hits), the same for every engine.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.processes import say

KINDS = ("two-word AND", "phrase", "five-word any", "field + filter", "date range", "wildcard")

GENERATED_FACETS = ("crime_area", "target_group")

REUTERS_FACETS = ("topics", "places")

POSTS_FACETS = ("newsgroup", "topics")

POSTS_VOCABULARY = 170_000  # invented words: Usenet posts hold ~170k distinct words

LIMIT = 10

# FTS5 operators and words the query mix must not use as plain words.
RESERVED = frozenset({"and", "or", "not", "near", "to"})


@dataclass(frozen=True)
class Corpus:
    """An archive folder to index and the article records it holds (the truth)."""

    name: str
    key: str
    kind: str  # "generated", "reuters" or "posts": runs of one kind extrapolate to another size
    archive: Path
    truth: tuple[Path, ...]  # JSON Lines of Article.to_dict(): manifest or the archive itself
    manifest: Path | None  # for the FTS5 baseline when index.parse is missing
    articles: int
    files: int
    bytes: int
    facets: tuple[str, str]  # the two facets counted by the "with facets" mix
    window_days: int  # half-width of a date-range query


def _stamp_ok(stamp: Path, expected: dict[str, Any]) -> dict[str, Any] | None:
    if not stamp.exists():
        return None
    data: dict[str, Any] = json.loads(stamp.read_text())
    return data if all(data.get(k) == v for k, v in expected.items()) else None


def generated_corpus(work: Path, n: int, seed: int) -> Corpus:
    """`n` generated Markdown articles, made once per (n, seed, generator version)."""
    from bench.generate import GENERATOR_VERSION, generate

    base = work / f"generated-s{seed}-n{n}"
    stamp = base / "corpus.json"
    expected = {"version": GENERATOR_VERSION, "n": n, "seed": seed}
    info = _stamp_ok(stamp, expected)
    if info is None:
        shutil.rmtree(base, ignore_errors=True)
        say(f"generating {n:,} articles (seed {seed}) into {base} ...")
        report = generate(
            base / "archive",
            n,
            seed,
            manifest=base / "manifest.jsonl",
            progress=lambda done: say(f"  {done:,} of {n:,} articles written"),
        )
        info = {**expected, "files": report.files, "bytes": report.bytes}
        stamp.write_text(json.dumps(info))
    manifest = base / "manifest.jsonl"
    return Corpus(
        name=f"generated {n:,}",
        key=base.name,
        kind="generated",
        archive=base / "archive",
        truth=(manifest,),
        manifest=manifest,
        articles=n,
        files=info["files"],
        bytes=info["bytes"],
        facets=GENERATED_FACETS,
        window_days=180,
    )


def reuters_corpus(work: Path, data: Path) -> Corpus | None:
    """Reuters-21578 as JSON Lines, converted once; None when the data is absent."""
    from bench.reuters import convert

    source = data / "reuters21578"
    if not source.is_dir():
        say(f"skipping Reuters-21578: {source} not found (pass --data DIR)")
        return None
    base = work / "reuters"
    stamp = base / "corpus.json"
    expected = {"version": 1, "source": str(source)}
    info = _stamp_ok(stamp, expected)
    if info is None:
        shutil.rmtree(base, ignore_errors=True)
        say(f"converting Reuters-21578 into {base} ...")
        report = convert(source, base / "archive")
        info = {
            **expected,
            "articles": report.written,
            "files": report.files,
            "bytes": report.bytes,
        }
        stamp.write_text(json.dumps(info))
    archive = base / "archive"
    return Corpus(
        name="Reuters-21578",
        key="reuters",
        kind="reuters",
        archive=archive,
        truth=tuple(sorted(archive.glob("*.jsonl"))),
        manifest=None,
        articles=info["articles"],
        files=info["files"],
        bytes=info["bytes"],
        facets=REUTERS_FACETS,
        window_days=7,
    )


def posts_corpus(work: Path, n: int, seed: int) -> Corpus:
    """`n` long posts in ONE JSON Lines file, ~170k distinct words (`bench.generate`)."""
    from bench.generate import GENERATOR_VERSION
    from bench.posts import generate_posts

    base = work / f"posts-s{seed}-n{n}"
    stamp = base / "corpus.json"
    expected = {"version": GENERATOR_VERSION, "n": n, "seed": seed, "vocabulary": POSTS_VOCABULARY}
    info = _stamp_ok(stamp, expected)
    if info is None:
        shutil.rmtree(base, ignore_errors=True)
        say(f"generating {n:,} posts (seed {seed}) into {base} ...")
        report = generate_posts(base / "archive" / "posts.jsonl", n, POSTS_VOCABULARY, seed)
        info = {**expected, "bytes": report.bytes}
        stamp.write_text(json.dumps(info))
    archive = base / "archive"
    return Corpus(
        name=f"posts {n:,}, one JSON Lines file",
        key=base.name,
        kind="posts",
        archive=archive,
        truth=(archive / "posts.jsonl",),
        manifest=None,
        articles=n,
        files=1,
        bytes=info["bytes"],
        facets=POSTS_FACETS,
        window_days=30,
    )


def iter_truth(corpus: Corpus, wanted: set[int] | None = None) -> Iterator[dict[str, Any]]:
    """The corpus's article records in order; only the `wanted` ones (by position) when given
    (the others are counted, not parsed: at 1,000,000 articles parsing them all takes minutes)."""
    position = 0
    for path in corpus.truth:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                if wanted is None or position in wanted:
                    yield json.loads(line)
                position += 1


@dataclass(frozen=True)
class QuerySpec:
    """One query of the mix, in pressearch's language and in FTS5's."""

    kind: str
    text: str
    match: str
    filters: tuple[tuple[str, str], ...]
    since: str | None
    until: str | None
    fts: str
    words: tuple[str, ...] = ()  # the plain words, for the end-to-end runs


_ALPHA = re.compile(r"[A-Za-z]+")


def _content_words(tokens: Sequence[str], stop: frozenset[str]) -> list[str]:
    """Distinct plain ASCII words of 4-14 letters that no engine treats specially."""
    out = []
    for token in tokens:
        word = token.lower()
        plain = 4 <= len(word) <= 14 and word.isascii() and word.isalpha()
        if plain and word not in stop and word not in RESERVED:
            out.append(word)
    return list(dict.fromkeys(out))


def sample_queries(corpus: Corpus, per_kind: int, seed: int) -> list[QuerySpec]:
    """`per_kind` queries of each kind, each built from one sampled article."""
    return sample_mix(corpus, per_kind, seed)[0]


def sample_mix(corpus: Corpus, per_kind: int, seed: int) -> tuple[list[QuerySpec], str]:
    """`per_kind` queries of each kind, each built from one sampled article, and a probe
    word: the rarest body word of the sampled articles (the longest of those tied), for
    timing the opening of an index with a query that finds next to nothing."""
    from bench import fts5
    from pressearch.index.schema import STOP_WORDS

    rng = random.Random(seed)
    wanted = set(rng.sample(range(corpus.articles), min(corpus.articles, per_kind * 60)))
    docs = list(iter_truth(corpus, wanted))
    rng.shuffle(docs)
    probe = _rarest_word(docs, STOP_WORDS)
    filter_facet = corpus.facets[0]

    def make(kind: str, doc: dict[str, Any]) -> QuerySpec | None:
        body_words = _content_words(_ALPHA.findall(doc["body"]), STOP_WORDS)
        if kind == "two-word AND" and len(body_words) >= 2:
            a, b = rng.sample(body_words, 2)
            return QuerySpec(kind, f"{a} {b}", "all", (), None, None, fts5.all_of([a, b]), (a, b))
        if kind == "phrase":
            raw = doc["body"].split()
            pairs = [
                (x.lower(), y.lower())
                for x, y in itertools.pairwise(raw)
                if _content_words([x, y], STOP_WORDS) == [x.lower(), y.lower()]
            ]
            if pairs:
                a, b = rng.choice(pairs)
                return QuerySpec(kind, f'"{a} {b}"', "all", (), None, None, fts5.phrase([a, b]))
        if kind == "five-word any" and len(body_words) >= 5:
            words = rng.sample(body_words, 5)
            return QuerySpec(kind, " ".join(words), "any", (), None, None, fts5.any_of(words))
        if kind == "field + filter":
            head_words = _content_words(_ALPHA.findall(doc["headline"]), STOP_WORDS)
            values = (doc.get("taxonomy") or {}).get(filter_facet) or []
            if head_words and values:
                word, value = rng.choice(head_words), rng.choice(values)
                return QuerySpec(
                    kind,
                    f"headline:{word}",
                    "all",
                    ((filter_facet, value),),
                    None,
                    None,
                    fts5.in_column("headline", word),
                )
        if kind == "date range" and doc.get("date") and body_words:
            day = dt.date.fromisoformat(doc["date"])
            window = dt.timedelta(days=corpus.window_days)
            since, until = (day - window).isoformat(), (day + window).isoformat()
            word = rng.choice(body_words)
            return QuerySpec(kind, word, "all", (), since, until, fts5.term(word))
        if kind == "wildcard":
            # Only prefixes FTS5's stemmer leaves alone mean the same in both engines.
            stems = list(dict.fromkeys(w[:5] for w in body_words if len(w) >= 7))
            stems = [s for s, t in zip(stems, fts5.tokens(stems), strict=True) if s == t]
            if stems:
                stem = rng.choice(stems)
                return QuerySpec(kind, stem + "*", "all", (), None, None, fts5.prefix(stem))
        return None

    queries: list[QuerySpec] = []
    pool = iter(docs)
    for kind in KINDS:
        made = 0
        for doc in pool:
            spec = make(kind, doc)
            if spec is not None:
                queries.append(spec)
                made += 1
                if made == per_kind:
                    break
    return queries, probe


def _rarest_word(docs: Sequence[dict[str, Any]], stop: frozenset[str]) -> str:
    """The body word whose stem the fewest of `docs` hold (engines match stems)."""
    import Stemmer  # type: ignore[import-not-found]

    stem = Stemmer.Stemmer("english").stemWord
    df: dict[str, int] = {}
    spelt: dict[str, str] = {}
    for doc in docs:
        stems = {}
        for word in _content_words(re.findall(r"\w+", doc["body"]), stop):
            stems[stem(word)] = word
        for s, word in stems.items():
            df[s] = df.get(s, 0) + 1
            spelt.setdefault(s, word)
    if not df:
        return "probe"
    return spelt[min(sorted(df), key=lambda s: (df[s], -len(s)))]
