"""Listening and serving: a bound socket, and uvicorn running the app on it.

Model: `listen(host, port)` binds the socket first, so the address printed
is one that already accepts connections (port 0 picks a free one), and a
port in use is an error before anything starts; `server(app)` is uvicorn
configured for a small read-only service: no access log, no lifespan, no
websockets, bounded connections and request head, no server header. The
`serve` command runs it in the foreground; the tests in a thread.
"""

from __future__ import annotations

import socket

import uvicorn

from pressearch.errors import PressearchError
from pressearch.web.security import ASGIApp

# Connections served at once before uvicorn answers 503; request heads larger
# than this are refused by the HTTP parser.
MAX_CONNECTIONS = 64
MAX_HEAD_BYTES = 16 * 1024


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` and listening; PressearchError when it cannot be."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise PressearchError(f"cannot listen on {host}: {exc.strerror or exc}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise PressearchError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} — try another --port"
        ) from None
    return sock


def server(app: ASGIApp) -> uvicorn.Server:
    """A uvicorn server for `app`; `.run(sockets=[sock])` serves until Ctrl-C or `should_exit`."""
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        http="h11",
        ws="none",
        server_header=False,
        limit_concurrency=MAX_CONNECTIONS,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        timeout_keep_alive=5,
    )
    return uvicorn.Server(config)


def url(sock: socket.socket) -> str:
    """The address to open in a browser for a socket `listen` bound."""
    host, port = sock.getsockname()[:2]
    if sock.family == socket.AF_INET6:
        host = f"[{host}]"
    if host in ("0.0.0.0", "[::]"):
        host = "localhost" if host == "0.0.0.0" else "[::1]"
    return f"http://{host}:{port}/"
