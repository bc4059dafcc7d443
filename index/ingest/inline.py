"""Inline Markdown read as plain text.

Model: a piece of inline Markdown (a headline, a paragraph, a link text, a
role) becomes the text a reader sees: links and images give their text,
escapes and entities are undone, emphasis marks vanish, line breaks become
spaces. markdown-it-py reads it, with cheaper exact paths for the common
cases and a regex fallback for text too long for it.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

from pressearch.index.ingest.cleaning import tidy

# Only the inline rules the format needs, so parsing is cheap.
_MD = MarkdownIt("zero").enable(
    ["escape", "backticks", "emphasis", "link", "image", "autolink", "entity", "newline"]
)
# Text without any of these characters has no inline Markdown: skip the parser.
_INLINE_SPECIAL = re.compile(r"[\\`*_\[<&]")
_TEXT_TOKENS = frozenset({"text", "text_special", "code_inline", "image"})
# A link, `[text](url)`; the text (group 1) may hold escaped brackets.
LINK = r"\[((?:\\.|[^\\\[\]])*)\]\([^()\s]*\)"
LINK_RE = re.compile(LINK)
# The format's own link shape, `[text](#)` with plain text inside.
_SIMPLE_LINK_RE = re.compile(r"!?\[([^\[\]\\`*_<&]*)\]\(#\)")


# Longer inline text than this is not given to markdown-it, whose inline
# parser costs up to ~10 µs a character on pathological input (a 1 MB line
# of `![a](` takes 9 s). No real paragraph is this long; such text is read
# with regexes instead: links and images unwrapped, escapes and entities undone.
_MAX_INLINE_CHARS = 100_000
_ANY_LINK_RE = re.compile(r"!?\[([^\[\]]*)\]\([^()\s]*\)")
_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")


def inline_text(source: str) -> str:
    """Plain text of one piece of inline Markdown: links unwrapped, escapes undone."""
    if not _INLINE_SPECIAL.search(source):
        return tidy(source)
    if len(source) > _MAX_INLINE_CHARS:
        return tidy(html.unescape(_ESCAPE_RE.sub(r"\1", _ANY_LINK_RE.sub(r"\1", source))))
    if "](#)" in source:
        # markdown-it spends ~40 µs on a paragraph with one link; when the only
        # markup is `[text](#)` links the result is known without it. Any other
        # markup left over (code spans, escapes, emphasis) needs the parser.
        plain = _SIMPLE_LINK_RE.sub(r"\1", source)
        if not _INLINE_SPECIAL.search(plain):
            return tidy(plain)
    parts: list[str] = []
    for token in _MD.parseInline(source)[0].children or ():
        if token.type in _TEXT_TOKENS:
            parts.append(token.content)  # an image contributes its alt text
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return tidy("".join(parts))
