"""Long forum posts in ONE JSON Lines file: issue 15's slowest build shape.

Model: ~20k posts of ~300 words, two fifths drawn from a large vocabulary of
invented words (consonant-vowel syllables, Zipf-weighted by rank), the rest
the newsroom English of `bench.generate`; one seeded random stream, so a
seed and a count give the same file byte for byte.

    python -m bench.generate OUT_DIR -n 20000 --posts 170000
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import time
from pathlib import Path

from bench.generate import (
    GenerationReport,
    Vocabulary,
    _zipf_pick,
    _zipf_sample,
    build_vocabulary,
)
from bench.wordlists import CONTENT_WORDS

# Consonant-vowel syllables: invented words of two to four of them, enough
# for a forum's vocabulary (Usenet posts hold ~170k distinct words).
_ONSETS = "b c d f g h j k l m n p r s t v w z br dr gr kr pl st tr".split()
_SYLLABLES = tuple(onset + vowel for onset in _ONSETS for vowel in "aeiou")
NEWSGROUPS = tuple(
    f"{a}.{b}"
    for a in ("comp", "rec", "sci", "talk", "misc")
    for b in ("misc", "tech", "forum", "news")
)


def invented_vocabulary(size: int, exponent: float = 0.9) -> Vocabulary:
    """`size` invented words (`brakomi`), shortest first, Zipf-weighted by rank."""
    words: list[str] = []
    for length in (2, 3, 4):
        for parts in itertools.product(_SYLLABLES, repeat=length):
            words.append("".join(parts))
            if len(words) == size:
                cum = tuple(itertools.accumulate(1.0 / r**exponent for r in range(1, size + 1)))
                return Vocabulary(tuple(words), cum)
    raise ValueError(f"at most {len(words):,} invented words")


def generate_posts(
    path: Path, n: int = 20_000, vocabulary: int = 170_000, seed: int = 0
) -> GenerationReport:
    """Write `n` long forum posts as ONE JSON Lines file at `path`.

    The shape of issue 15's slowest build: ~20k posts of ~300 words, two
    fifths of them drawn from `vocabulary` invented words (so ~170k distinct
    words in all), the rest newsroom English; each post has a date, a
    newsgroup and one or two topics (the facets).
    """
    rng = random.Random(seed)
    english, invented = build_vocabulary(), invented_vocabulary(vocabulary)
    topics = CONTENT_WORDS[:200]
    start = time.perf_counter()
    total_bytes = total_words = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            paragraphs = []
            for _ in range(rng.randint(2, 6)):
                k = rng.randint(30, 90)
                words = english.draw(rng, k)
                for j in rng.sample(range(k), k * 2 // 5):
                    words[j] = invented.draw(rng, 1)[0]
                paragraphs.append(" ".join(words) + ".")
            body = "\n\n".join(paragraphs)
            post = {
                "id": f"post-{i}",
                "headline": " ".join(invented.draw(rng, 3) + english.draw(rng, 4)),
                "body": body,
                "date": (dt.date(1993, 1, 1) + dt.timedelta(days=rng.randrange(1500))).isoformat(),
                "source": "news.example.org",
                "taxonomy": {
                    "newsgroup": [_zipf_pick(rng, NEWSGROUPS, 0.7)],
                    "topics": _zipf_sample(rng, topics, rng.randint(1, 2)),
                },
            }
            line = json.dumps(post, ensure_ascii=False) + "\n"
            out.write(line)
            total_bytes += len(line.encode("utf-8"))
            total_words += len(body.split())
    return GenerationReport(n, 1, total_bytes, total_words, time.perf_counter() - start)
