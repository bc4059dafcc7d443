"""A seeded generator of realistic press articles in the archive format (FORMAT.md).

Model: every article is drawn from one `random.Random(seed)` stream, so a seed
and a count give the same files byte for byte on any machine. Words follow a
Zipf law over a ranked vocabulary (function words first, then newsroom
vocabulary and its inflections), mixed with the topic words of the article's
main crime area, names, places and organisations. Lengths scatter around 400
body words. Facet values are skewed (a few crime areas dominate), each host
has its own mix of article types and labels, and only one host uses REGIONS.
The Markdown keeps the quirks of real pages: stray blank lines inside a
sentence, inline links, speaker cards, quote blocks in the three attribution
styles, escaped parentheses in taxonomy values.

The ground truth (`Article.to_dict()` per line) can be written beside the
archive as a manifest, never inside it. Files go into `host/year/month/`
folders, and from 200,001 articles on into `host/year/month/day/` ones, so
that no folder holds thousands of files (at 1,000,000 a day folder holds
~200); the writing streams, so any count fits in memory.

    python -m bench.generate OUT_DIR -n 10000 [--seed 0] [--manifest FILE]

`--posts WORDS` writes another shape instead: long forum posts in one JSON
Lines file with a vocabulary of WORDS invented words (`bench.posts`).

    python -m bench.generate OUT_DIR -n 20000 --posts 170000
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import re
import sys
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.wordlists import (
    CONTENT_WORDS,
    CRIME_AREAS,
    ENTITIES,
    FIRST_NAMES,
    FUNCTION_WORDS,
    HEADLINE_NOUNS,
    HEADLINE_TEMPLATES,
    MONTHS,
    MONTHS_LONG,
    ORGANISATIONS,
    PLACES,
    REGIONS,
    ROLES,
    SURNAMES,
    TARGET_GROUPS,
    TITLES_BEFORE_NAME,
    VERBS,
)
from pressearch.models import Article, Quote, Speaker

GENERATOR_VERSION = 2


# Hosts: each publishes its own mix of types and labels (only one uses REGIONS).
@dataclass(frozen=True)
class Host:
    """One publishing site: its host name, article types with weights, labels used."""

    name: str
    share: float
    types: tuple[tuple[str, float], ...]
    regions: bool
    entities: bool


HOSTS: tuple[Host, ...] = (
    Host(
        "newsroom.example.org",
        0.45,
        (("News Article", 0.7), ("Press Release", 0.15), ("Event", 0.1), ("Publication", 0.05)),
        regions=False,
        entities=True,
    ),
    Host(
        "press.interior.example.gov",
        0.2,
        (("Press Release", 0.8), ("Speech", 0.2)),
        regions=False,
        entities=False,
    ),
    Host(
        "www.justice-coop.example.eu",
        0.15,
        (("News Article", 0.5), ("Press Release", 0.3), ("Publication", 0.2)),
        regions=True,
        entities=False,
    ),
    Host(
        "media.borders.example.net",
        0.12,
        (("News Article", 0.6), ("Event", 0.25), ("Speech", 0.15)),
        regions=False,
        entities=True,
    ),
    Host(
        "news.customs.example.com",
        0.08,
        (("Press Release", 0.6), ("News Article", 0.4)),
        regions=False,
        entities=False,
    ),
)


# Verb forms the regular rules below would get wrong.
IRREGULAR: dict[str, tuple[str, str, str]] = {
    "fight": ("fights", "fought", "fighting"),
    "find": ("finds", "found", "finding"),
    "meet": ("meets", "met", "meeting"),
    "buy": ("buys", "bought", "buying"),
    "sell": ("sells", "sold", "selling"),
    "run": ("runs", "ran", "running"),
    "lead": ("leads", "led", "leading"),
    "begin": ("begins", "began", "beginning"),
    "hide": ("hides", "hid", "hiding"),
    "plan": ("plans", "planned", "planning"),
    "ship": ("ships", "shipped", "shipping"),
    "traffic": ("traffics", "trafficked", "trafficking"),
    "control": ("controls", "controlled", "controlling"),
    "try": ("tries", "tried", "trying"),
    "become": ("becomes", "became", "becoming"),
    "show": ("shows", "showed", "shown"),
}


def _verb_forms(verb: str) -> tuple[str, str, str]:
    """Third person, past and -ing forms of a verb."""
    if verb in IRREGULAR:
        return IRREGULAR[verb]
    if verb.endswith("e"):
        return verb + "s", verb + "d", verb[:-1] + "ing"
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies", verb[:-1] + "ied", verb + "ing"
    if verb.endswith(("s", "x", "ch", "sh")):
        return verb + "es", verb + "ed", verb + "ing"
    return verb + "s", verb + "ed", verb + "ing"


@dataclass(frozen=True)
class Vocabulary:
    """A ranked vocabulary with Zipf weights as cumulative sums for `bisect`."""

    words: tuple[str, ...]
    cum: tuple[float, ...]

    def draw(self, rng: random.Random, k: int) -> list[str]:
        total = self.cum[-1]
        words, cum, rand = self.words, self.cum, rng.random
        return [words[bisect_right(cum, rand() * total)] for _ in range(k)]


def build_vocabulary(exponent: float = 1.0) -> Vocabulary:
    """Function words first, then content words and verbs (fixed shuffle) with verb forms.

    A verb's past tense is as frequent as its base form; its other forms less so.
    """
    content = list(dict.fromkeys(CONTENT_WORDS + VERBS))
    random.Random(12345).shuffle(content)
    verbs = set(VERBS)
    weights: dict[str, float] = {}
    for rank, word in enumerate(dict.fromkeys(FUNCTION_WORDS), start=1):
        weights[word] = 1.0 / rank**exponent
    for rank, word in enumerate(content, start=len(weights) + 1):
        base = 1.0 / rank**exponent
        weights.setdefault(word, base)
        if word in verbs:
            for form, share in zip(_verb_forms(word), (0.4, 1.0, 0.3), strict=True):
                weights[form] = weights.get(form, 0.0) + base * share
    words = tuple(weights)
    cum = tuple(itertools.accumulate(weights[w] for w in words))
    return Vocabulary(words, cum)


_CUM_WEIGHTS: dict[tuple[int, float], list[float]] = {}


def _zipf_pick(rng: random.Random, items: Sequence[str], exponent: float = 1.1) -> str:
    """One item, the first ones much more often (skewed facet values)."""
    key = (id(items), exponent)  # items are module constants: their id is stable
    cum = _CUM_WEIGHTS.get(key)
    if cum is None:
        cum = list(itertools.accumulate(1.0 / (i + 1) ** exponent for i in range(len(items))))
        _CUM_WEIGHTS[key] = cum
    return rng.choices(items, cum_weights=cum)[0]


def _zipf_sample(rng: random.Random, items: Sequence[str], k: int) -> list[str]:
    out: list[str] = []
    while len(out) < min(k, len(items)):
        value = _zipf_pick(rng, items)
        if value not in out:
            out.append(value)
    return out


def _md_escape(value: str) -> str:
    return value.replace("(", r"\(").replace(")", r"\)")


@dataclass(frozen=True)
class Generated:
    """One generated article: where it goes, its Markdown, and the ground truth."""

    rel_path: str
    markdown: str
    article: Article


class _ArticleMaker:
    """Draws articles one after another from one seeded random stream."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocab = build_vocabulary()
        self.area_names = list(CRIME_AREAS)
        self.host_weights = [h.share for h in HOSTS]
        self.names = [f"{f} {s.replace('_', ' ')}" for f in FIRST_NAMES for s in SURNAMES]
        random.Random(7).shuffle(self.names)
        self.names = self.names[:3000]

    # -- text -------------------------------------------------------------
    def sentence(self, topic: list[str], min_words: int = 8, max_words: int = 28) -> str:
        rng = self.rng
        n = rng.randint(min_words, max_words)
        words = self.vocab.draw(rng, n)
        # About 12% topic words, 1.5% places, 0.5% organisations, 0.5% numbers.
        for i in rng.sample(range(n), round(n * 0.12 + rng.random() - 0.5)):
            words[i] = rng.choice(topic)
        roll = rng.random()
        if roll < 0.2:
            words[rng.randrange(n)] = _zipf_pick(rng, PLACES, 0.8)
        elif roll < 0.27:
            words[rng.randrange(n)] = _zipf_pick(rng, ORGANISATIONS, 0.9)
        elif roll < 0.34:
            words[rng.randrange(n)] = str(rng.choice((rng.randint(2, 99), rng.randint(100, 5000))))
        if rng.random() < 0.12:
            i = rng.randrange(n)
            words[i] = f"[{words[i]}](#)"
        words[0] = words[0][:1].upper() + words[0][1:]
        if n > 12 and rng.random() < 0.4:
            words[rng.randint(4, n - 4)] += ","
        return " ".join(words) + "."

    def paragraph(self, topic: list[str]) -> str:
        return " ".join(self.sentence(topic) for _ in range(self.rng.randint(1, 4)))

    # -- parts ------------------------------------------------------------
    def headline(self, area: str, topic: list[str]) -> str:
        rng = self.rng
        template = rng.choice(HEADLINE_TEMPLATES)
        orgs = rng.sample(ORGANISATIONS, 2)
        places = rng.sample(PLACES, 2)
        return template.format(
            n=rng.choice((rng.randint(2, 30), rng.randint(31, 400))),
            k=rng.randint(3, 30),
            place=places[0],
            place2=places[1],
            area=area,
            topic=rng.choice(topic),
            noun=rng.choice(HEADLINE_NOUNS),
            org=orgs[0],
            org2=orgs[1],
        ).upper()

    def date(self) -> dt.date | None:
        rng = self.rng
        if rng.random() < 0.01:
            return None
        # More recent years publish more: weight grows linearly with the year.
        year = rng.choices(range(2010, 2026), weights=range(1, 17))[0]
        start = dt.date(year, 1, 1).toordinal()
        end = dt.date(year, 12, 31).toordinal()
        return dt.date.fromordinal(rng.randint(start, end))

    def date_line(self, date: dt.date) -> str:
        roll = self.rng.random()
        if roll < 0.85:
            return f"{date.day:02d} {MONTHS[date.month - 1]} {date.year}"
        if roll < 0.95:
            return f"{date.day} {MONTHS_LONG[date.month - 1]} {date.year}"
        return date.isoformat()

    def speakers(self, area: str) -> list[tuple[Speaker, str]]:
        """Speaker cards with the noun a later quote may use to refer to them."""
        rng = self.rng
        count = rng.choices((0, 1, 2, 3), weights=(35, 35, 20, 10))[0]
        out = []
        for name in rng.sample(self.names, count):
            template, ref = rng.choice(ROLES)
            role = template.format(
                area=area, org=rng.choice(ORGANISATIONS), place=rng.choice(PLACES)
            )
            out.append((Speaker(name, role), ref))
        return out

    def quote(
        self, topic: list[str], cards: list[tuple[Speaker, str]], quoted: list[str]
    ) -> tuple[str, Quote]:
        """A quote paragraph in one of the three attribution styles, and its truth."""
        rng = self.rng
        speech = " ".join(self.sentence(topic, 6, 20) for _ in range(rng.randint(1, 2)))
        speech = speech.replace("[", "").replace("](#)", "")
        # A reference ("the prosecutor added") needs someone quoted before, and a
        # card whose role noun no other card shares.
        refs = [ref for _, ref in cards]
        referable = [(s.name, ref) for s, ref in cards if refs.count(ref) == 1]
        style = rng.choices(("before", "after", "reference"), weights=(4, 4, 2))[0]
        if style == "reference" and not (referable and quoted):
            style = "after"
        if style == "reference":
            name, ref = rng.choice(referable)
            verb = rng.choice(("added", "said", "concluded", "explained"))
            text = f"“{speech[:-1]},” the {ref} {verb}."
            return text, Quote(speech[:-1], name)
        on_card = cards and rng.random() < 0.7
        name = rng.choice(cards)[0].name if on_card else rng.choice(self.names)
        title = rng.choice(TITLES_BEFORE_NAME) + " " if rng.random() < 0.35 else ""
        quoted.append(name)
        if style == "before":
            lead = title[:1].upper() + title[1:] if title else ""
            text = f"{lead}{name} said: “{speech}”"
        else:
            text = f"“{speech[:-1]},” said {title}{name}."
            speech = speech[:-1]  # the full stop became the comma before the closing quote
        return text, Quote(speech, name)

    def taxonomy(self, area: str, host: Host) -> dict[str, tuple[str, ...]]:
        rng = self.rng
        areas = [area] + [
            a for a in _zipf_sample(rng, self.area_names, rng.choice((0, 0, 1, 2))) if a != area
        ]
        out: dict[str, tuple[str, ...]] = {"crime_area": tuple(areas)}
        groups = _zipf_sample(rng, TARGET_GROUPS, rng.choices((0, 1, 2, 3), (10, 30, 35, 25))[0])
        if groups:
            out["target_group"] = tuple(groups)
        if host.entities and rng.random() < 0.6:
            out["entity"] = tuple(_zipf_sample(rng, ENTITIES, rng.choice((1, 1, 2))))
        if rng.random() < 0.45:
            out["organisation"] = tuple(_zipf_sample(rng, ORGANISATIONS, rng.choice((1, 1, 2))))
        if host.regions and rng.random() < 0.7:
            out["regions"] = tuple(_zipf_sample(rng, REGIONS, rng.choice((1, 2))))
        return out

    # -- whole article ----------------------------------------------------
    def make(self, index: int, root: Path, day_folders: bool = False) -> Generated:
        rng = self.rng
        host = rng.choices(HOSTS, weights=self.host_weights)[0]
        area = _zipf_pick(rng, self.area_names, 1.0)
        topic = CRIME_AREAS[area]
        headline = self.headline(area, topic)
        date = self.date()
        doc_type: str | None = rng.choices([t for t, _ in host.types], [w for _, w in host.types])[
            0
        ]
        if rng.random() < 0.03:
            doc_type = None
        cards = self.speakers(area)
        # Body length: lognormal around 400 words, between 60 and 2,500.
        target = min(2500, max(60, int(rng.lognormvariate(5.95, 0.45))))
        paragraphs: list[str] = []
        words = 0
        while words < target:
            para = self.paragraph(topic)
            paragraphs.append(para)
            words += para.count(" ") + 1
        n_quotes = min(len(paragraphs), rng.choices((0, 1, 2, 3), (25, 35, 25, 15))[0])
        quote_after = set(rng.sample(range(len(paragraphs)), n_quotes))
        taxonomy = self.taxonomy(area, host)
        slug = re.sub(r"[^a-z0-9]+", "-", headline.lower()).strip("-")[:60].rstrip("-")
        url = None if rng.random() < 0.03 else f"https://{host.name}/news/{slug}-{index}"

        lines: list[str] = [""] * rng.choice((0, 1, 2, 2, 3))
        lines += [f"# {headline}", ""]
        if date:
            lines += [self.date_line(date), ""]
        if doc_type:
            lines += [f"[{doc_type}](#)", "", "", ""]
        for speaker, _ in cards:
            lines += [f"**{speaker.name}**  ", speaker.role, "", "", ""]
        body_truth: list[str] = []
        quotes: list[Quote] = []
        quoted: list[str] = []
        for i, para in enumerate(paragraphs):
            body_truth.append(re.sub(r"\[([^\]]*)\]\(#\)", r"\1", para))
            # The conversion artefact: a stray blank line in the middle of a sentence.
            cut = -1
            if rng.random() < 0.08:
                cut = para.find(" ", len(para) // 2)
                while cut > 0 and para[cut - 1] in ".,":
                    cut = para.find(" ", cut + 1)
            if cut > 0:
                lines += [para[:cut], "", para[cut + 1 :], ""]
            else:
                lines += [para, ""]
            if i in quote_after:
                text, quote = self.quote(topic, cards, quoted)
                quotes.append(quote)
                lines += ["“", "", text, "", "”", ""]
        footer = {
            "crime_area": "CRIME AREAS",
            "target_group": "TARGET GROUPS",
            "entity": "ENTITIES",
            "organisation": "ORGANISATIONS",
            "regions": "REGIONS",
        }
        label_lines = [
            f"{label} " + " • ".join(f"[{_md_escape(v)}](#)" for v in taxonomy[name])
            for name, label in footer.items()
            if name in taxonomy
        ]
        lines += [line + "  " for line in label_lines[:-1]] + label_lines[-1:]
        if url:
            lines += ["", "---", "", f"**Source URL:** <{url}>"]
        markdown = "\n".join(lines) + "\n"

        year = f"{date.year:04d}" if date else "undated"
        month = f"{date.month:02d}" if date else "00"
        rel_path = f"{host.name}/{year}/{month}/{slug}-{index}.md"
        if day_folders:  # large archives: a folder per day (undated: per 100,000)
            day = f"{date.day:02d}" if date else f"{index // 100_000:02d}"
            rel_path = f"{host.name}/{year}/{month}/{day}/{slug}-{index}.md"
        article = Article(
            id="",  # the indexer derives it (URL hash or path); not ground truth here
            path=str(root / rel_path),
            headline=headline,
            body="\n\n".join(body_truth),
            url=url,
            source=host.name if url else None,
            date=date,
            type=doc_type,
            speakers=tuple(s for s, _ in cards),
            quotes=tuple(quotes),
            taxonomy=taxonomy,
        )
        return Generated(rel_path, markdown, article)


# From this many articles on, files go into a folder per day, not per month:
# at 1,000,000 the busiest month folder would hold ~4,400 files, a day folder
# holds at most ~200. Smaller archives keep their layout (and their bytes).
DAY_FOLDERS_FROM = 200_001


def iter_articles(
    n: int, seed: int = 0, root: Path = Path("."), day_folders: bool | None = None
) -> Iterator[Generated]:
    """The first `n` articles of the stream for `seed` (paths relative to `root`).

    `day_folders` (default: when `n` >= DAY_FOLDERS_FROM) puts each article
    in a folder per day of its host, year and month; the articles are the
    same either way, only their paths differ.
    """
    maker = _ArticleMaker(seed)
    by_day = n >= DAY_FOLDERS_FROM if day_folders is None else day_folders
    for index in range(n):
        yield maker.make(index, root, by_day)


@dataclass(frozen=True)
class GenerationReport:
    """What `generate` wrote."""

    articles: int
    files: int
    bytes: int
    words: int
    seconds: float


def generate(
    out_dir: Path,
    n: int,
    seed: int = 0,
    manifest: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerationReport:
    """Write `n` articles as Markdown files under `out_dir` (and the truth to `manifest`).

    Streams: one article in memory at a time, whatever `n`. `progress` is
    called with the count written after every 50,000 articles.
    """
    out_dir = out_dir.resolve()
    if manifest is not None and manifest.resolve().is_relative_to(out_dir):
        raise ValueError("the manifest must not be inside the archive folder")
    start = time.perf_counter()
    made_dirs: set[Path] = set()
    total_bytes = total_words = 0
    out_dir.mkdir(parents=True, exist_ok=True)
    if manifest is not None:
        manifest.parent.mkdir(parents=True, exist_ok=True)
    sink = manifest.open("w", encoding="utf-8") if manifest else None
    try:
        for count, item in enumerate(iter_articles(n, seed, out_dir), 1):
            if progress and count % 50_000 == 0:
                progress(count)
            path = out_dir / item.rel_path
            if path.parent not in made_dirs:
                path.parent.mkdir(parents=True, exist_ok=True)
                made_dirs.add(path.parent)
            data = item.markdown.encode("utf-8")
            path.write_bytes(data)
            total_bytes += len(data)
            total_words += len(item.markdown.split())
            if sink:
                sink.write(json.dumps(item.article.to_dict(), ensure_ascii=False) + "\n")
    finally:
        if sink:
            sink.close()
    return GenerationReport(n, n, total_bytes, total_words, time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("out_dir", type=Path, help="folder to write the archive into")
    parser.add_argument("-n", "--count", type=int, default=10_000, help="articles (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--manifest", type=Path, help="also write the truth as JSON Lines here")
    parser.add_argument(
        "--posts",
        type=int,
        metavar="WORDS",
        help="instead: long forum posts in ONE posts.jsonl, with a vocabulary of WORDS"
        " invented words (issue 15's shape: -n 20000 --posts 170000)",
    )
    args = parser.parse_args(argv)
    try:
        if args.posts:
            from bench.posts import generate_posts

            report = generate_posts(args.out_dir / "posts.jsonl", args.count, args.posts, args.seed)
        else:
            report = generate(args.out_dir, args.count, args.seed, args.manifest)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{report.articles} articles, {report.bytes / 1e6:.1f} MB, "
        f"{report.words / report.articles:.0f} words/article, {report.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
