"""Fetching feeds and pages from the web into a cache folder, as files the readers read.

Model: a URL (http or https only) is fetched with a timeout and a
User-Agent naming pressearch, one request at a time in this process (a lock
around each), and written to a file in a cache folder: `HOST/NAME-HASH.SUFFIX`,
named by the URL so that fetching it again writes the same file, with the
suffix the reader needs (`.xml` for a feed, `.html` for a page). The file
is rewritten, atomically, only when the bytes differ, so an index run sees
an unchanged file as unchanged (its signature is kept) and reads only what
changed. The validators of the last answer (ETag, Last-Modified) are kept
beside the file under a hidden name and sent back, so an unchanged feed
costs the server a 304. Every network failure is a `FetchError` that names
the URL and the reason. `fetch_roots` turns the feed addresses among an
index run's paths into folders of files (a cache folder per index), one
file per entry, so that the run indexes them as files: a re-run reads only
the entries that are new or changed, each entry keeps its id (from its link
or entry id), and entries that dropped off the feed stay.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pressearch.errors import FetchError, PressearchError
from pressearch.models import Failure

# Seconds to wait for a server to answer (connect, and each read).
TIMEOUT = 20.0
# A feed or page larger than this is refused (as an article file would be).
MAX_BYTES = 20_000_000
USER_AGENT = "pressearch/{version} (press-archive indexer; one request at a time)"
FEED_SUFFIX = ".xml"
PAGE_SUFFIX = ".html"
_LOCK = threading.Lock()
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Fetched:
    """Where a URL's content now is, and whether this fetch changed the file."""

    url: str
    path: Path
    changed: bool


def user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return USER_AGENT.format(version=version("pressearch"))
    except PackageNotFoundError:  # a checkout run without installing
        return USER_AGENT.format(version="dev")


def is_url(text: str) -> bool:
    """Whether `text` is an http(s) address with a host (the only kind fetched)."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def cache_path(url: str, folder: Path, suffix: str) -> Path:
    """The file `url` is fetched into: one name per URL, readable, and safe on any file system."""
    parts = urlsplit(url)
    host = _UNSAFE_NAME.sub("_", (parts.hostname or "host").lower())
    tail = _UNSAFE_NAME.sub("_", parts.path.rstrip("/").rsplit("/", 1)[-1])[:60].strip("._")
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]
    return folder / host / f"{tail or 'index'}-{digest}{suffix}"


def fetch(url: str, folder: Path, *, suffix: str, timeout: float = TIMEOUT) -> Fetched:
    """Fetch `url` into `folder` (see the module's model); FetchError when it cannot be had."""
    if not is_url(url):
        raise FetchError(f"{url}: not an http(s) address")
    target = cache_path(url, folder, suffix)
    validators = _load_validators(target)
    request = urllib.request.Request(url, headers={"User-Agent": user_agent()})
    if target.exists():
        if validators.get("etag"):
            request.add_header("If-None-Match", validators["etag"])
        if validators.get("last_modified"):
            request.add_header("If-Modified-Since", validators["last_modified"])
    with _LOCK:  # politeness: never two requests at once from this process
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data = response.read(MAX_BYTES + 1)
                headers = response.headers
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 304 and target.exists():
                return Fetched(url, target, changed=False)
            raise FetchError(f"cannot fetch {url}: HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise FetchError(f"cannot fetch {url}: {_reason(exc.reason)}") from None
        except (TimeoutError, OSError) as exc:
            raise FetchError(f"cannot fetch {url}: {_reason(exc)}") from None
    if len(data) > MAX_BYTES:
        raise FetchError(f"cannot fetch {url}: larger than {MAX_BYTES:,} bytes")
    changed = _write_if_changed(target, data)
    _save_validators(target, headers.get("ETag"), headers.get("Last-Modified"))
    return Fetched(url, target, changed)


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def _write_if_changed(target: Path, data: bytes) -> bool:
    """Write `data` to `target` in one step, unless it holds them already; whether it wrote."""
    try:
        if target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".fetch-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def _validators_path(target: Path) -> Path:
    # A hidden name: the index's walk skips it.
    return target.with_name(f".{target.name}.http.json")


def _load_validators(target: Path) -> dict[str, str]:
    try:
        data = json.loads(_validators_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def _save_validators(target: Path, etag: str | None, last_modified: str | None) -> None:
    record = {"etag": etag, "last_modified": last_modified}
    path = _validators_path(target)
    path.write_text(json.dumps({k: v for k, v in record.items() if v}), encoding="utf-8")


def fetched_folder(index_dir: Path) -> Path:
    """The cache folder of the index at `index_dir`: `$PRESSEARCH_CACHE`, else the user cache.

    One folder per index (named by a hash of its absolute path), so two
    indexes never share, or remove, each other's fetched files.
    """
    base = os.environ.get("PRESSEARCH_CACHE")
    if base:
        root = Path(base).expanduser()
    else:
        import platformdirs

        root = Path(platformdirs.user_cache_dir("pressearch", appauthor=False))
    key = hashlib.sha1(os.fsencode(os.path.abspath(index_dir))).hexdigest()[:12]
    return root / "fetched" / key


def as_url(path: str | os.PathLike[str]) -> str | None:
    """The http(s) address a path argument names, else None.

    A `Path` made from `https://host/feed` reads `https:/host/feed` (a path
    collapses `//`), so that spelling is taken for the address too.
    """
    text = os.fspath(path)
    m = re.fullmatch(r"(https?):/+(.+)", text, re.IGNORECASE | re.DOTALL)
    if not m:
        return None
    url = f"{m.group(1).lower()}://{m.group(2)}"
    return url if is_url(url) else None


def fetch_roots(
    paths: Iterable[str | os.PathLike[str]], folder: Path, *, fetch_pages: bool = False
) -> tuple[list[Path], list[Failure]]:
    """`paths` with every feed address replaced by the folder of its entries.

    A feed is fetched into `folder/feeds/`, read as a feed file is, and each
    entry is kept as a JSON Lines file of its own (`folder/entries/FEED/`,
    named by the entry's id, rewritten only when the entry changed). That
    folder is what the run indexes, so a new entry is added, a changed one
    updated, an unchanged one not read, and an entry that has dropped off
    the feed (feeds hold only their latest entries) stays in the index.
    With `fetch_pages`, the page at each entry's link is fetched instead
    (once: a page already fetched is not asked for again) and indexed. An
    address that cannot be fetched is a failure, as is an entry that
    cannot be read.
    """
    from pressearch.index.ingest.decoding import load
    from pressearch.index.ingest.feed import read_feed

    roots: list[Path] = []
    failures: list[Failure] = []
    for given in paths:
        url = as_url(given)
        if url is None:
            roots.append(Path(given).expanduser())
            continue
        try:
            fetched = fetch(url, folder / "feeds", suffix=FEED_SUFFIX)
            text, _ = load(str(fetched.path), whole_file_limit=True)
        except PressearchError as exc:
            failures.append(Failure(url, str(exc)))
            continue
        name = cache_path(url, Path(), "").as_posix()  # HOST/NAME-HASH: the feed's own folder
        parsed = read_feed(text, path=url, rel_path=name)
        failures += [Failure(url, error.reason) for error in parsed.errors]
        if not fetch_pages:
            entries = folder / "entries" / name
            for article in parsed.articles:
                record = {k: v for k, v in article.to_dict().items() if k != "path"}
                line = json.dumps(record, ensure_ascii=False) + "\n"
                key = hashlib.sha1(article.id.encode("utf-8")).hexdigest()[:16]
                _write_if_changed(entries / f"{key}.jsonl", line.encode("utf-8"))
            if entries.is_dir():
                roots.append(entries)
            continue
        for link in dict.fromkeys(a.url for a in parsed.articles if a.url):
            page = cache_path(link, folder / "pages", PAGE_SUFFIX)
            if not page.exists():
                try:
                    fetch(link, folder / "pages", suffix=PAGE_SUFFIX)
                except FetchError as exc:
                    failures.append(Failure(link, str(exc)))
                    continue
            roots.append(page)
    return roots, failures
