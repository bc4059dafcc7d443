"""The query tree: what a query says, as pressearch's own typed nodes.

Model: `parse` turns the typed text into these frozen nodes without reading
an index; `search.compile` turns them into an engine's queries; `--explain`,
highlighting, did-you-mean and the date-column matcher read them. Every node
carries `start` and `end`, the character span of the text it came from, so an
error found later (an unknown facet, a wildcard that expands too far) can
still point at its place. Field names are canonical (`normalize_name`);
words are kept as typed (escapes resolved): analysis (folding, stemming,
splitting compounds) belongs to the index, so it happens when compiling.

A `Boolean` follows Lucene's BooleanQuery: with `must` parts, every one must
match and `should` parts only add to the score; without them, at least one
`should` part must match; `must_not` parts exclude. A Boolean with only
`must_not` parts matches every article except those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    """One word as typed (`europol`, `COVID-19`); searched in the field around it."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Phrase:
    """Words in this order; with `slop` > 0 within that many moves (Lucene's slop)."""

    text: str
    slop: int
    start: int
    end: int


@dataclass(frozen=True)
class Wildcard:
    """A word pattern: `*` any letters, `?` one letter (`cyber*`, `organi?ation`)."""

    pattern: str
    start: int
    end: int


@dataclass(frozen=True)
class Fuzzy:
    """Words within `distance` edits of `text` (`cybercrme~`, `cybercrme~2`)."""

    text: str
    distance: int
    start: int
    end: int


@dataclass(frozen=True)
class FacetValue:
    """A facet's value as typed (`type:"press release"`), or a pattern of values.

    `facet` is the canonical name the user typed; whether the index holds
    such a facet is checked when compiling (`name_start` marks the name).
    """

    facet: str
    value: str
    pattern: bool
    start: int
    end: int
    name_start: int


@dataclass(frozen=True)
class FacetRange:
    """Values of a facet between two bounds, compared as text (`year:[2018 TO 2020]`)."""

    facet: str
    low: str | None
    high: str | None
    low_inclusive: bool
    high_inclusive: bool
    start: int
    end: int
    name_start: int


@dataclass(frozen=True)
class DateRange:
    """Articles dated between two instants, resolved when the query was read.

    `low`/`high` are None for an open end; an exclusive end leaves the
    instant itself out. `relative` tells whether `now` went into it.
    """

    low: dt.datetime | None
    high: dt.datetime | None
    low_inclusive: bool
    high_inclusive: bool
    relative: bool
    start: int
    end: int


@dataclass(frozen=True)
class Field:
    """`field:child`: the child's words searched in one text field (or the URL)."""

    field: str
    child: Node
    start: int
    end: int


@dataclass(frozen=True)
class Boost:
    """`child^factor`: the child counts `factor` times in the ranking."""

    child: Node
    factor: float
    start: int
    end: int


@dataclass(frozen=True)
class Boolean:
    """Parts that must, should and must not match (see the module's model)."""

    must: tuple[Node, ...]
    should: tuple[Node, ...]
    must_not: tuple[Node, ...]
    start: int
    end: int


@dataclass(frozen=True)
class MatchAll:
    """Every article: a query of only filters or dates."""

    start: int = 0
    end: int = 0


Leaf = Word | Phrase | Wildcard | Fuzzy | FacetValue | FacetRange | DateRange | MatchAll
Node = Leaf | Field | Boost | Boolean


def children(node: Node) -> tuple[Node, ...]:
    """The nodes directly under `node`."""
    if isinstance(node, (Field, Boost)):
        return (node.child,)
    if isinstance(node, Boolean):
        return (*node.must, *node.should, *node.must_not)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """`node` and every node under it, parents first."""
    yield node
    for child in children(node):
        yield from walk(child)


def positive_leaves(node: Node, field: str | None = None) -> Iterator[tuple[str | None, Leaf]]:
    """(text field or None for the default fields, leaf) for every leaf not excluded.

    What highlighting and did-you-mean look at: the parts of the query that
    an article's text can show.
    """
    if isinstance(node, Field):
        yield from positive_leaves(node.child, node.field)
    elif isinstance(node, Boost):
        yield from positive_leaves(node.child, field)
    elif isinstance(node, Boolean):
        for child in (*node.must, *node.should):
            yield from positive_leaves(child, field)
    else:
        yield field, node
