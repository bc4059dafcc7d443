"""The Whoosh schema, the text analysis, and the names of the index's fields.

Model: one Whoosh document per article. Text fields (headline, body, quotes,
speaker, role) go through `PressAnalyzer`; facets are `facet_<name>` fields
whose tokens are the values exactly as displayed, with a column for counting;
the whole `Article` is kept as one stored JSON record for display, and a
hash of its normalised text (`text_hash`) tells identical copies apart from
merely similar ones, and a column of its MinHash band keys (`band_keys`,
computed while indexing, see `index.minhash.column_value`) proposes the
near-duplicate pairs (`index.near_duplicates`). The schema
carries `SCHEMA_VERSION`; bump it whenever anything here changes how an
existing index must be read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import chain, compress
from typing import Any

from whoosh import columns, fields, formats
from whoosh.analysis import Analyzer, RegexTokenizer, Token
from whoosh.support.charset import accent_map

from pressearch.index.whoosh_internals import PressPositions, encode_positions
from pressearch.vocabulary import TEXT_FIELDS

SCHEMA_VERSION = 5

FACET_PREFIX = "facet_"

# Separates the values of a multi-valued facet inside one field value.
VALUE_SEPARATOR = "\x1f"


def facet_field(name: str) -> str:
    """The index field holding facet `name` (`target_group` → `facet_target_group`)."""
    return FACET_PREFIX + name


def text_hash(headline: str, body: str, quotes: Iterable[str]) -> str:
    """What identical articles share: a hash of their normalised text.

    The headline, body and quotes, each with its whitespace collapsed and
    case-folded, so that copies saved from two pages (line breaks, spaces,
    capitals apart) are one article for the query layer, which collapses
    hits of equal `text_hash` (stored and in a column). The parts are kept
    apart by a separator, so that text moved from headline to body differs.
    """
    parts = (" ".join(part.split()).casefold() for part in (headline, body, *quotes))
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def fold(text: str) -> str:
    """Case- and accent-fold `text` the way the index does (`Šileris` → `sileris`)."""
    if text.isascii():
        # Lower-cased ASCII is left as it is by both (accent_map maps its few
        # ASCII keys, lower-case after lower(), to themselves).
        return text.lower()
    return text.lower().replace("’", "'").translate(accent_map)


# English stop words: function words that carry no topic. Kept small on purpose
# so that names and numbers ("US", "IT", "one") stay searchable.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves""".split()
)

# A word, possibly joined to more words by hyphens, dots or apostrophes:
# COVID-19, 4.5, O'Brien, agency’s. \w covers accented letters and digits.
WORD_PATTERN = r"\w+(?:[-.'’]\w+)*"
_WORD = re.compile(WORD_PATTERN)
# ASCII bytes that are neither a word character nor a joiner become spaces;
# the others, and every byte of a character beyond ASCII, stay (`split_words`).
_WORD_BYTES = bytes(
    c if c >= 0x80 or chr(c).isalnum() or chr(c) in "_-.'" else 0x20 for c in range(256)
)


def split_words(text: str) -> list[str]:
    """The words of `text` as `WORD_PATTERN` cuts them: `re.findall`'s list, found faster.

    Python's regex engine walks the text a character at a time; here the
    ASCII characters that no word holds become spaces (`bytes.translate`)
    and `str.split` cuts there and at any other whitespace, both in C. A
    piece of letters and digits alone (`str.isalnum`, what `\\w` means but
    `_`) is one word; the pattern reads only the other pieces (joiners,
    underscores, punctuation beyond ASCII). No word spans a space, and the
    pattern looks neither behind nor ahead, so the words are the same (a
    Hypothesis test compares them); about 1.5x faster on press text.
    """
    pieces = (
        text.encode("utf-8", "surrogatepass")
        .translate(_WORD_BYTES)
        .decode("utf-8", "surrogatepass")
        .split()
    )
    found: list[str] = []
    pattern = _WORD.findall
    for piece in pieces:
        if piece.isalnum():
            found.append(piece)
        else:
            found.extend(pattern(piece))
    return found


# Marks an indexed stop word: no analysed word starts with it.
STOP_MARK = "~"
_JOINERS = re.compile(r"[-.']")


@lru_cache(maxsize=1)
def _english_stemmer() -> Any:
    import Stemmer  # PyStemmer: the C Snowball stemmer, ~20x faster than pure Python

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """English (Porter2) stem of a folded word, cached: corpora repeat words."""
    stemmed: str = _english_stemmer().stemWord(word)
    return stemmed


class PressAnalyzer(Analyzer):  # type: ignore[misc]
    """Tokenize, fold case and accents, drop stop words, stem — in one pass.

    A compound word (`COVID-19`, `4.5`, `O'Brien`) is indexed whole and as
    its parts, all at the same position, so `covid` finds `COVID-19` while
    the query `COVID-19` (analysed whole in query mode) finds only the
    compound. A trailing possessive `'s` is dropped. Stop words are indexed
    too, each at its own position, so that a phrase matches only where its
    words stand that way (`"want sure"` is not "want to be sure") and a
    phrase of stop words (`"to be or not to be"`, `"The Who"`) is found. They
    are indexed unstemmed behind `STOP_MARK` (`~the`), so that no word
    stemmed to the same letters (downing → down) finds them, and they add
    nothing to a field's length (see `PressText`), so ranking is as without
    them. A query leaves them out of its bare words (Whoosh's `removestops`,
    on by default), where they would match nearly every article; a phrase
    keeps them (`stop_words_indexed` tells the query layer so).
    `stemming=False` builds the variant used for names (speaker field).
    """

    stop_words_indexed = True

    def __init__(self, stemming: bool = True) -> None:
        self.stemming = stemming

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PressAnalyzer) and other.stemming == self.stemming

    def __hash__(self) -> int:
        return hash((PressAnalyzer, self.stemming))

    def has_morph(self) -> bool:
        return self.stemming

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        no_morph = kwargs.pop("no_morph", False)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        token.stopped = False
        if not tokenize:
            # Wildcards, prefixes and fuzzy terms: fold only, never stem.
            token.text = fold(value)
            if keeporiginal:
                token.original = value
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        query_mode = mode == "query"
        forms_of = _forms_cache(
            self.stemming and not no_morph, query_mode, removestops and query_mode
        )
        pos = start_pos
        for match in _WORD.finditer(value):
            surface = match.group()
            emitted = forms_of.get(surface)
            if emitted is None:
                emitted = forms_of.compute(surface)
            if not emitted:
                continue
            for text in emitted:
                token.text = text
                if keeporiginal:
                    token.original = surface
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + match.start()
                    token.endchar = start_char + match.end()
                yield token
            pos += 1

    def word_forms(self, surfaces: list[str]) -> list[tuple[str, ...]]:
        """The terms each of `surfaces` (words as `WORD_PATTERN` cuts them) is indexed
        as, in order; none for a word that takes no position (`word_spans`' forms)."""
        return _forms_cache(self.stemming, False, False).lookup(surfaces)

    def word_spans(self, value: str) -> Iterator[tuple[int, int, int, tuple[str, ...]]]:
        """(position, start, end, indexed terms) of each word of `value`, as indexed.

        The tokens `__call__` yields in index mode, grouped by position,
        without Token objects.
        """
        forms_of = _forms_cache(self.stemming, False, False)
        pos = 0
        for match in _WORD.finditer(value):
            surface = match.group()
            emitted = forms_of.get(surface)
            if emitted is None:
                emitted = forms_of.compute(surface)
            if emitted:
                yield pos, match.start(), match.end(), emitted
                pos += 1

    def index_terms(self, value: str) -> tuple[dict[str, list[int]], set[str]]:
        """Each indexed term of `value` with its positions, and the unstemmed words.

        What `__call__` yields in index mode, gathered without Token objects,
        plus the unstemmed forms (the spelling words, stop words left out)
        from the same pass.
        """
        surfaces = split_words(value)
        forms = _forms_cache(self.stemming, False, False).lookup(surfaces)
        if () in forms:  # a word indexed as nothing takes no position
            kept = list(map(bool, forms))
            surfaces = list(compress(surfaces, kept))
            forms = list(compress(forms, kept))
        positions: dict[str, list[int]] = {}
        terms = list(chain.from_iterable(forms))
        if len(terms) == len(forms):  # one term a word, as most words are
            for pos, text in enumerate(terms):
                positions.setdefault(text, []).append(pos)
        else:
            for pos, emitted in enumerate(forms):
                for text in emitted:
                    positions.setdefault(text, []).append(pos)
        plain = _forms_cache(False, False, True).lookup(list(dict.fromkeys(surfaces)))
        return positions, set(chain.from_iterable(plain))


class _Forms(dict[str, tuple[str, ...]]):
    """Surface word → the terms it is indexed as (empty: skipped), for one analysis mode.

    Press text repeats its words, so each distinct surface form is folded,
    split and stemmed once; the table is emptied when it grows past
    `_FORMS_MAX` entries, which bounds its memory on any corpus.
    """

    def __init__(self, stemming: bool, query_mode: bool, removestops: bool) -> None:
        super().__init__()
        self.stemming = stemming
        self.query_mode = query_mode
        self.removestops = removestops

    def compute(self, surface: str) -> tuple[str, ...]:
        word = fold(surface)
        if word.endswith("'s"):
            word = word[:-2]
        forms: tuple[str, ...]
        if not word:
            forms = ()
        elif _JOINERS.search(word):
            emitted = [word]
            if not self.query_mode:
                parts = [p for p in _JOINERS.split(word) if p]
                emitted += [self._term(p) for p in parts if p not in STOP_WORDS]
            forms = tuple(dict.fromkeys(emitted))  # unique, in order
        elif word in STOP_WORDS:
            forms = () if self.removestops else (STOP_MARK + word,)
        else:
            forms = (self._term(word),)
        if len(self) >= _FORMS_MAX:
            self.clear()
        self[surface] = forms
        return forms

    def _term(self, word: str) -> str:
        return stem(word) if self.stemming else word

    def lookup(self, surfaces: list[str]) -> list[tuple[str, ...]]:
        """The terms of each of `surfaces`, in order."""
        forms: list[Any] = list(map(self.get, surfaces))
        if None in forms:
            # Only the words not yet seen (found in C, not by a loop over all).
            i = forms.index(None)
            try:
                while True:
                    forms[i] = self.compute(surfaces[i])
                    i = forms.index(None, i + 1)
            except ValueError:
                pass
        return forms


_FORMS_MAX = 100_000
_FORMS: dict[tuple[bool, bool, bool], _Forms] = {}


def _forms_cache(stemming: bool, query_mode: bool, removestops: bool) -> _Forms:
    key = (stemming, query_mode, removestops)
    table = _FORMS.get(key)
    if table is None:
        table = _FORMS[key] = _Forms(*key)
    return table


class PressText(fields.TEXT):  # type: ignore[misc]
    """A TEXT field analysed by `PressAnalyzer` in a single pass per value.

    Whoosh's TEXT analyses a value once for its postings and, with
    `spelling=True`, a second time without stemming for the spelling words;
    here one pass gives both (the second call reuses the first's words).

    Whoosh posts each document's spelling words separately (one posting per
    word and document, all on the segment's first document). The indexer
    sets `spelling_counts` to a Counter instead: the words are counted there
    and posted once per segment with their document count as weight (see
    `index.segments`), which gives the same word frequencies with far fewer
    postings. A stop word's postings add nothing to the field's length.
    """

    spelling_counts: Counter[str] | None = None
    _spelling: tuple[str, set[str]] | None = None
    format: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if type(self.format) is formats.Positions:
            # Positions as varint gaps: a few bytes a posting, not a pickle.
            self.format = PressPositions(field_boost=self.format.field_boost)

    def index(self, value: Any, **kwargs: Any) -> Iterable[tuple[bytes, int, float, bytes]]:
        analyzer = self.analyzer
        if (
            not isinstance(value, str)
            or not isinstance(analyzer, PressAnalyzer)
            or type(self.format) is not PressPositions
            or kwargs.get("mode", "index") != "index"
        ):
            indexed: Iterable[tuple[bytes, int, float, bytes]] = super().index(value, **kwargs)
            return indexed
        positions, words = analyzer.index_terms(value)
        self._spelling = (value, words)
        weights = _weights_of(self.format.field_boost)
        # A stop word is scored where a phrase holds it, but is no part of
        # the field's length: lengths, and so ranking, stay as without it.
        return [
            (
                text.encode("utf-8"),
                0 if text[0] == STOP_MARK else len(at),
                weights[len(at)] if len(at) < _WEIGHTS else len(at) * weights[1],
                encode_positions(at),
            )
            for text, at in positions.items()
        ]

    def spellable_words(self, value: Any) -> Iterator[str]:
        last = self._spelling
        self._spelling = None
        if last is not None and last[0] is value:
            words: Iterable[str] = last[1]
        else:
            words = super().spellable_words(value)
        if self.spelling_counts is not None:
            self.spelling_counts.update(words)
            return iter(())
        return iter(sorted(words))

    def __getstate__(self) -> dict[str, Any]:
        # The schema is pickled into the index: leave the indexing state out.
        state = dict(self.__dict__)
        state.pop("_spelling", None)
        state.pop("spelling_counts", None)
        return state


# A posting's weight is its frequency times the field's boost: one float
# object for each of the common frequencies, shared by all their postings.
_WEIGHTS = 64


@lru_cache(maxsize=16)
def _weights_of(boost: float) -> list[float]:
    return [n * boost for n in range(_WEIGHTS)]


class FacetValues(fields.FieldType):  # type: ignore[misc]
    """A multi-valued facet: each value is one token, kept exactly as displayed.

    Index it with the values joined by `VALUE_SEPARATOR`. The same joined
    string is kept in a column, which is what facet counting reads.
    """

    def __init__(self) -> None:
        super().__init__(
            format=formats.Existence(),
            analyzer=RegexTokenizer("[^" + VALUE_SEPARATOR + "]+"),
            sortable=True,
        )

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str) or kwargs:
            yield from super().index(value, **kwargs)
            return
        # What the separator tokenizer and the Existence format make of the
        # value, without building a Token per value.
        boost = self.format.field_boost
        for word in {v for v in value.split(VALUE_SEPARATOR) if v}:
            yield word.encode("utf-8"), 1, boost, b""


class PressDate(fields.DATETIME):  # type: ignore[misc]
    """A DATETIME whose index terms are computed once per distinct date.

    Each date is indexed as several trie terms, which costs ~80 µs to
    compute, and an archive holds far fewer dates than articles.
    """

    def index(self, num: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(num, dt.datetime) or kwargs:
            yield from super().index(num, **kwargs)
            return
        terms = _DATE_TERMS.get(num)
        if terms is None:
            if len(_DATE_TERMS) >= _DATE_TERMS_MAX:
                _DATE_TERMS.clear()
            terms = _DATE_TERMS[num] = tuple(super().index(num))
        yield from terms


_DATE_TERMS_MAX = 50_000
_DATE_TERMS: dict[dt.datetime, tuple[tuple[bytes, int, float, bytes], ...]] = {}


def join_values(values: tuple[str, ...] | list[str]) -> str:
    """Join facet values for a `FacetValues` field."""
    return VALUE_SEPARATOR.join(v.replace(VALUE_SEPARATOR, " ") for v in values)


def split_values(joined: str | bytes) -> list[str]:
    """Split a `FacetValues` column value back into its values."""
    if isinstance(joined, bytes):
        joined = joined.decode("utf-8")
    return [v for v in joined.split(VALUE_SEPARATOR) if v]


def build_schema() -> fields.Schema:
    """The schema of a pressearch index (version `SCHEMA_VERSION`)."""
    text = PressAnalyzer()
    names = PressAnalyzer(stemming=False)
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        path=fields.ID(stored=True, sortable=True),
        # "mtime_ns:size" of the file the article came from: change detection.
        filesig=fields.ID(sortable=True),
        url=fields.ID(sortable=True),
        # Equal for articles of identical text (see `text_hash`).
        text_hash=fields.ID(stored=True, sortable=True),
        headline=PressText(analyzer=text, field_boost=TEXT_FIELDS["headline"], spelling=True),
        body=PressText(analyzer=text, field_boost=TEXT_FIELDS["body"], spelling=True),
        quotes=PressText(analyzer=text, field_boost=TEXT_FIELDS["quotes"]),
        speaker=PressText(analyzer=names, field_boost=TEXT_FIELDS["speaker"]),
        role=PressText(analyzer=text, field_boost=TEXT_FIELDS["role"]),
        date=PressDate(sortable=True),
        # BANDS uint32 an article (none when too short): a column only, not indexed.
        band_keys=fields.COLUMN(columns.VarBytesColumn()),
        record=fields.STORED(),
    )
    schema.add(FACET_PREFIX + "*", FacetValues(), glob=True)
    return schema
