"""The words of a phrase as the index holds them: stop words in or out.

Model: a bare query word that is a stop word is left out (it would match
nearly every article). In a phrase, a stop word holds a place: where the
analyzer indexes stop words at their positions (`stop_words_indexed`), a
phrase keeps them, so `"want sure"` does not match "want to be sure" and
`"to be or not to be"` is a phrase of six words; where it does not, a phrase
leaves them out as the index did.
"""

from __future__ import annotations

from typing import Any


def phrase_words(analyzer: Any, text: str) -> list[str]:
    """The terms of phrase `text` under `analyzer` (query mode)."""
    keep = bool(getattr(analyzer, "stop_words_indexed", False))
    return [token.text for token in analyzer(text, mode="query", removestops=not keep)]
