"""Exports of a search: every matching article as CSV or JSON Lines, to a stream or a file.

Model: `write_export` writes hits to an open text stream, one row (CSV) or
one object (JSON Lines, the `query --json` hit plus its rank) per article.
CSV cells are made safe for spreadsheets (`escape.spreadsheet_cell`) and for
terminals (control characters made visible), since the file may be opened in
either. `output_file` opens the place the user named the way they mean it: a
device or FIFO is written directly, a symlink is written through to its
target, and a regular file is replaced atomically from an unpredictable
temporary name beside it, so a failed export leaves the old file as it was.
"""

from __future__ import annotations

import contextlib
import csv
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import IO, Literal

from pressearch.errors import ExportError
from pressearch.escape import spreadsheet_cell, visible
from pressearch.jsonify import dumps, hit_json
from pressearch.models import Hit

ExportFormat = Literal["csv", "jsonl"]

CSV_COLUMNS = (
    "rank",
    "id",
    "date",
    "type",
    "source",
    "headline",
    "url",
    "path",
    "score",
    "snippets",
)


def write_export(hits: Iterable[Hit], fmt: ExportFormat, out: IO[str]) -> int:
    """Write every hit as CSV or JSON Lines; returns the number written.

    After `CSV_COLUMNS`, CSV has one column per taxonomy facet (those of the
    first hit, which are the index's), values joined by " • ".
    """
    count = 0
    if fmt == "csv":
        writer = csv.writer(out)
        rest = iter(hits)
        first = next(rest, None)
        facets = tuple(first.facets) if first is not None else ()
        writer.writerow((*CSV_COLUMNS, *facets))
        for hit in chain([first] if first is not None else [], rest):
            row = (
                hit.rank,
                hit.id,
                hit.date.isoformat() if hit.date else "",
                hit.type or "",
                hit.source or "",
                hit.headline,
                hit.url or "",
                hit.path,
                hit.score,
                " … ".join(s.text for s in hit.snippets),
                *(" • ".join(hit.facets.get(name, ())) for name in facets),
            )
            writer.writerow([spreadsheet_cell(visible(str(cell))) for cell in row])
            count += 1
    else:
        for hit in hits:
            values = {name: list(v) for name, v in hit.facets.items() if v}
            out.write(dumps({"rank": hit.rank, **hit_json(hit), "facets": values}) + "\n")
            count += 1
    return count


@contextlib.contextmanager
def output_file(path: Path) -> Iterator[IO[str]]:
    """A text stream that ends up at `path` only if the block completes.

    Raises `ExportError` naming `path` when it cannot be written.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    if mode is not None and not stat.S_ISREG(mode):
        if stat.S_ISDIR(mode):
            raise ExportError(f"cannot write {path}: it is a folder")
        # A device, FIFO or socket: there is nothing to replace, only to write to.
        try:
            with open(target, "w", encoding="utf-8", newline="") as out:
                yield out
        except OSError as exc:
            raise _cannot_write(path, exc) from None
        return
    try:
        fd, tmp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    tmp = Path(tmp_name)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        if mode is not None:
            os.chmod(tmp, stat.S_IMODE(mode))
        else:
            # mkstemp makes the file private; an export gets the usual mode.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _cannot_write(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _cannot_write(path: Path, exc: OSError) -> ExportError:
    return ExportError(f"cannot write {path}: {exc.strerror or exc}")
