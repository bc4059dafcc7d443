"""Saved searches ("watches") and what is new for each since its last run.

Model: a watch is a name and a `SearchRequest`, kept per index in one JSON
file in the user's config folder (`$PRESSEARCH_CONFIG`, else platformdirs'
`user_config_dir`; `watches/<hash of the index path>.json`). A watch also
keeps the ids of every article that matched it at its last run: a run
searches the index through `Archive.export` and reports the matches whose
ids it has not seen, so it reports exactly the articles that came into the
index (or came to match) since that run, whatever the index's dates say;
the first run reports every current match. Ids are what the index keeps
stable (a hash of the article's URL, else its path), so re-indexing an
unchanged article never reports it again. The file is rewritten in one step
(a temporary file renamed over it), and every change, a run included,
holds an exclusive lock on a lock file beside it, so two runs that overlap
report each new article once, and `add` during a run is not lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pressearch.errors import UsageError, WatchError
from pressearch.jsonify import hit_json
from pressearch.models import Hit, SearchRequest

if TYPE_CHECKING:
    from pressearch.archive import Archive

_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
_FORMAT = 1  # the file's layout; a newer one is refused rather than overwritten
# Seconds to wait for another run holding the lock.
LOCK_WAIT = 30.0


@dataclass(frozen=True)
class Watch:
    """A saved search: its name, its request, and what it has seen.

    `last_run` is when it last ran (UTC), None before its first run; `seen`
    the ids of the articles that matched it then.
    """

    name: str
    request: SearchRequest
    created: dt.datetime
    last_run: dt.datetime | None = None
    seen: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class WatchRun:
    """What one run of a watch found: the matches new since `since` (its previous run)."""

    name: str
    query: str
    since: dt.datetime | None
    hits: tuple[Hit, ...]
    total: int  # every current match, new or not


def config_dir() -> Path:
    """Where pressearch keeps its settings: `$PRESSEARCH_CONFIG`, else the user config folder."""
    configured = os.environ.get("PRESSEARCH_CONFIG")
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("pressearch", appauthor=False))


def check_name(name: str) -> str:
    """`name` when it can name a watch (letters, digits, `_ . -`, up to 64), else UsageError."""
    if not _NAME_RE.fullmatch(name):
        raise UsageError(
            f"watch name {name!r}: use up to 64 letters, digits, '_', '.' or '-'"
            " (not starting with '.' or '-')"
        )
    return name


class WatchStore:
    """The watches of one index: read, changed and written under the lock."""

    def __init__(self, index_dir: Path, folder: Path | None = None) -> None:
        self.index_dir = Path(os.path.abspath(index_dir))
        key = hashlib.sha1(os.fsencode(self.index_dir)).hexdigest()[:12]
        self.path = (folder or config_dir()) / "watches" / f"{key}.json"

    def watches(self) -> list[Watch]:
        """Every watch of the index, by name."""
        return sorted(self._load().values(), key=lambda w: w.name)

    def get(self, name: str) -> Watch:
        found = self._load().get(name)
        if found is None:
            raise UsageError(f"no watch named {name!r} ({self._known()})")
        return found

    def add(self, name: str, request: SearchRequest) -> Watch:
        """Save a new watch; UsageError when the name is taken."""
        check_name(name)
        with self.locked():
            watches = self._load()
            if name in watches:
                raise UsageError(
                    f"a watch named {name!r} exists (remove it first: watch rm {name})"
                )
            watch = Watch(name, request, created=_now())
            watches[name] = watch
            self._save(watches)
        return watch

    def remove(self, name: str) -> Watch:
        with self.locked():
            watches = self._load()
            if name not in watches:
                raise UsageError(f"no watch named {name!r} ({self._known(watches)})")
            gone = watches.pop(name)
            self._save(watches)
        return gone

    def run(self, archive: Archive, names: Sequence[str] = ()) -> list[WatchRun]:
        """Run the watches `names` (all when empty): each one's new matches, then remember them."""
        with self.locked():
            watches = self._load()
            runs: list[WatchRun] = []
            for name in self._names(watches, names):
                now = _now()
                found, matched = _new_matches(archive, watches[name])
                runs.append(found)
                watches[name] = replace(watches[name], last_run=now, seen=frozenset(matched))
            self._save(watches)
        return runs

    def pending(self, archive: Archive, names: Sequence[str] = ()) -> list[WatchRun]:
        """What `run` would report now, without remembering it (for `serve`, which only reads)."""
        watches = self._load()
        return [_new_matches(archive, watches[name])[0] for name in self._names(watches, names)]

    def _names(self, watches: dict[str, Watch], names: Sequence[str]) -> list[str]:
        for name in names:
            if name not in watches:
                raise UsageError(f"no watch named {name!r} ({self._known(watches)})")
        return list(names) or sorted(watches)

    @contextlib.contextmanager
    def locked(self, wait: float = LOCK_WAIT) -> Iterator[None]:
        """Hold the watches' lock (an flock on a file beside them), waiting up to `wait` s."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WatchError(
                            f"the watches of {self.index_dir} are locked by another run"
                            f" (waited {wait:g} s); try again when it ends"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _known(self, watches: dict[str, Watch] | None = None) -> str:
        names = sorted(watches if watches is not None else self._load())
        return "watches: " + ", ".join(names) if names else "there are no watches yet"

    def _load(self) -> dict[str, Watch]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise WatchError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            data = json.loads(text)
            if data.get("format") != _FORMAT:
                raise WatchError(
                    f"{self.path} was written by another version of pressearch"
                    f" (format {data.get('format')!r})"
                )
            return {w["name"]: _watch_from(w) for w in data["watches"]}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WatchError(f"{self.path} is damaged ({type(exc).__name__}: {exc})") from None

    def _save(self, watches: dict[str, Watch]) -> None:
        data = {
            "format": _FORMAT,
            "index": str(self.index_dir),
            "watches": [_watch_record(watches[name]) for name in sorted(watches)],
        }
        fd, tmp = tempfile.mkstemp(prefix=".watches-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise WatchError(f"cannot write {self.path}: {exc.strerror}") from None


def _new_matches(archive: Archive, watch: Watch) -> tuple[WatchRun, list[str]]:
    """The watch's matches it has not seen (ranked from 1), and the ids of all its matches."""
    matched: list[str] = []
    new: list[Hit] = []
    for hit in archive.export(watch.request):
        matched.append(hit.id)
        if hit.id not in watch.seen:
            new.append(replace(hit, rank=len(new) + 1))
    run = WatchRun(watch.name, watch.request.text, watch.last_run, tuple(new), len(matched))
    return run, matched


def run_json(run: WatchRun) -> dict[str, Any]:
    """The JSON of one watch's run: `name`, `query`, `since`, `hits` (as in `query --json`)."""
    return {
        "name": run.name,
        "query": run.query,
        "since": _iso(run.since),
        "hits": [hit_json(h) for h in run.hits],
    }


def watch_json(watch: Watch) -> dict[str, Any]:
    """The JSON of a watch as `watch list --json` prints it."""
    return {"name": watch.name, **_request_record(watch.request), "last_run": _iso(watch.last_run)}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None


def _from_iso(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _request_record(request: SearchRequest) -> dict[str, Any]:
    return {
        "query": request.text,
        "match": request.match,
        "filters": [list(pair) for pair in request.filters],
        "sort": request.sort,
        "since": request.since,
        "until": request.until,
    }


def _watch_record(watch: Watch) -> dict[str, Any]:
    return {
        "name": watch.name,
        **_request_record(watch.request),
        "created": _iso(watch.created),
        "last_run": _iso(watch.last_run),
        "seen": sorted(watch.seen),
    }


def _watch_from(record: dict[str, Any]) -> Watch:
    request = SearchRequest(
        text=str(record["query"]),
        match=record["match"],
        filters=tuple((str(n), str(v)) for n, v in record["filters"]),
        sort=record["sort"],
        since=record["since"],
        until=record["until"],
    )
    created = _from_iso(record["created"])
    if created is None:
        raise ValueError("a watch without its creation time")
    return Watch(
        name=check_name(record["name"]),
        request=request,
        created=created,
        last_run=_from_iso(record["last_run"]),
        seen=frozenset(str(i) for i in record["seen"]),
    )
