"""How query errors and explanations show what the user typed.

Model: a message quotes the user's text on one line, so control characters
(newlines, terminal escapes) are written as escapes and long text is cut.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from pressearch.vocabulary import ALIASES


def escape(text: str) -> str:
    """`text` with control characters (newlines, ANSI escapes...) written as escapes."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch)[0] == "C" else ch
        for ch in text
    )


def show(text: str, limit: int = 40) -> str:
    """`text` quoted for a one-line message: control characters escaped, shortened."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{escape(text)}'"


def thousands(n: int) -> str:
    """`n` with thousands separators, as limits read in messages (20,000)."""
    return f"{n:,}"


def unknown(kind: str, name: str, where: str, known: Sequence[str]) -> str:
    """Message for an unknown field or facet name, with the closest known one."""
    import difflib  # for errors only: ~1 ms of a one-off query's imports

    close = difflib.get_close_matches(name.lower(), [*known, *ALIASES], n=1)
    listed = ", ".join(known)
    hint = (
        f"did you mean '{close[0]}'? {kind.capitalize()}s: {listed}"
        if close
        else f"{kind}s: {listed}"
    )
    return f"unknown {kind} {show(name)} {where} — {hint}"
