"""An article's identity: its id, its canonical URL and the source it names.

Model: an article with an absolute URL is identified by a hash of that URL
(so a moved or re-saved file keeps its id); without one, by its path
relative to the indexed folder. The source is the URL's host.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit


def article_id(url: str | None, rel_path: str) -> str:
    """The stable id: `u` + 11 hex digits of sha1(url) when there is a URL, else `rel_path`."""
    key = (url or "").strip().rstrip("/")
    if not key:
        return rel_path
    return "u" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:11]


def is_absolute_url(url: str) -> bool:
    """`scheme://host...`: anything else (`n/a`, `/news/x`) would give many articles one id."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(parts.scheme and parts.netloc)


def source_host(url: str | None) -> str | None:
    """The publishing source: the URL's host name, lower case, port dropped, `www.` kept.

    The host is shown as the URL gives it: dropping `www.` would be a guess
    (a few sites serve different things on `www.x.org` and `x.org`).
    """
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host or None
