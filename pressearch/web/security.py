"""What every response carries and every request must pass before a route sees it.

Model: one ASGI middleware (`Guard`) in front of the app. It lets through
only what a read-only server needs: GET and HEAD, no request body, a URL of
bounded length, and (when serving on a loopback address) a `Host` header
naming this machine, so a web page elsewhere cannot reach the archive
through DNS rebinding. Every response gets the headers that make article
text inert in the browser: a Content-Security-Policy that allows scripts,
styles and images from this server only (no inline script, no inline
style, no plugins, no framing, no form posting elsewhere), `nosniff`, and
no referrer, so following a source link tells the other site nothing about
the search.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = tuple(
    (name.encode("ascii"), value.encode("ascii"))
    for name, value in (
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
    )
)
MAX_URL_BYTES = 4096
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or address to bind) is reachable from this machine only."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The host of a `Host` header, without its port (`[::1]:8080` → `::1`)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Guard:
    """The middleware: refuse what a read-only server never takes, add the security headers.

    `local_only` (serving on a loopback address) also refuses a request whose
    `Host` is not a loopback name or address.
    """

    def __init__(self, app: ASGIApp, *, local_only: bool) -> None:
        self.app = app
        self.local_only = local_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await _refuse(scope, send, *refusal)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope) -> tuple[int, str, tuple[tuple[bytes, bytes], ...]] | None:
        headers = {name.lower(): value for name, value in scope.get("headers", ())}
        if scope["method"] not in ("GET", "HEAD"):
            return 405, "this server only reads: GET and HEAD", ((b"allow", b"GET, HEAD"),)
        if headers.get(b"transfer-encoding") or headers.get(b"content-length", b"0") != b"0":
            return 413, "a request to this server has no body", ()
        if len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) > MAX_URL_BYTES:
            return 414, f"the address is longer than {MAX_URL_BYTES} bytes", ()
        if self.local_only:
            host = host_name(headers.get(b"host", b"").decode("latin-1"))
            if host not in LOOPBACK_NAMES and not is_loopback(host):
                return 421, "this server answers requests for localhost only", ()
        return None


async def _refuse(
    scope: Scope, send: Send, status: int, message: str, extra: tuple[tuple[bytes, bytes], ...]
) -> None:
    """A short error in the medium the path speaks: JSON under /api/, text elsewhere."""
    if str(scope.get("path", "")).startswith("/api/"):
        body, kind = json.dumps({"error": message}).encode(), b"application/json"
    else:
        body, kind = f"Error: {message}\n".encode(), b"text/plain; charset=utf-8"
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode("ascii")),
        *extra,
        *SECURITY_HEADERS,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
