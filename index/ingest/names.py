"""Names of people in running text.

Model: text is read as tokens (words, with apostrophes and hyphens inside
them, and single punctuation marks). A person's name is the tail of a run of
capitalised words and name particles (`de`, `van der`, `d’`): titles and
organisation words before it (`Europol Executive Director`) are not part of
it, and a run right after `the` is no person (`the Czech Republic`). The
words of a role or title are compared case-folded, `Secretary-General` also
as its parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def wordset(words: str) -> frozenset[str]:
    """A word list written as one string."""
    return frozenset(words.split())


# Stands for a quoted segment inside an attribution clause (see
# `attribution.split_quote`): a punctuation token, so it ends any name or phrase.
SENTINEL = "\ue000"
_TOKEN_RE = re.compile(r"[^\W_]+(?:[’'\-‐][^\W_]+)*[’']?|[^\s\w]")
# Tokens that end a phrase.
BOUNDARIES = frozenset({SENTINEL, *'.:;!?,“”"()—–'})
_ARTICLES = frozenset({"the", "a", "an"})
CONNECTORS = frozenset({"of", "the", "for", "and", "at", "in", "on", "to", "a", "an"})
# Words that lead from a name to the person's organisation: `X of the Y Police`.
AFFILIATION = frozenset({"of", "at", "from", "for", "with"})
PARTICLES = wordset("van von der den de del della di da das dos du la le ter ten bin al el af zu y")
# Particles that open a surname, also when written with a capital (`De Bolle`,
# `Ó Briain`, `Mac Giolla`, `Van der Berg`).
SURNAME_PARTICLES = PARTICLES | wordset("ó ní nic mac mc ua uí ibn ben abu")
# An elided particle before a surname: `d’`, `l’`, `dell’`, `degl’`.
_MAX_ELIDED_CHARS = 4
# Words a Title Case heading leaves in lower case (`Notes on the Case of X`).
MINOR_WORDS = PARTICLES | wordset("of the for and or nor at in on to a an by with from as per via")
# Capitalised words that are titles or organisation words, and (below) sentence
# openers: never part of a person's name, so they end a name read from its end.
TITLE_WORDS = wordset(
    """director executive deputy minister secretary general chief head president vice prime
    prosecutor prosecutors commissioner chair chairman chairwoman chairperson inspector
    superintendent detective officer commander ambassador mayor governor senator judge
    justice professor prof dr mr mrs ms miss sir dame lord lady agent special senior
    assistant acting interim associate adviser advisor spokesperson spokesman spokeswoman
    manager coordinator lieutenant colonel major captain sergeant constable attorney counsel
    representative member mep rapporteur envoy delegate official investigator analyst expert
    specialist leader founder ceo state interior home affairs foreign police national
    european federal public international union unit centre center agency office department
    ministry division bureau directorate commission council court service services force
    group team operations operational crime cybercrime financial economic organised
    organized serious"""
)
# Organisations often named before a title (`Europol Executive Director X`).
_ORGANISATIONS = wordset("europol eurojust interpol frontex")
OPENERS = wordset(
    """the according speaking in on at as for and but with by from after before during
    when while meanwhile however also he she they we it i this that these those our their
    its his her monday tuesday wednesday thursday friday saturday sunday"""
)
_NON_NAME = TITLE_WORDS | _ORGANISATIONS | OPENERS
_HYPHEN_RE = re.compile("[-‐]")
_ABBREVIATIONS = frozenset(
    {"Dr", "Mr", "Mrs", "Ms", "Prof", "St", "Gen", "Col", "Lt", "Sgt", "Det"}
)
_MAX_NAME_WORDS = 4


def tokens(text: str) -> list[str]:
    """Words and punctuation marks; an initial (`F.`) or `Dr.` stays one token."""
    out: list[str] = []
    for tok in _TOKEN_RE.findall(text):
        last = out[-1] if out else ""
        if tok == "." and ((len(last) == 1 and last.isupper()) or last in _ABBREVIATIONS):
            out[-1] = last + "."
        else:
            out.append(tok)
    return out


def is_possessive(tok: str) -> bool:
    return tok.endswith(("’s", "'s", "’", "'")) and len(tok) > 2


def stem(tok: str) -> str:
    """A word without its possessive ending, case-folded."""
    for end in ("’s", "'s", "’", "'"):
        if tok.endswith(end):
            return tok[: -len(end)].casefold()
    return tok.casefold()


def is_acronym(tok: str) -> bool:
    return len(tok) >= 2 and tok.isupper() and not tok.endswith(".")


def capitalised(tok: str) -> bool:
    """A word with a capital: its first letter, or the one after an elided particle.

    `d’Alessandro`, `dell’Orto`, `l’Hermite`: a surname that starts with a
    particle such as `d’` is a capitalised name word all the same.
    """
    if tok[:1].isupper():
        return True
    return _elided_capital(tok)


def _elided_capital(tok: str) -> bool:
    """`d’Alessandro`: a short lower-case particle, an apostrophe, a capital."""
    cut = tok.find("’")
    if cut < 0:
        cut = tok.find("'")
    return 0 < cut <= _MAX_ELIDED_CHARS and tok[cut + 1 : cut + 2].isupper() and tok[0].isalpha()


def is_run_token(tok: str) -> bool:
    """A token that can sit inside a capitalised run (names, titles, particles)."""
    # Most tokens are plain lower-case words: test the cheap cases first.
    if tok[:1].isupper():
        return not is_possessive(tok)
    return tok in PARTICLES or (("’" in tok or "'" in tok) and _elided_capital(tok))


def _in_capitals(tok: str) -> bool:
    """A word all in capitals that may be a surname (`DE`, `BOLLE`), not `EU2` or `INTERPOL`."""
    return (
        len(tok) >= 2
        and tok.isupper()
        and not any(ch.isdigit() for ch in tok)
        and tok.casefold() not in _NON_NAME
    )


def title_parts(tok: str) -> list[str] | None:
    """The case-folded parts of a title word (`Secretary-General`: secretary, general)."""
    parts = _HYPHEN_RE.split(tok.casefold().rstrip("."))
    return parts if all(p in TITLE_WORDS for p in parts) else None


def _all_parts_in(tok: str, words: frozenset[str]) -> bool:
    """`Director`, `Secretary-General`: the word, or each part of it, is one of `words`."""
    return all(p in words for p in _HYPHEN_RE.split(tok.casefold().rstrip(".")))


def all_capitals(name: Sequence[str]) -> bool:
    """A name with no word in ordinary case: `DUBOIS`, `DE BOLLE`, but also `DG HOME`."""
    return all(t.isupper() for t in name)


def _is_name_word(tok: str) -> bool:
    return (
        capitalised(tok)
        and not is_possessive(tok)
        and not is_acronym(tok)
        and not _all_parts_in(tok, _NON_NAME)
    )


def trim_name(toks: Sequence[str], start: int, end: int) -> list[str]:
    """The person's name ending the capitalised run `toks[start:end]`.

    Titles before it are dropped (`Deputy Minister John Roe`). A run right
    after an article is no person: `the Focal Point`, `the Czech Republic`.
    A surname may be written in capitals (`Catherine DE BOLLE`): words in
    capitals count as name words at the end of the run, before any word in
    ordinary case; a name of nothing but such words (`DG HOME`) is for the
    caller to judge (see `all_capitals`).
    """
    out: list[str] = []
    words = 0
    surname_in_capitals = True  # no word in ordinary case read yet
    for tok in reversed(toks[start:end]):
        if tok in PARTICLES and out:
            out.append(tok)
        elif words >= _MAX_NAME_WORDS:
            break
        elif _is_name_word(tok):
            out.append(tok)
            words += 1
            surname_in_capitals = False
        elif surname_in_capitals and _in_capitals(tok):
            out.append(tok)
            words += 1
        else:
            break
    while out and out[-1] in PARTICLES:
        out.pop()
    first = end - len(out)
    if first > 0 and toks[first - 1] in _ARTICLES:
        return []
    out.reverse()
    return out


def fold_words(toks: Iterable[str]) -> frozenset[str]:
    """Case-folded words of a role or title; `Secretary-General` also as its parts."""
    out: set[str] = set()
    for tok in toks:
        if tok[0].isalnum():
            word = stem(tok)
            out.add(word)
            out.update(_HYPHEN_RE.split(word))
    return frozenset(out)


def role_words(text: str) -> frozenset[str]:
    """The case-folded words of a role (see `fold_words`)."""
    return fold_words(tokens(text))


def name_key(name: Sequence[str]) -> tuple[str, ...]:
    """How a name is matched: its words, case-folded."""
    return tuple(t.casefold() for t in name)


@dataclass
class Person:
    """Someone a quote can point to: a speaker card or a person named in the text."""

    name: str
    key: tuple[str, ...]  # case-folded name words
    words: frozenset[str]  # case-folded words of the role or title


def capitalised_runs(toks: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) of each maximal run of capitalised words and name particles."""
    runs: list[tuple[int, int]] = []
    start = -1
    for i, tok in enumerate(toks):
        if is_run_token(tok):
            if start < 0:
                start = i
        elif start >= 0:
            runs.append((start, i))
            start = -1
    if start >= 0:
        runs.append((start, len(toks)))
    return runs


def named_persons(toks: Sequence[str]) -> list[Person]:
    """People introduced in a text with a title before or after the name.

    `INTERPOL Secretary General Jürgen Stock`, `the Head of the Financial
    Crime Unit Marta Kovač`, `Tomás Ruiz, Prosecutor at Eurojust,`. A
    person's title stops where the one of the person before ends and where
    the one of the person after begins (`X of Europol and INTERPOL Secretary
    General Y`: X of Europol, Y of INTERPOL).
    """
    names: list[tuple[int, int, list[str]]] = []  # (run start, run end, name)
    for start, end in capitalised_runs(toks):
        name = trim_name(toks, start, end)
        if sum(1 for t in name if t not in PARTICLES) >= 2 and not all_capitals(name):
            names.append((start, end, name))
    found: list[Person] = []
    floor = 0  # the end of the person before, their affiliation included
    for i, (start, end, name) in enumerate(names):
        ceiling = names[i + 1][0] if i + 1 < len(names) else len(toks)
        title = list(toks[start : end - len(name)])
        j = start - 1  # walk back over `the Head of the ...`, `Europol’s ...`
        while j >= floor and len(title) < 12:
            tok = toks[j]
            low = tok.casefold()
            if tok in BOUNDARIES or not (
                low in CONNECTORS or low in TITLE_WORDS or tok[0].isupper() or is_possessive(tok)
            ):
                break
            title.append(tok)
            j -= 1
        # After the name: an apposition `X, Director of Y,` or an affiliation `X of Y`.
        floor = end
        if end < len(toks) and (toks[end] == "," or toks[end] in AFFILIATION):
            k = end + 1
            while k < ceiling and toks[k] not in BOUNDARIES and k - end <= 10:
                title.append(toks[k])
                k += 1
            floor = k
        found.append(Person(" ".join(name), name_key(name), fold_words(title)))
    return found


def looks_like_name(text: str) -> bool:
    """Capitalised words and particles only, no digits: a bold line that is a name."""
    words = tokens(text)
    caps = sum(1 for w in words if capitalised(w))
    return (
        0 < caps <= 6
        and all(capitalised(w) or w in PARTICLES for w in words)
        and not any(ch.isdigit() for ch in text)
    )
