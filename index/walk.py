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

import os
import stat
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pressearch.errors import UsageError
from pressearch.index.ingest import SUPPORTED_SUFFIXES
from pressearch.models import Failure


@dataclass(frozen=True)
class Root:
    """A path given to the run: absolute, symlinks kept (it prefixes its files' paths)."""

    path: str
    is_dir: bool


@dataclass(frozen=True, slots=True)
class SourceFile:
    """An article file found by the walk (slots: a walk of a million files holds a million)."""

    path: str
    root: str  # folder the article id's relative path starts from
    sig: str
    size: int


@dataclass
class Walk:
    """What a walk found: files to consider, failures, and paths whose articles stay."""

    files: list[SourceFile] = field(default_factory=list)
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

    `follow_links`: follow symbolic links out of the roots too.
    """
    found = Walk()
    # Paths already added: only roots that overlap reach a path twice, and a
    # set of a million paths costs ~40 MB, so one root keeps none.
    seen: set[str] | None = set() if len(roots) > 1 else None
    visited: set[tuple[int, int]] = set()
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

    def add(path: str, root: str) -> None:
        if seen is not None:
            if path in seen:
                return  # reached through two overlapping roots: the first wins
            seen.add(path)
        found.files_seen += 1
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if os.path.islink(path):
                found.failures.append(Failure(path, "broken symbolic link"))
                found.keep.append(path)
            return  # deleted while we walked: it is gone
        except OSError as exc:
            found.failures.append(Failure(path, f"cannot read: {exc.strerror}"))
            found.keep.append(path)
            return
        if not stat.S_ISREG(st.st_mode):
            found.failures.append(Failure(path, "not a regular file"))
            return
        found.files.append(SourceFile(path, root, signature(st), st.st_size))

    for root in roots:
        if not root.is_dir:
            add(root.path, os.path.dirname(root.path))
            continue
        seen_before = found.files_seen
        skipped: Counter[str] = Counter()
        stack = [root.path]
        while stack:
            folder = stack.pop()
            try:
                st = os.stat(folder)
                if (st.st_dev, st.st_ino) in visited:
                    continue  # a symlink loop, or a folder reached twice
                visited.add((st.st_dev, st.st_ino))
                with os.scandir(folder) as it:
                    entries = list(it)
            except FileNotFoundError:
                continue  # vanished while we walked: its articles are gone
            except OSError as exc:
                found.failures.append(Failure(folder, f"cannot list folder: {exc.strerror}"))
                found.keep.append(folder + os.sep)
                continue
            for entry in entries:
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
                if is_dir:
                    stack.append(path)
                else:
                    add(path, root.path)
        if found.files_seen == seen_before:
            found.warnings.append(Failure(shown(root.path), _nothing_to_read(skipped)))
    found.files.sort(key=lambda f: f.path)
    return found


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
