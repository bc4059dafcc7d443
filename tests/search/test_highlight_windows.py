"""A fragment's edges move to the nearest word boundary within reach, or stay.

The highlighter finds that boundary with one regex search; here against its
definition, walked one character at a time: an offset is a boundary at
either end of the text or beside whitespace (`str.isspace`, which `\\s`
matches code point for code point), and an edge moves at most
`_WORD_REACH` characters to reach one.
"""

from __future__ import annotations

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from pressearch.search.highlight import _WORD_REACH, _word_end, _word_start

# Letters, spaces of several kinds, and words long enough to be out of reach.
TEXTS = st.lists(
    st.sampled_from(["a", "b", "é", " ", "\n", "\u00a0", "\u2003", "x" * (_WORD_REACH + 3)]),
    max_size=30,
).map("".join)


def _at_boundary(text: str, i: int) -> bool:
    return i <= 0 or i >= len(text) or text[i - 1].isspace() or text[i].isspace()


def _walked_start(text: str, start: int) -> int:
    i = start
    while not _at_boundary(text, i) and i > start - _WORD_REACH:
        i -= 1
    return i if _at_boundary(text, i) else start


def _walked_end(text: str, end: int) -> int:
    i = end
    while not _at_boundary(text, i) and i < end + _WORD_REACH:
        i += 1
    return i if _at_boundary(text, i) else end


@settings(max_examples=500, deadline=None)
@given(data=st.data(), text=TEXTS)
def test_edges_move_as_walking_would_move_them(data: st.DataObject, text: str) -> None:
    offset = data.draw(st.integers(0, len(text)))
    assert _word_start(text, offset) == _walked_start(text, offset)
    assert _word_end(text, offset) == _walked_end(text, offset)


def test_whitespace_is_what_str_isspace_says() -> None:
    space = re.compile(r"\s")
    differ = [c for c in range(sys.maxunicode + 1) if bool(space.match(chr(c))) != chr(c).isspace()]
    assert differ == []
