"""A large JSON Lines file read by several workers at once, in parts, then made one file again.

Model: a JSON Lines file of at least `SPLIT_BYTES` is cut (`cut`) into
parts of a given size, byte ranges that end at line ends, so each part
holds whole lines; the scan that finds the cuts counts the lines before
each (as `ingest.cleaning` breaks lines: CR LF, CR or LF), so that a
part's errors and the ids made from line numbers are the whole file's.
`index.workers` gives each worker a share of the parts, consecutive ones,
to read one after another into one segment (so memory holds one part's
text, and the file makes as few segments as keep the workers busy); the
run commits all the segments of a file in one commit, so a reader sees all
of the file's articles old or all new. `join` makes the parts' results one
file's, as reading it whole would:

- within a file the last line of an id wins, across parts too, with the
  warnings a whole reading gives, in its order. A line is known to be
  replaced only once every part is read: a file with ids repeated is read
  again, leaving those lines out (`Split.skip`), so that no deleted copy
  weighs in the index's statistics (scores are a whole reading's);
- the file's signature is taken when it is cut, and every part compares it
  with the file's before and after reading: a file changed meanwhile is cut
  and read again once (`Split.attempt`), then reported as a whole reading
  reports it (`reading.CHANGING`), its old articles kept;
- a part that cannot be decoded alone (bytes that are not UTF-8, a NUL,
  UTF-16) or that the parser failed on has the file read whole, by one
  worker, which reports what a whole reading reports;
- a file with no article and no error is an empty file.
"""

from __future__ import annotations

import codecs
import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import BinaryIO

from pressearch.index.file_list import SourceFile
from pressearch.index.ingest.decoding import SAMPLE_BYTES
from pressearch.index.reading import CHANGED, CHANGING, WHOLE, FileResult, Job, Span, last_wins
from pressearch.index.segments import Built
from pressearch.index.walk import signature

# A JSON Lines file of this many bytes or more is read in parts, by several
# workers: twice the least batch (`index.workers.BATCH_BYTES`, the size of
# its parts), so it makes two parts at least.
SPLIT_BYTES = 6_000_000
# Bytes read at a time while looking for the cuts.
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Split:
    """A file cut into parts: the file, its signature when it was cut, its parts.

    `attempt` is 1, or 2 when the file changed while its parts were read and
    is read again. `skip` holds, for each part, the positions of its
    articles that a later line replaces, once they are known (None before).
    """

    file: SourceFile
    sig: str
    spans: tuple[Span, ...]
    attempt: int
    skip: tuple[frozenset[int], ...] | None = None

    def jobs(self, parts: range) -> list[Job]:
        """Jobs reading parts `parts` (positions in `spans`) of this file."""
        f, skip = self.file, self.skip
        return [
            Job(f.path, f.root, self.sig, self.spans[i], skip[i] if skip else frozenset())
            for i in parts
        ]


@dataclass(frozen=True)
class Joined:
    """A split file's parts made one file's: their segments, what became of the file,
    and where its documents are.

    `result.ids` are the ids indexed, in file order; `places` the (segment,
    document number) of each.
    """

    split: Split
    builts: tuple[Built, ...]
    result: FileResult
    places: tuple[tuple[int, int], ...] = ()


def splits(f: SourceFile) -> bool:
    """Whether file `f` is read in parts (`SPLIT_BYTES`, read at call time: tests lower it)."""
    return f.size >= SPLIT_BYTES and f.path.lower().endswith(".jsonl")


def cut(f: SourceFile, part_bytes: int, attempt: int = 1) -> Split | None:
    """File `f` cut into parts of about `part_bytes` at line ends, None when it is
    read whole: one part would hold it all, it is gone or unreadable (reading it
    whole says so), or only a whole reading can decode it (a NUL, UTF-16).

    The first part holds `decoding.SAMPLE_BYTES` at least: the first part
    decodes as the whole file starts (see `ingest.jsonl.read_jsonl_part`).
    """
    try:
        with open(f.path, "rb") as handle:
            sig = signature(os.fstat(handle.fileno()))
            spans = _cuts(handle, part_bytes)
    except OSError:
        return None
    if spans is None or len(spans) < 2:
        return None
    return Split(f, sig, tuple(spans), attempt)


def _cuts(handle: BinaryIO, part_bytes: int) -> list[Span] | None:
    """The parts of an open file, or None when it must be read whole."""
    spans: list[Span] = []
    start = 0  # where the part begins
    line = 1  # the number of its first line
    breaks = 0  # line breaks between `start` and `pos`
    least = max(part_bytes, SAMPLE_BYTES)  # the part's least size
    pos = 0  # where `block` begins: lines before it are counted
    block = b""
    while chunk := handle.read(_CHUNK):
        if not pos and not block and chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return None
        if b"\x00" in chunk:
            return None
        block += chunk
        # Cut at the first line end at least `least` bytes into the part.
        while (end := block.find(b"\n", max(start + least - pos - 1, 0)) + 1) > 0:
            breaks += _line_breaks(block[:end])
            spans.append(Span(start, pos + end, line))
            start = pos = pos + end
            line, breaks, least = line + breaks, 0, part_bytes
            block = block[end:]
        # Count the lines before the block's last line end; keep the rest.
        end = block.rfind(b"\n") + 1
        breaks += _line_breaks(block[:end])
        pos, block = pos + end, block[end:]
    if pos + len(block) > start:
        spans.append(Span(start, pos + len(block), line))
    return spans


def _line_breaks(data: bytes) -> int:
    """Line breaks in `data` as `ingest.cleaning` counts them: CR LF, CR or LF."""
    newlines = data.count(b"\n")
    if b"\r" not in data:
        return newlines
    return newlines + data.count(b"\r") - data.count(b"\r\n")


def join(split: Split, builts: Sequence[Built]) -> Joined | Split | str:
    """The results of the parts, read into segments `builts` (each a run of
    consecutive parts, in file order), made the file's; or how the file must
    be done again: `reading.CHANGED` (cut and read it again), `reading.WHOLE`
    (read it whole), or a `Split` to read, the lines a later one replaces
    left out.

    A file that changed while its parts were read a second time is reported
    (`reading.CHANGING`) and keeps its articles: its segments are left out.
    """
    results = [result for built in builts for result in built.files]
    if any(result.redo == CHANGED for result in results):
        return _changed(split)
    if any(result.redo == WHOLE for result in results):
        return WHOLE
    ids = [ident for result in results for ident in result.ids]
    kept, duplicates = last_wins(ids)
    skip = _replaced(results, kept)
    if split.skip is None and any(skip):
        return replace(split, skip=skip)
    if split.skip not in (None, skip):
        return _changed(split)  # not the reading that was: the file is another
    # A segment holds its parts' articles in order, but those left out.
    places: list[tuple[int, int] | None] = []
    part = iter(skip)
    for segment, built in enumerate(builts):
        docnums = itertools.count()
        for result in built.files:
            left_out = next(part)
            places += [
                None if i in left_out else (segment, next(docnums)) for i in range(len(result.ids))
            ]
    errors = tuple(reason for result in results for reason in result.errors)
    if not ids and not errors:
        errors = ("empty file",)  # as a whole reading says it
    warnings = tuple(w for result in results for w in result.warnings) + duplicates
    return Joined(
        split,
        tuple(builts),
        FileResult(errors, warnings, tuple(ids[i] for i in kept)),
        tuple(place for i in kept if (place := places[i]) is not None),
    )


def _changed(split: Split) -> Joined | str:
    """Read the file again, cut anew, if it was its first reading; else report it."""
    if split.attempt == 1:
        return CHANGED
    return Joined(split, (), FileResult((CHANGING,), (), ()))


def _replaced(results: Sequence[FileResult], kept: Sequence[int]) -> tuple[frozenset[int], ...]:
    """For each part, the positions of its articles not `kept` (positions in the file)."""
    keep = set(kept)
    skip = []
    start = 0
    for result in results:
        n = len(result.ids)
        skip.append(frozenset(i for i in range(n) if start + i not in keep))
        start += n
    return tuple(skip)
