"""When did you mean looks for a suggestion: only for words that look misspelt.

A word the archive does not hold is respelled as ever; a word it holds only
into a word near it that outscores it (about 20 times as frequent per edit);
a query whose words are all held and outscored by nothing near them gets no
suggestion and costs no counted query. Checked on hand-made archives, and on
a generated one against frequencies counted from the articles written, not
read from the index.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.support.levenshtein import damerau_levenshtein

from pressearch.archive import Archive
from pressearch.index.writer import build
from pressearch.search import suggest as suggest_module
from pressearch.search.engine import Engine
from pressearch.search.suggest import EDIT_COST
from tests.conftest import write_article


@contextmanager
def watched() -> Iterator[tuple[list[str], list[str]]]:
    """The respellings counted and the prefixes read (per segment and field) meanwhile."""
    counted: list[str] = []
    read: list[str] = []
    count, prefix_words = Engine._count, suggest_module._prefix_words

    def counting(engine: Engine, request: object) -> int:
        counted.append(request.text)  # type: ignore[attr-defined]
        return count(engine, request)  # type: ignore[arg-type]

    def reading(leaf: object, field: str, prefix: str) -> dict[str, int]:
        read.append(prefix)
        return prefix_words(leaf, field, prefix)

    with (
        mock.patch.object(Engine, "_count", counting),
        mock.patch.object(suggest_module, "_prefix_words", reading),
    ):
        yield counted, read


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """46 articles. Spelling frequencies (articles, headline and body counted apart):
    government 50, goverment 1 (a typo the archive holds), budget 11, pace 3, pact 4,
    session 5, harbour 6, strike 6."""
    root = tmp_path_factory.mktemp("newsroom")
    archive = root / "archive"
    for i in range(25):
        body = "The government met." + (" The budget grew." if i < 10 else "")
        write_article(archive, f"gov{i}.md", headline=f"GOVERNMENT {i}", body=body)
    write_article(archive, "typo.md", headline="NOTE", body="The goverment budget was cut.")
    for i, body in enumerate(["The pace of the session slowed.", "The pace slowed.", "Pace."]):
        write_article(archive, f"pace{i}.md", headline="NOTE", body=body)
    for i in range(4):
        body = "The pact session ended." if i < 3 else "The pact held."
        write_article(archive, f"pact{i}.md", headline="NOTE", body=body)
    write_article(archive, "session.md", headline="NOTE", body="A session opened.")
    for i in range(6):
        write_article(archive, f"harbour{i}.md", headline="NOTE", body="The harbour was quiet.")
        write_article(archive, f"strike{i}.md", headline="NOTE", body="A strike began.")
    index = root / "index"
    build([archive], index)
    return index


def test_ordinary_words_that_rarely_meet_get_no_suggestion_and_no_count(newsroom: Path) -> None:
    with Archive.open(newsroom) as archive, watched() as (counted, read):
        result = archive.search("harbour strike")
    assert (result.total, result.suggestion) == (0, None)
    # Each word is past a twentieth of the most a word can be counted (2 x 46
    # articles): nothing can outscore it, so not even its neighbours are read.
    assert (counted, read) == ([], [])


def test_a_held_word_is_not_respelled_into_a_word_that_does_not_outscore_it(
    newsroom: Path,
) -> None:
    # "pact session" finds 3 articles and "pace session" 1, but "pact" (4) is
    # no typo's fix for "pace" (3): one edit costs a word 20 times as frequent.
    # Any respelling that found more used to be suggested.
    with Archive.open(newsroom) as archive, watched() as (counted, read):
        result = archive.search("pace session")
    assert (result.total, result.suggestion) == (1, None)
    assert counted == []
    assert read  # "pace" is rare enough to be looked at


def test_a_held_typo_next_to_a_far_more_frequent_spelling_is_respelled(newsroom: Path) -> None:
    # The archive holds "goverment" once: the query finds that article, and
    # "government" (50, one edit away) outscores it.
    with Archive.open(newsroom) as archive:
        result = archive.search("goverment budget")
    assert (result.total, result.suggestion) == (1, "government budget")


def test_an_unknown_word_is_respelled_and_a_held_one_beside_it_kept(newsroom: Path) -> None:
    with Archive.open(newsroom) as archive:
        assert archive.search("govrnment budget").suggestion == "government budget"
        assert archive.search("pace sesion").suggestion == "pace session"
        assert archive.search("pace sesion").total == 0


# -- a generated archive, against counts from the articles written ---------------------

# Words in three prefix families, each a few letters from many others.
_FAMILIES = ("bal", "bel", "cor")
_VOCABULARY = sorted(
    family + "".join(tail)
    for family in _FAMILIES
    for n in (1, 2, 3)
    for tail in itertools.product("aeio", repeat=n)
)
_ARTICLES = 120
_LETTERS = "abceilor"


def _written() -> tuple[list[list[str]], Counter[str]]:
    """Each article's body words, and each word's spelling frequency (articles holding it)."""
    rng = random.Random(15)
    bodies: list[list[str]] = [[] for _ in range(_ARTICLES)]
    for word in _VOCABULARY:
        # Many rare words, a few frequent ones, as in any archive.
        for article in rng.sample(range(_ARTICLES), max(1, 60 // rng.randint(1, 60))):
            bodies[article].append(word)
    frequency = Counter(word for body in bodies for word in set(body))
    frequency["item"] = _ARTICLES  # every headline's word
    return bodies, frequency


_BODIES, _FREQUENCY = _written()


@pytest.fixture(scope="module")
def families(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("families")
    archive = root / "archive"
    for i, body in enumerate(_BODIES):
        write_article(archive, f"a{i}.md", headline="ITEM", body=" ".join(body) + ".")
    index = root / "index"
    build([archive], index)
    return index


def _score(frequency: int, edits: int) -> float:
    return math.log1p(frequency) - EDIT_COST * edits


def _confusions(word: str) -> set[str]:
    pairs = (("ph", "f"), ("f", "ph"), ("c", "k"), ("k", "c"), ("s", "z"), ("z", "s"))
    return {
        word[:i] + meant + word[i + len(typed) :]
        for typed, meant in pairs
        for i in range(len(word))
        if word.startswith(typed, i)
    }


def _edits(word: str, other: str) -> int:
    """What respelling `word` as `other` costs: a confusion is one edit."""
    return 1 if other in _confusions(word) else int(damerau_levenshtein(word, other, 3))


def _beatable(word: str) -> bool:
    """Whether any word of the archive within two edits (of any kind, as one) could
    outscore `word`: generous on purpose, a superset of what suggest looks at."""
    own = _score(_FREQUENCY[word], 0)
    return any(
        _score(f, 1) > own
        for other, f in _FREQUENCY.items()
        if other != word and damerau_levenshtein(word, other, 2) <= 2
    )


def _edited(word: str, at: int, letter: str, how: str) -> str:
    at %= len(word)
    if how == "drop":
        return word[:at] + word[at + 1 :]
    if how == "add":
        return word[:at] + letter + word[at:]
    if how == "swap" and at + 1 < len(word):
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + letter + word[at + 1 :]


_words = st.one_of(
    st.sampled_from(_VOCABULARY),
    st.builds(
        _edited,
        st.sampled_from(_VOCABULARY),
        st.integers(0, 6),
        st.sampled_from(_LETTERS),
        st.sampled_from(["drop", "add", "swap", "replace"]),
    ),
    st.text(alphabet=_LETTERS, min_size=4, max_size=7),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(_words, min_size=1, max_size=2))
def test_a_suggestion_respells_only_words_that_look_misspelt(
    families: Path, words: list[str]
) -> None:
    text = " ".join(words)
    # No time budget: what the model gives, whatever the machine's load.
    with (
        mock.patch.object(suggest_module, "_clock", lambda: 0.0),
        Archive.open(families) as archive,
        watched() as (counted, _),
    ):
        result = archive.search(text)
        respelled = result.suggestion
        found_by_suggestion = archive.search(respelled).total if respelled else 0
    looked_at = [w for w in words if len(w) >= 4]
    if result.total >= 3:
        assert respelled is None
        return
    if all(_FREQUENCY[w] and not _beatable(w) for w in looked_at):
        # All held, and nothing near any of them could outscore it.
        assert respelled is None
        assert counted == []
        return
    if respelled is None:
        return
    assert found_by_suggestion > result.total
    typed, fixed = text.split(), respelled.split()
    assert len(typed) == len(fixed)
    for word, other in zip(typed, fixed, strict=True):
        if word != other:
            # Unknown, or outscored by its respelling at what the respelling costs.
            assert _FREQUENCY[other] > 0
            assert not _FREQUENCY[word] or (
                _score(_FREQUENCY[other], _edits(word, other)) > _score(_FREQUENCY[word], 0)
            ), (word, other)


def test_the_generated_archive_has_words_of_every_kind(families: Path) -> None:
    # The property above means something only if the archive holds words that
    # a neighbour outscores, words that none does, and rare words of each.
    held = [w for w in _VOCABULARY if _FREQUENCY[w]]
    beatable = [w for w in held if _beatable(w)]
    assert 20 < len(beatable) < len(held) - 20
    assert any(_FREQUENCY[w] <= 2 and not _beatable(w) for w in held)
    with Archive.open(families) as archive:
        typo = next(w for w in beatable if _FREQUENCY[w] <= 2)
        assert archive.search(typo).total >= 1
