"""The Whoosh schema, the text analysis, and the names of the index's fields.

Model: one Whoosh document per article. Text fields (headline, body, quotes,
speaker, role) go through `PressAnalyzer`; facets are `facet_<name>` fields
whose tokens are the values exactly as displayed, with a column for counting;
the whole `Article` is kept as one stored JSON record for display. The schema
carries `SCHEMA_VERSION`; bump it whenever anything here changes how an
existing index must be read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh import fields, formats
from whoosh.analysis import Analyzer, RegexTokenizer, Token
from whoosh.support.charset import accent_map

SCHEMA_VERSION = 1

# Text fields searched by a bare query word, with their BM25F weights:
# a headline match counts most, then quotes, then the body.
TEXT_FIELDS: dict[str, float] = {
    "headline": 3.0,
    "quotes": 1.5,
    "body": 1.0,
    "speaker": 1.0,
    "role": 0.5,
}
DEFAULT_SEARCH_FIELDS = ("headline", "body", "quotes", "speaker")

FACET_PREFIX = "facet_"
# Facets every article may have besides its taxonomy labels.
BUILTIN_FACETS = ("year", "month", "type", "source")
STANDARD_FACETS = ("target_group", "crime_area", "entity", "organisation")
# Separates the values of a multi-valued facet inside one field value.
VALUE_SEPARATOR = "\x1f"


def facet_field(name: str) -> str:
    """The index field holding facet `name` (`target_group` → `facet_target_group`)."""
    return FACET_PREFIX + name


def fold(text: str) -> str:
    """Case- and accent-fold `text` the way the index does (`Šileris` → `sileris`)."""
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
_JOINERS = re.compile(r"[-.']")


@lru_cache(maxsize=1)
def _english_stemmer() -> Any:
    import Stemmer  # PyStemmer: the C Snowball stemmer, ~20x faster than pure Python

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """English (Porter2) stem of a folded word, cached: corpora repeat words."""
    stemmed: str = _english_stemmer().stemWord(word)
    return stemmed


class PressAnalyzer(Analyzer):  # type: ignore[misc]
    """Tokenize, fold case and accents, drop stop words, stem — in one pass.

    A compound word (`COVID-19`, `4.5`, `O'Brien`) is indexed whole and as
    its parts, all at the same position, so `covid` finds `COVID-19` while
    the query `COVID-19` (analysed whole in query mode) finds only the
    compound. A trailing possessive `'s` is dropped. Stop words are removed
    without leaving gaps, so phrase queries skip them on both sides.
    `stemming=False` builds the variant used for names (speaker field).
    """

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
        do_stem = self.stemming and not no_morph
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
        pos = start_pos
        for match in _WORD.finditer(value):
            word = fold(match.group())
            if word.endswith("'s"):
                word = word[:-2]
            if not word:
                continue
            if _JOINERS.search(word):
                parts = [p for p in _JOINERS.split(word) if p]
                emitted = [word]
                if not query_mode:
                    emitted += [self._term(p, do_stem) for p in parts if p not in STOP_WORDS]
            elif removestops and word in STOP_WORDS:
                continue
            else:
                emitted = [self._term(word, do_stem)]
            for text in dict.fromkeys(emitted):  # unique, in order
                token.text = text
                if keeporiginal:
                    token.original = match.group()
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + match.start()
                    token.endchar = start_char + match.end()
                yield token
            pos += 1

    @staticmethod
    def _term(word: str, do_stem: bool) -> str:
        return stem(word) if do_stem else word


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
        headline=fields.TEXT(
            analyzer=text, field_boost=TEXT_FIELDS["headline"], spelling=True
        ),
        body=fields.TEXT(analyzer=text, field_boost=TEXT_FIELDS["body"], spelling=True),
        quotes=fields.TEXT(analyzer=text, field_boost=TEXT_FIELDS["quotes"]),
        speaker=fields.TEXT(analyzer=names, field_boost=TEXT_FIELDS["speaker"]),
        role=fields.TEXT(analyzer=text, field_boost=TEXT_FIELDS["role"]),
        date=fields.DATETIME(sortable=True),
        record=fields.STORED(),
    )
    schema.add(FACET_PREFIX + "*", FacetValues(), glob=True)
    return schema
