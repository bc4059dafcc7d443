"""A file's bytes as text.

Model: an article file is UTF-8 (a byte order mark is dropped); UTF-16 with
a byte order mark is read too. Bytes that are not UTF-8 but read as legible
Windows-1252 text (mostly ASCII: a Latin-1 era file) are decoded so, with a
warning. Anything else fails with a reason the user can act on: an
unreadable file (the OS's reason), a file too large to be an article, a
binary file, bytes that are no text, or a file with nothing but whitespace.
"""

from __future__ import annotations

import codecs
import os
import re

from pressearch.errors import ArticleParseError

# An article file (or one JSON Lines line) larger than this is reported and
# skipped: no press article comes near it, and indexing one would take
# minutes and gigabytes. Decimal megabytes, as in the message.
MAX_FILE_BYTES = 20_000_000

# Bytes that never occur in text files (tab, newline, form feed, CR excepted).
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0C, 0x0D)) + b"\x7f"
SAMPLE_BYTES = 65536  # the first bytes of a file, whose control bytes tell a binary file
_BINARY_SHARE = 0.10  # more control bytes than this in the sample: binary
_LEGIBLE_SHARE = 0.70  # Windows-1252 text must be mostly ASCII letters, digits, spaces
_NOT_ASCII_TEXT_RE = re.compile("[^\x20-\x7e\n\t\r]")
_CP1252_WARNING = "not UTF-8; decoded as Windows-1252"


def load(path: str, *, whole_file_limit: bool) -> tuple[str, tuple[str, ...]]:
    """The text of the file at `path` and any warnings; ArticleParseError when there is none.

    Without `whole_file_limit` the file is read whatever its size: its reader
    applies the limit to each article (a JSON Lines file holds many).
    """
    try:
        with open(path, "rb") as handle:
            if not whole_file_limit:
                data = handle.read()
            else:
                # One byte past the limit tells a too-large file without reading it all.
                data = handle.read(MAX_FILE_BYTES + 1)
                size = max(len(data), os.fstat(handle.fileno()).st_size)
    except OSError as exc:
        raise ArticleParseError(path, (exc.strerror or str(exc)).lower()) from None
    if whole_file_limit and len(data) > MAX_FILE_BYTES:
        limit = f"{MAX_FILE_BYTES / 1e6:g} MB"
        raise ArticleParseError(path, f"file too large ({size / 1e6:.1f} MB > {limit} limit)")
    text, warnings = decode(data, path)
    if not text.strip():
        raise ArticleParseError(path, "empty file")
    return text, warnings


def decode(data: bytes, where: str) -> tuple[str, tuple[str, ...]]:
    """The text of a file's bytes and any warnings; ArticleParseError when not text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), ()
        except UnicodeDecodeError:
            reason = "invalid UTF-16 text; re-save the file as UTF-8"
            raise ArticleParseError(where, reason) from None
    sample = data[:SAMPLE_BYTES]
    if b"\x00" in data or len(sample) - len(sample.translate(None, _CONTROL_BYTES)) > (
        _BINARY_SHARE * len(sample)
    ):
        raise ArticleParseError(where, "binary file")
    try:
        return data.decode("utf-8-sig"), ()
    except UnicodeDecodeError as exc:
        bad = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text and len(_NOT_ASCII_TEXT_RE.findall(text)) <= (1 - _LEGIBLE_SHARE) * len(text):
        return text, (_CP1252_WARNING,)
    raise ArticleParseError(
        where, f"not UTF-8 ({bad}) and not legible text; re-save the file as UTF-8"
    )
