"""`pressearch serve` under load: warm /api/search round trips with 1 and 8 clients.

Model: start the server on the built index, warm it, then replay the query
mix over kept-alive connections from N threads and record each round trip.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.corpora import LIMIT, Corpus, QuerySpec
from bench.processes import child_env, pressearch_cmd
from bench.results import Results

SERVE_CLIENTS = (1, 8)


def measure_serve(
    corpus: Corpus,
    index_dir: Path,
    specs: Sequence[QuerySpec],
    two_words: Sequence[Sequence[str]],
    res: Results,
) -> dict[str, Any] | None:
    """Round trips through `/api/search` of a running `pressearch serve`, once it is warm.

    The server is the real command (`serve --port 0`), its address read from
    what it prints. Each client keeps one HTTP connection open and runs the
    whole query mix (the two facets and snippets, as the "full" variant),
    starting at its own place in it; with 8 clients all run at once. The
    two-word queries of the end-to-end rows are also timed alone, without
    facets, as `pressearch query --limit 10` runs them.
    """
    from urllib.parse import urlsplit

    process = subprocess.Popen(
        [*pressearch_cmd(), "serve", "--index", str(index_dir), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if " at http://" not in line:
            res.notes.append(f"pressearch serve did not start: {line.strip() or '(no output)'}")
            return None
        address = urlsplit(line.split(" at ", 1)[1].split()[0])
        host, port = address.hostname or "127.0.0.1", address.port or 80
        mix = [_api_path(spec, corpus.facets) for spec in specs]
        plain = [
            _api_path(QuerySpec("", " ".join(w), "all", (), None, None, ""), ()) for w in two_words
        ]
        _api_client(host, port, mix[: max(3, len(mix) // 10)], 0, [], [])  # warm-up, untimed
        out: dict[str, Any] = {"queries": len(mix)}
        for clients in SERVE_CLIENTS:
            times: list[float] = []
            errors: list[str] = []
            started = time.perf_counter()
            threads = [
                threading.Thread(
                    target=_api_client,
                    args=(host, port, mix, n * len(mix) // clients, times, errors),
                )
                for n in range(clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
            out[clients_label(clients)] = {"ms": times, "errors": errors, "seconds": seconds}
        times, errors = [], []
        for _ in range(3):
            _api_client(host, port, plain, 0, times, errors)
        out["two words"] = {"ms": times, "errors": errors}
        return out
    finally:
        process.terminate()
        process.communicate(timeout=30)


def clients_label(n: int) -> str:
    return f"{n} client" + ("" if n == 1 else "s")


def _api_path(spec: QuerySpec, facets: Sequence[str]) -> str:
    from urllib.parse import urlencode

    params: list[tuple[str, str]] = [("q", spec.text), ("limit", str(LIMIT))]
    if spec.match != "all":
        params.append(("match", spec.match))
    params += [("filter", f"{name}:{value}") for name, value in spec.filters]
    params += [
        (key, value) for key, value in (("since", spec.since), ("until", spec.until)) if value
    ]
    params += [("facet", name) for name in facets]
    return "/api/search?" + urlencode(params)


def _api_client(
    host: str, port: int, paths: Sequence[str], start: int, times: list[float], errors: list[str]
) -> None:
    """GET every path (from `start`, wrapping round) on one kept-alive connection, timed."""
    import http.client

    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        for i in range(len(paths)):
            path = paths[(start + i) % len(paths)]
            t0 = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status == 200:
                times.append(elapsed)  # list.append is atomic: the clients share the lists
            else:
                errors.append(f"{response.status} {path}: {body[:120]!r}")
    finally:
        connection.close()
