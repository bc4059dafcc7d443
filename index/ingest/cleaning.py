"""Text cleaning shared by every reader.

Model: decoded text becomes lines with Unix line ends, no control
characters and plain spaces for non-breaking ones; one line of display text
has its whitespace runs collapsed to single spaces.
"""

from __future__ import annotations

import re

# C0/C1 control characters (except newline and tab) are dropped so that no
# field can move the terminal's cursor or change its colours when displayed.
# Non-breaking spaces become plain spaces: they only carry layout, and users
# type plain spaces, so "2 000" must match the same phrase as "2\u00a0000".
# U+FEFF (BOM / zero-width no-break space) is invisible and dropped anywhere.
# (Regexes, not str.translate: a translate table is far slower on non-ASCII text.)
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")
_NBSP_RE = re.compile("[\u00a0\u2007\u202f]")


def clean(text: str) -> str:
    """Normalise line ends, drop control characters, make non-breaking spaces plain."""
    return "\n".join(clean_lines(text))


def clean_lines(text: str) -> list[str]:
    """The cleaned lines of a text (see `clean`)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        # Most lines are printable (no controls, no special spaces): skip the regexes.
        if not line.isprintable():
            lines[i] = _NBSP_RE.sub(" ", _CONTROL_RE.sub("", line))
    return lines


def tidy(text: str) -> str:
    """One line of text: whitespace runs become one space (Markdown renders them so)."""
    return " ".join(text.split())
