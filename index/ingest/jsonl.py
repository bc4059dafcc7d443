"""JSON Lines archives (`.jsonl`): one article per line.

Model: each non-empty line is a JSON object in the shape of
`Article.to_dict()` (`headline`, `body`, `url`, `source`, `date`, `type`,
`speakers`, `quotes`, `taxonomy`, `id`; every field optional except that a
line needs a headline or a body). A bad line is an error naming
`file:line` and the others are still read; a line longer than the file
size limit is reported without being parsed.

A large file can be read in parts, byte ranges cut at line ends
(`read_jsonl_part`): a part is told the number of its first line, so its
errors and the ids made from line numbers are the whole file's, and it is
decoded as the whole file would be, or not at all (then the whole file is
read: only it can say that it is not UTF-8, or binary).
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from pressearch.errors import ArticleParseError
from pressearch.index.ingest import decoding
from pressearch.index.ingest.cleaning import clean, clean_lines, tidy
from pressearch.index.ingest.dates import date_value
from pressearch.index.ingest.identity import article_id, is_absolute_url, source_host
from pressearch.index.ingest.parsed import ParsedFile
from pressearch.models import Article, Quote, Speaker
from pressearch.vocabulary import facet_name


def read_jsonl(text: str, *, path: str, rel_path: str) -> ParsedFile:
    """Every line's article, and an error for each line that has none."""
    parsed = _read_lines(text, path=path, rel_path=rel_path, first_line=1)
    if not parsed.articles and not parsed.errors:
        # Only control characters and blanks: as empty as a file of nothing.
        return ParsedFile((), (ArticleParseError(path, "empty file"),))
    return parsed


def read_jsonl_part(data: bytes, *, path: str, rel_path: str, first_line: int) -> ParsedFile | None:
    """The articles of `data`, bytes of a JSON Lines file cut at line ends, whose
    first line is line `first_line` of the file; None when only the whole
    file can be decoded (see `_part_text`).

    A part of blank lines is no error: whether the file is empty is the
    whole file's to say.
    """
    text = _part_text(data, path=path, first=first_line == 1)
    if text is None:
        return None
    return _read_lines(text, path=path, rel_path=rel_path, first_line=first_line)


def _part_text(data: bytes, *, path: str, first: bool) -> str | None:
    """The text of part of a file as the whole file's decoding gives it, or None.

    Cut at line ends (a newline byte is never inside a UTF-8 character), the
    parts of a UTF-8 file decode to the parts of its text. Anything else is
    decided by the whole file: a NUL anywhere makes it binary, bytes that
    are not UTF-8 anywhere make all of it Windows-1252, UTF-16 is not cut at
    newline bytes. The first part decodes as the whole file starts (a byte
    order mark dropped, its first `decoding.SAMPLE_BYTES` looked at for
    binary), so it must hold those bytes.
    """
    if b"\x00" in data:
        return None
    if not first:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    try:
        text, warnings = decoding.decode(data, path)
    except ArticleParseError:
        return None
    return None if warnings else text


def _read_lines(text: str, *, path: str, rel_path: str, first_line: int) -> ParsedFile:
    articles: list[Article] = []
    errors: list[ArticleParseError] = []
    limit = decoding.MAX_FILE_BYTES  # read at call time: tests lower it
    for lineno, line in enumerate(clean_lines(text), start=first_line):
        if not line.strip():
            continue
        if len(line) > limit:
            reason = f"line too long ({len(line):,} characters > {limit:,} limit)"
            errors.append(ArticleParseError(f"{path}:{lineno}", reason))
            continue
        try:
            articles.append(parse_jsonl_line(line, path=path, rel_path=rel_path, lineno=lineno))
        except ArticleParseError as exc:
            errors.append(exc)
    return ParsedFile(tuple(articles), tuple(errors))


def _string(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"field '{key}' must be a string")
    return clean(value).strip() or None


def _records(data: Mapping[str, Any], key: str, fields: tuple[str, str]) -> list[tuple[str, str]]:
    """A list of objects with a required first field and an optional second one."""
    value = data.get(key)
    if value is None:
        return []
    shape = f"field '{key}' must be a list of {{{fields[0]}, {fields[1]}}} objects"
    if not isinstance(value, list):
        raise ValueError(shape)
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise ValueError(shape)
        first = _string(item, fields[0])
        if not first:
            raise ValueError(f"every item of '{key}' needs a non-empty '{fields[0]}'")
        out.append((first, _string(item, fields[1]) or ""))
    return out


def _json_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    found = date_value(value)
    if found is None:
        raise ValueError(f"field 'date' is not a full date: {value!r} (use YYYY-MM-DD)")
    return found


def _json_taxonomy(data: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    value = data.get("taxonomy")
    if value is None:
        return {}
    shape = "field 'taxonomy' must map facet names to lists of strings"
    if not isinstance(value, dict):
        raise ValueError(shape)
    out: dict[str, list[str]] = {}
    for label, values in value.items():
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(shape)
        bucket = out.setdefault(facet_name(clean(label)), [])
        for v in values:
            v = tidy(clean(v))
            if v and v not in bucket:
                bucket.append(v)
    return {k: tuple(v) for k, v in out.items() if v}


_JSON_TYPES = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true/false",
    type(None): "null",
}


def parse_jsonl_line(line: str, *, path: str, rel_path: str, lineno: int) -> Article:
    """One JSON object in the `Article.to_dict()` shape; errors name `path:lineno`."""
    where = f"{path}:{lineno}"
    try:
        data = json.loads(line, strict=False)  # raw tabs inside strings are harmless
    except json.JSONDecodeError as exc:
        raise ArticleParseError(where, f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        kind = _JSON_TYPES.get(type(data), "value")
        raise ArticleParseError(where, f"expected a JSON object, got {kind}")
    try:
        headline = _string(data, "headline")
        body = _string(data, "body")
        if not headline and not body:
            raise ValueError("no 'headline' or 'body' (every line needs at least one)")
        url = _string(data, "url")
        if url and not is_absolute_url(url):
            raise ValueError(f"field 'url' is not an absolute URL: {url!r}")
        given_id = _string(data, "id")
        return Article(
            id=given_id or article_id(url, f"{rel_path}:{lineno}"),
            path=path,
            headline=tidy(headline or ""),
            body=body or "",
            url=url,
            source=_string(data, "source") or source_host(url),
            date=_json_date(_string(data, "date")),
            type=tidy(_string(data, "type") or "") or None,
            speakers=tuple(
                Speaker(tidy(n), tidy(r)) for n, r in _records(data, "speakers", ("name", "role"))
            ),
            quotes=tuple(
                Quote(t, tidy(s) or None) for t, s in _records(data, "quotes", ("text", "speaker"))
            ),
            taxonomy=_json_taxonomy(data),
        )
    except ValueError as exc:
        raise ArticleParseError(where, str(exc)) from None
