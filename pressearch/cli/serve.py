"""`pressearch serve`: the archive in a browser, and its JSON API, from one process.

Model: open the archive (an error before anything listens when there is no
index), bind the socket, print the address (and a warning when the address
is reachable from other machines), optionally open a browser, then let
uvicorn serve `pressearch.web` until Ctrl-C. The web package and uvicorn are
imported inside the command so that `pressearch --help` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from pressearch.cli.options import IndexOpt


def serve_command(
    index: IndexOpt = None,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            metavar="ADDRESS",
            help="Address to listen on; anything but a loopback address shares the archive.",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option("--port", min=0, max=65535, metavar="PORT", help="Port (0: any free one)."),
    ] = 8080,
    open_: Annotated[bool, typer.Option("--open", help="Open the page in the browser.")] = False,
) -> None:
    """Serve the archive as web pages and a JSON API (read-only) until Ctrl-C."""
    from pressearch.archive import Archive
    from pressearch.escape import visible_line
    from pressearch.web.app import create_app
    from pressearch.web.security import is_loopback
    from pressearch.web.server import listen, server, url

    archive = Archive.open(index)
    local = is_loopback(host)
    sock = listen(host, port)
    try:
        address = url(sock)
        where = visible_line(str(archive.path))  # a folder name is shown, never acted on
        typer.echo(f"Serving {where} at {address} (Ctrl-C to stop)")
        if not local:
            typer.echo(
                f"Warning: listening on {host}: anyone who can reach this machine on port "
                f"{sock.getsockname()[1]} can read the whole archive.",
                err=True,
            )
        if open_:
            typer.launch(address)
        server(create_app(archive, local_only=local)).run(sockets=[sock])
    finally:
        sock.close()
        archive.close()
