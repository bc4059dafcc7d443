"""Who said a quote: the attribution clause around a speech verb, read by rules.

Model: a quote paragraph is speech (the curly-quoted segments) plus an
attribution clause (the rest, each segment replaced by `SENTINEL`). The
clause names its speaker next to a speech verb (`said`, `added`,
`according to`): by name (a speaker card, or a name the rules cut out of a
capitalised run), by pronoun (the previous quote's speaker), or by a
reference to a role or title (`the prosecutor`, `the INTERPOL Chief`), which
resolves to a speaker card or a person named earlier in the article. See
`Attributor` for the rules in order; an unknown speaker is None.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain

from pressearch.index.ingest.cleaning import tidy
from pressearch.index.ingest.names import (
    AFFILIATION,
    BOUNDARIES,
    CONNECTORS,
    OPENERS,
    PARTICLES,
    SENTINEL,
    SURNAME_PARTICLES,
    Person,
    all_capitals,
    capitalised_runs,
    is_acronym,
    is_possessive,
    is_run_token,
    name_key,
    named_persons,
    role_words,
    stem,
    title_parts,
    tokens,
    trim_name,
    wordset,
)
from pressearch.models import Speaker

# Curly quotation marks: around speech, and alone on a line around a quote block.
OPEN_QUOTE = "“"
CLOSE_QUOTE = "”"
_VERBS = wordset(
    """said says added adds stated states explained explains noted notes commented comments
    continued continues concluded concludes declared declares emphasised emphasises emphasized
    emphasizes stressed stresses highlighted highlights underlined underlines remarked remarks
    told tells warned warns observed observes announced announces affirmed affirms insisted
    insists argued argues recalled recalls acknowledged acknowledges confirmed confirms
    reiterated reiterates summarised summarises summarized summarizes urged urges according
    asked asks replied replies"""
)

_PRONOUNS_PREVIOUS = frozenset({"he", "she"})
_PRONOUNS_UNKNOWN = frozenset({"they", "we", "it", "i", "you"})
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "our", "their", "its", "his", "her"})

_ADVERBS = wordset(
    """also further then later today yesterday recently previously additionally finally
    earlier again once has had have was is would will furthermore moreover separately
    simply clearly firmly proudly"""
)

# Words that end a reference phrase: `said the prosecutor in Madrid`.
_PHRASE_END = wordset("in on at to during after before with from by when while as")

_DASHES = frozenset("-—–")
_LEADERSHIP = wordset(
    """chief head director president chair chairman chairwoman chairperson leader boss
    commander commissioner governor ceo"""
)


def split_quote(paragraph: str) -> tuple[list[str], str]:
    """The speech segments of a quote paragraph and its attribution text.

    Each curly-quoted segment is replaced by a sentinel in the attribution. An
    opening mark with no closing mark before the next opening one runs to the
    next opening mark (or the end). Straight quotes are read the same way when
    a paragraph has no curly ones; a paragraph with neither is all speech.
    """
    opener, closer = OPEN_QUOTE, CLOSE_QUOTE
    if opener not in paragraph:
        if '"' not in paragraph:
            return [paragraph], ""
        opener = closer = '"'
    segments: list[str] = []
    attribution: list[str] = []
    pos = 0
    while True:
        start = paragraph.find(opener, pos)
        if start < 0:
            attribution.append(paragraph[pos:])
            break
        attribution.append(paragraph[pos:start])
        attribution.append(f" {SENTINEL} ")
        end = paragraph.find(closer, start + 1)
        nxt = paragraph.find(opener, start + 1) if opener != closer else -1
        if end < 0 or 0 <= nxt < end:
            end = nxt if nxt >= 0 else len(paragraph)
            pos = end
        else:
            pos = end + 1
        segments.append(paragraph[start + 1 : end])
    speech = []
    for seg in segments:
        # `“…,” said X`: the comma belongs to the attribution sentence.
        text = tidy(seg).removesuffix(",").rstrip()
        if text:
            speech.append(text)
    return speech, "".join(attribution)


class Attributor:
    """Finds who said a quote from its attribution clause.

    Rules, in order, for the first speech verb (`said`, `added`, ...) that
    yields an answer:
    1. the clause just before the verb (`X said`, `the prosecutor added`;
       adverbs such as `also` skipped); around an apposition (`X, Head of
       Unit, said`, `the head of the team, X, said`) both sides, the one that
       starts with a name first;
    2. else the clause just after it (`said X`, `said Deputy Minister X`,
       `according to X`), and a name set after it by a comma (`said the head
       of the investigation, X`), which is tried first.
    In the clause: `he`/`she` is the previous quote's speaker; a capitalised
    run holding a speaker-card name is that card (longest match); else the
    run's trailing name words are the name (see `names.trim_name`): a lone
    surname, or a name all in capitals (`DUBOIS`, `DE BOLLE`), must end the
    name of a card or of a person named earlier, and a surname with its
    particle (`De Bolle`, `Ó Briain`) is that person when one matches.
    Before the verb the name ends the clause or is followed by an
    affiliation (`X of the Swedish Police said`). A phrase without a name
    (`the Director`) is a reference, resolved by `_resolve_reference`.
    With no verb, a name alone, perhaps with a role or an organisation after
    a comma (`“…” — Jane Doe`, `“…” (Jane Doe, Europol)`), is the speaker.
    Unknown: None.
    """

    def __init__(self, cards: Sequence[Speaker], history: list[str]) -> None:
        self.cards = [Person(s.name, name_key(tokens(s.name)), role_words(s.role)) for s in cards]
        self.history = history  # texts before the current quote, in order
        self.previous: str | None = None  # the last quote's speaker
        self._quoted: list[str] = []  # the speakers of the quotes so far, in order
        self._persons: list[Person] = []  # the people of history[: self._scanned]
        self._scanned = 0
        self._named: dict[int, list[Person]] = {}  # history index → the people it names

    def record(self, speaker: str | None) -> None:
        """Remember who said the quote just read: pronouns and references look back to it."""
        self.previous = speaker
        if speaker:
            self._quoted.append(speaker)

    def speaker(self, attribution: str) -> str | None:
        toks = tokens(attribution)
        # Verbs are lower case (`According` aside), so names like Said or Will stay names.
        verbs = [i for i, t in enumerate(toks) if t in _VERBS or t == "According"]
        if not verbs:
            return self._bare_name(toks)
        for v in verbs:
            if toks[v].casefold() == "according":
                if v + 1 < len(toks) and toks[v + 1] == "to":
                    found = self._resolve(self._clauses_after(toks, v + 1), left=False)
                    if found:
                        return found
                continue
            before = self._clauses_before(toks, v)
            if before:
                found = self._resolve(before, left=True)
            else:
                found = self._resolve(self._clauses_after(toks, v), left=False)
            if found:
                return found
        return None

    def _bare_name(self, toks: Sequence[str]) -> str | None:
        """`“…” — Jane Doe`, `“…” (Jane Doe, Europol)`: the name that opens the attribution.

        What follows a comma (a role, an organisation) is not read; the
        attribution holds no other words.
        """
        parts: list[list[str]] = [[]]
        for tok in toks:
            if tok == ",":
                parts.append([])
            elif tok not in BOUNDARIES and tok not in _DASHES:
                parts[-1].append(tok)
        words = next((part for part in parts if part), [])
        if words and all(is_run_token(t) for t in words):
            return self._resolve_run(words, 0, len(words))
        return None

    @staticmethod
    def _clauses_before(toks: Sequence[str], verb: int) -> list[list[str]]:
        """The clause ending at the verb; around an apposition, the two sides of it.

        `X, Head of Unit, said` gives the part before the apposition first,
        then the apposition; `the head of the team, X, said` gives the side
        that starts with a name first (see `_name_first`).
        """
        j = verb - 1
        while j >= 0 and toks[j] in _ADVERBS:
            j -= 1
        end = j + 1
        while j >= 0 and toks[j] not in BOUNDARIES:
            j -= 1
        if j + 1 < end or j < 0 or toks[j] != ",":
            return [list(toks[j + 1 : end])] if j + 1 < end else []
        k = j - 1
        while k >= 0 and toks[k] not in BOUNDARIES:
            k -= 1
        apposition = list(toks[k + 1 : j])
        if k < 0 or toks[k] != ",":
            return [apposition]
        m = k - 1
        while m >= 0 and toks[m] not in BOUNDARIES:
            m -= 1
        return _name_first(list(toks[m + 1 : k]), apposition)

    @staticmethod
    def _clauses_after(toks: Sequence[str], verb: int) -> list[list[str]]:
        """The clause after the verb, and a name set after it by a comma.

        `said the head of the investigation, Kadri Öztürk` describes the
        speaker, then names them: the apposition counts when it starts with
        a capitalised run, and only that run is kept (`…, X, who led the
        raid`, `…, X of the Lisbon Police`). A clause that starts with a
        name keeps its place: `said X, Head of Unit`.
        """
        j = verb + 1
        while j < len(toks) and toks[j] in _ADVERBS:
            j += 1
        if j < len(toks) and toks[j] == "that":
            return []  # `said that ...` is reported speech, not a speaker
        start = j
        while j < len(toks) and toks[j] not in BOUNDARIES:
            j += 1
        clause = list(toks[start:j])
        if j + 1 >= len(toks) or toks[j] != "," or not _starts_name(toks[j + 1 : j + 2]):
            return [clause]
        k = j + 1
        while k < len(toks) and is_run_token(toks[k]):
            k += 1
        return _name_first(clause, list(toks[j + 1 : k]))

    def _resolve(self, clauses: Sequence[list[str]], *, left: bool) -> str | None:
        """The speaker a clause names: a pronoun, then a name in any clause, then a reference."""
        clauses = [c for c in clauses if c]
        if not clauses:
            return None
        # `He added.` may open a sentence; after the verb a pronoun is lower case.
        edge = clauses[0][-1].casefold() if left else clauses[0][0]
        if left and _ends_name(clauses[0]):
            edge = ""  # `Aa It said`, `Lifeng He said`: a surname, not a pronoun
        if edge in _PRONOUNS_PREVIOUS:
            return self.previous
        if edge in _PRONOUNS_UNKNOWN:
            return None
        for clause in clauses:
            runs = capitalised_runs(clause)
            if left:
                # Before the verb the name ends the clause, or is followed by where the
                # person works: `Chief Inspector X of the National Police said`.
                runs = [
                    (start, stop)
                    for start, stop in reversed(runs)
                    if stop == len(clause) or clause[stop] in AFFILIATION
                ]
            for start, stop in runs:
                name = self._resolve_run(clause, start, stop)
                if name:
                    return name
        for clause in clauses:
            found = self._resolve_reference(clause)
            if found:
                return found
        return None

    def _resolve_run(self, toks: Sequence[str], start: int, end: int) -> str | None:
        """The speaker a capitalised run `toks[start:end]` names, if any."""
        card = _longest_match([t.casefold() for t in toks[start:end]], self.cards)
        if card:
            return card.name
        name = trim_name(toks, start, end)
        if not name:
            return None
        capitals = sum(1 for t in name if t not in PARTICLES)
        # `De Bolle`, `Ó Briain`, `Van der Berg`: a surname with its particle,
        # capitalised as at the start of a sentence. A surname alone (`Stock`),
        # and words all in capitals (`DUBOIS`, `DE BOLLE`, but also `DG HOME`),
        # may be no full name either: each names a known person whose full
        # name ends with it; only a surname with its particle in ordinary
        # case stands for itself when nobody matches.
        surname = capitals == 2 and name[0].casefold() in SURNAME_PARTICLES
        if surname or capitals == 1 or all_capitals(name):
            key = name_key(name)
            for person in self._candidates():
                if len(person.key) >= len(key) and person.key[-len(key) :] == key:
                    return person.name
            if capitals == 1 or all_capitals(name):
                return None
        return " ".join(name)

    def _resolve_reference(self, clause: Sequence[str]) -> str | None:
        """`the prosecutor`, `the INTERPOL Chief`: a card role or an earlier title.

        The phrase after a determiner, up to a preposition such as `in`, is
        tried from the longest (most specific) to the shortest, so `In a
        statement the prosecutor said` still finds `prosecutor`.
        """
        dets = [i + 1 for i, t in enumerate(clause) if t.casefold() in _DETERMINERS]
        for start in dets or [0]:
            end = start
            while end < len(clause) and clause[end].casefold() not in _PHRASE_END:
                end += 1
            found = self._resolve_title(clause[start:end])
            if found:
                return found
        return None

    def _resolve_title(self, phrase: Sequence[str]) -> str | None:
        """The candidate whose role or title fits a reference phrase.

        The phrase splits into title words (`prosecutor`, `Secretary General`)
        and organisation words (acronyms, capitalised non-title words,
        `Europol’s`). First, the reference continues the most recent speaker
        when it fits them (see `_continues`): `“…,” the INTERPOL Chief added`
        right after the Secretary General. Then candidates are speaker cards,
        then people named earlier (latest first): a candidate whose
        role/title holds every word, one without a further rank word
        preferred (see `_best_fit`). Last, a leadership word (`Chief`, `Head`)
        matches any leadership title (`Director`, `Secretary General`) when
        the organisation words match, the speakers quoted so far (latest
        first) before the other candidates.
        """
        title: set[str] = set()
        org: set[str] = set()
        for tok in phrase:
            low = tok.casefold()
            if low in CONNECTORS or low in _DETERMINERS or not tok[0].isalnum():
                continue
            if is_possessive(tok):
                if tok[0].isupper():
                    org.add(stem(tok))
            elif is_acronym(tok):
                org.add(low)
            elif (parts := title_parts(tok)) is not None:
                title.update(parts)  # `Secretary-General` as `Secretary General`
            elif tok[0].isupper():
                org.add(low)
            else:
                title.add(low)
        if not title:
            return None
        wanted = title | org
        latest = self._titled(self._quoted[-1]) if self._quoted else None
        if latest and _continues(latest, title, org):
            return latest.name
        found = _best_fit(wanted, self.cards) or _best_fit(wanted, reversed(self.persons()))
        if found:
            return found.name
        if title & _LEADERSHIP:
            for person in chain(self._recent_speakers(), self._candidates()):
                if org <= person.words and _has_leadership(person.words):
                    return person.name
        return None

    def _recent_speakers(self) -> Iterator[Person]:
        """The speakers quoted so far, latest first (see `_titled`)."""
        for name in dict.fromkeys(reversed(self._quoted)):
            yield self._titled(name)

    def _titled(self, name: str) -> Person:
        """A speaker with every title known for them.

        Those of their card and of every mention of their name in the text
        (`INTERPOL Secretary General Mateus Ferreira`).
        """
        people = [p for p in self.cards if p.name == name]
        for i, text in enumerate(self.history):
            if name in text:  # only texts that mention them are read for names
                people.extend(p for p in self._named_in(i) if p.name == name)
        words = frozenset().union(*(p.words for p in people))
        return Person(name, name_key(tokens(name)), words)

    def _candidates(self) -> Iterator[Person]:
        """Speaker cards, then people named earlier, latest first (scanned only if reached)."""
        yield from self.cards
        yield from reversed(self.persons())

    def persons(self) -> list[Person]:
        """People named in the text so far, with their titles; scanned lazily."""
        while self._scanned < len(self.history):
            self._persons.extend(self._named_in(self._scanned))
            self._scanned += 1
        return self._persons

    def _named_in(self, i: int) -> list[Person]:
        """The people named in `history[i]` (final by the time a quote is read), read once."""
        found = self._named.get(i)
        if found is None:
            found = self._named[i] = named_persons(tokens(self.history[i]))
        return found


def _name_first(clause: list[str], apposition: list[str]) -> list[list[str]]:
    """Two sides of an apposition, the one that starts with a name first.

    Around `<descriptor>, <Name>` (`the head of Operation Trojan Shield,
    Kadri Öztürk`) the explicit name beats any capitalised words or title
    in the descriptor; `<Name>, <descriptor>` keeps its order.
    """
    if clause and apposition and not _starts_name(clause) and _starts_name(apposition):
        return [apposition, clause]
    return [clause, apposition]


def _starts_name(clause: Sequence[str]) -> bool:
    """A clause that opens with a name or a title, not with `the`, `our` or `Europol’s`."""
    return is_run_token(clause[0]) and clause[0].casefold() not in OPENERS


# Words for whoever is in charge, whatever their title.
_IN_CHARGE = wordset("chief head boss leader")
# Ranks below the one in charge.
_SECOND_RANKS = wordset("deputy vice assistant adjunct associate")
# Words that make a title a more specific rank of it: `the Director` is the
# Director rather than the Executive or Deputy Director when both are there.
_RANK_WORDS = wordset(
    "deputy vice assistant acting interim executive senior associate principal chief adjunct"
)


def _best_fit(wanted: frozenset[str] | set[str], people: Iterable[Person]) -> Person | None:
    """The first person whose title holds `wanted`; one with no other rank word wins."""
    first: Person | None = None
    for person in people:
        if wanted <= person.words:
            if not (person.words & _RANK_WORDS) - wanted:
                return person
            first = first or person
    return first


def _ends_name(clause: Sequence[str]) -> bool:
    """Whether the clause's last word, capitalised, ends a run of a name's words
    (`Aa It`, `Aa van der It`)."""
    return len(clause) > 1 and clause[-1][:1].isupper() and is_run_token(clause[-2])


def _longest_match(key: Sequence[str], people: Sequence[Person]) -> Person | None:
    best: Person | None = None
    for person in people:
        n = len(person.key)
        if not n or n > len(key) or (best and n <= len(best.key)):
            continue
        if any(tuple(key[i : i + n]) == person.key for i in range(len(key) - n + 1)):
            best = person
    return best


def _has_leadership(words: frozenset[str]) -> bool:
    return bool(words & _LEADERSHIP) or {"secretary", "general"} <= words


def _continues(person: Person, title: set[str], org: set[str]) -> bool:
    """Whether a reference fits the most recent speaker, who it then continues.

    It fits when their title holds all its words and no further rank (`the
    Director` does not continue the Deputy Director), or when it is only a
    word for the one in charge (`the agency’s chief`, `the INTERPOL Chief`)
    and they lead (`Executive Director`, `Secretary General`), not as a
    deputy, at the organisation it names.
    """
    wanted = title | org
    if wanted <= person.words and not (person.words & _RANK_WORDS) - wanted:
        return True
    return (
        title <= _IN_CHARGE
        and org <= person.words
        and _has_leadership(person.words)
        and not person.words & _SECOND_RANKS
    )
