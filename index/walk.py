"""Find the article files under the paths given to a run, and sign each one.

Model: a run is given roots, files or folders. A folder is walked
recursively; hidden names are skipped; symlinked folders are followed once,
so loops end. A symbolic link whose target lies outside every root is not
followed (unless `follow_links`): it is reported as a warning and skipped,
so a link planted in an archive cannot index `/etc/shadow`. A name that is
not valid UTF-8 cannot be stored: its file (or folder) is reported, the
bad bytes escaped (`\xe9`), and skipped. Every other file with a supported
suffix is stat'ed: its signature `"mtime_ns:size"` is what tells a changed
file from an unchanged one. A file that cannot be stat'ed, or a folder that
cannot be listed, is reported and remembered in `Walk.keep`: its articles
stay in the index, since the walk could not tell whether it is gone. A
folder given that holds no supported file is a warning naming the suffixes
it does hold (a mistyped folder, or an archive of PDFs).
"""

from __future__ import annotations

import heapq
import os
import stat
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pressearch.errors import UsageError
from pressearch.index.file_list import FileList, SourceFile
from pressearch.index.ingest import SUPPORTED_SUFFIXES
from pressearch.models import Failure


@dataclass(frozen=True)
class Root:
    """A path given to the run: absolute, symlinks kept (it prefixes its files' paths)."""

    path: str
    is_dir: bool


@dataclass
class Walk:
    """What a walk found: files to consider, failures, and paths whose articles stay."""

    files: FileList = field(default_factory=FileList)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[Failure] = field(default_factory=list)
    # Paths whose articles must stay although the walk did not list them:
    # files that could not be stat'ed and folders that could not be listed.
    keep: list[str] = field(default_factory=list)
    files_seen: int = 0


def resolve_roots(paths: Sequence[Path]) -> list[Root]:
    """The roots of `paths`; UsageError for a missing path or an unsupported file."""
    roots: list[Root] = []
    for given in paths:
        path = os.path.abspath(os.path.expanduser(given))
        if not _utf8(path):
            raise UsageError(f"{shown(path)}: the path is not valid UTF-8 — rename it")
        if os.path.isdir(path):
            roots.append(Root(path, True))
        elif os.path.isfile(path):
            if not supported(path):
                raise UsageError(
                    f"{given}: not an article file (use {', '.join(SUPPORTED_SUFFIXES)})"
                )
            roots.append(Root(path, False))
        else:
            raise UsageError(f"{given}: no such file or directory")
    return roots


def supported(name: str) -> bool:
    """Whether a file named `name` is read as articles (by its suffix)."""
    return os.path.splitext(name)[1].lower() in SUPPORTED_SUFFIXES


def signature(st: os.stat_result) -> str:
    """A file's signature: it changes whenever the file is rewritten."""
    return f"{st.st_mtime_ns}:{st.st_size}"


def shown(path: str) -> str:
    """`path` as text that encodes: bytes that are not UTF-8 escaped (`caf\xe9.md`)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _utf8(name: str) -> bool:
    # Names that are not UTF-8 reach Python as lone surrogates, which no
    # index (nor JSON, nor a terminal) can hold.
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def walk(roots: list[Root], *, follow_links: bool = False) -> Walk:
    """Every supported file under `roots`, sorted by path, signed.

    `follow_links`: follow symbolic links out of the roots too. Each folder's
    entries are visited in the order their paths sort (a folder's name
    followed by "/"), so each root's files come out sorted as they are
    found, and the roots' are merged: the files go straight to the
    `FileList`, never all held in memory.
    """
    found = Walk()
    # Paths reached: only roots that overlap reach a path twice, and a set
    # of a million paths costs ~40 MB, so one root keeps none.
    seen: set[str] | None = set() if len(roots) > 1 else None
    # Where a link may lead: inside a root, as the file system resolves it.
    inside = [os.path.realpath(root.path) for root in roots]

    def leaves(path: str) -> bool:
        """Whether `path`, a symbolic link, leads out of the roots (then: reported)."""
        if follow_links or not os.path.exists(path):
            return False  # a broken link leads nowhere: `add` reports it
        target = os.path.realpath(path)
        if any(
            target == area or target.startswith(area.rstrip(os.sep) + os.sep) for area in inside
        ):
            return False
        found.warnings.append(
            Failure(
                shown(path),
                f"symbolic link to {shown(target)}, outside the folders being indexed:"
                " not followed (--follow-links follows it)",
            )
        )
        return True

    def add(path: str, root: str) -> SourceFile | None:
        """The file at `path` signed, None if reported (counted in `files_seen`).

        A path two overlapping roots reach is signed for each, and counted
        and reported once; the merge below keeps the first root's.
        """
        again = seen is not None and path in seen
        if not again:
            found.files_seen += 1
            if seen is not None:
                seen.add(path)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if os.path.islink(path) and not again:
                found.failures.append(Failure(path, "broken symbolic link"))
                found.keep.append(path)
            return None  # deleted while we walked: it is gone
        except OSError as exc:
            if not again:
                found.failures.append(Failure(path, f"cannot read: {exc.strerror}"))
                found.keep.append(path)
            return None
        if not stat.S_ISREG(st.st_mode):
            if not again:
                found.failures.append(Failure(path, "not a regular file"))
            return None
        return SourceFile(path, root, signature(st), st.st_size)

    def entries(
        folder: str, visited: set[tuple[int, int]], skipped: Counter[str]
    ) -> list[tuple[str, str, bool]]:
        """(sort key, path, is a folder) of the entries of `folder` to visit, sorted.

        `visited`: the folders of this root walked already (each root has its
        own, as roots are walked side by side).
        """
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in visited:
                return []  # a symlink loop, or a folder reached twice
            visited.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                listed = list(it)
        except FileNotFoundError:
            return []  # vanished while we walked: its articles are gone
        except OSError as exc:
            found.failures.append(Failure(folder, f"cannot list folder: {exc.strerror}"))
            found.keep.append(folder + os.sep)
            return []
        kept: list[tuple[str, str, bool]] = []
        for entry in listed:
            if entry.name.startswith("."):
                continue
            path = os.path.join(folder, entry.name)
            try:
                is_dir = entry.is_dir()  # follows symlinks; loops end at `visited`
            except OSError:
                is_dir = False
            if not (is_dir or supported(entry.name)):
                skipped[os.path.splitext(entry.name)[1].lower() or "no suffix"] += 1
                continue
            if not _utf8(entry.name):
                what = "folder" if is_dir else "file"
                found.failures.append(
                    Failure(shown(path), f"{what} name is not valid UTF-8 — rename it")
                )
                continue
            if entry.is_symlink() and leaves(path):
                continue
            # A folder's files sort as its name and "/" do: so, entry by entry
            # in this order, the paths come out as sorting them all would.
            kept.append((entry.name + "/" if is_dir else entry.name, path, is_dir))
        kept.sort()
        return kept

    def files_under(root: Root) -> Iterator[SourceFile]:
        if not root.is_dir:
            one = add(root.path, os.path.dirname(root.path))
            if one is not None:
                yield one
            return
        reached = 0  # supported files under this root, also those another root reached first
        skipped: Counter[str] = Counter()
        visited: set[tuple[int, int]] = set()
        stack = [iter(entries(root.path, visited, skipped))]
        while stack:
            item = next(stack[-1], None)
            if item is None:
                stack.pop()
                continue
            _key, path, is_dir = item
            if is_dir:
                stack.append(iter(entries(path, visited, skipped)))
                continue
            reached += 1
            f = add(path, root.path)
            if f is not None:
                yield f
        if not reached:
            found.warnings.append(Failure(shown(root.path), _nothing_to_read(skipped)))

    # Stable: of the files two roots reach, the one of the root given first
    # comes first, and is kept (its root starts the article's id).
    last = None
    for f in heapq.merge(*map(files_under, roots), key=_path):
        if f.path != last:
            found.files.append(f)
            last = f.path
    if len(roots) > 1:  # overlapping roots list a folder twice: report it once
        found.failures = list(dict.fromkeys(found.failures))
        found.warnings = list(dict.fromkeys(found.warnings))
        found.keep = list(dict.fromkeys(found.keep))
    return found


def _path(f: SourceFile) -> str:
    return f.path


# Suffixes a warning about a folder of unsupported files names, at most.
_SUFFIXES_NAMED = 5


def _nothing_to_read(skipped: Counter[str]) -> str:
    """The warning for a folder holding no supported file, naming what it holds."""
    reads = f"pressearch reads {', '.join(SUPPORTED_SUFFIXES)}"
    if not skipped:
        return f"no supported files under it, nor any other ({reads})"
    ranked = sorted(skipped.items(), key=lambda item: (-item[1], item[0]))
    named = [f"{suffix} ×{count}" for suffix, count in ranked[:_SUFFIXES_NAMED]]
    if len(ranked) > _SUFFIXES_NAMED:
        named.append(f"{len(ranked) - _SUFFIXES_NAMED} more kinds")
    return f"no supported files under it (found {', '.join(named)}; {reads})"
