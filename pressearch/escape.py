"""Article text is data, never markup: make it safe for terminals and spreadsheets.

Model: every string from an article or a file name passes through one of
these before it reaches a medium that may act on it. `visible` replaces
control characters one for one with a visible stand-in (so snippet match
offsets stay valid and no escape sequence reaches a terminal);
`visible_line` also shows tab and newline (paths, messages); `spreadsheet_cell`
neutralises formulas as OWASP advises. HTML escaping is Jinja2's autoescape.
"""

from __future__ import annotations

# C0 controls (but tab and newline), DEL and C1 controls become their visible
# "control picture" (or U+FFFD for C1), one character for one.
_CONTROL_PICTURES = {c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)}
_CONTROL_PICTURES[0x7F] = "\u2421"
_CONTROL_PICTURES.update({c: "\ufffd" for c in range(0x80, 0xA0)})
# Bidirectional overrides can reorder what the user sees; show them as U+FFFD too.
_CONTROL_PICTURES.update({c: "\ufffd" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})
_LINE_PICTURES = {0x09: "\u2409", 0x0A: "\u240a"}

# A cell starting with one of these is a formula to Excel, LibreOffice and
# Google Sheets (tab and carriage return too, OWASP's CSV injection page).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def visible(text: str) -> str:
    """`text` with every control character replaced by a visible stand-in."""
    return text.translate(_CONTROL_PICTURES)


def visible_line(text: str) -> str:
    """`visible(text)` on one line: tab and newline shown too (file names, paths, messages)."""
    return visible(text).translate(_LINE_PICTURES)


def spreadsheet_cell(text: str) -> str:
    """`text` that a spreadsheet shows as text, never runs as a formula.

    OWASP's advice: prefix a cell that starts like a formula with a single
    quote, which spreadsheets take as "this is text" and do not show.
    """
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
