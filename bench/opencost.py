"""What opening an index costs: a new process, `Archive.open`, a first and a second query.

Model: `python -m bench.opencost INDEX WORD` times, in one fresh process,
importing pressearch and its query layer (`search.engine`, which the first
search would otherwise import), `Archive.open` alone (it checks that an
index is there), the first search for WORD (one word that few articles
hold; limit 1, no snippets, no facets: the least a query can do, so what is
left is the cost of opening the index's segments and of what the first
search reads from each) and the same search again (warm). The opening cost
is first − again; it should not grow with the archive (segments are opened
lazily and memory-mapped, columns read as a query needs them), only a
little with the number of segments. Prints one JSON object. Nothing is
imported at the top but the standard library, so the import time is
pressearch's own.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    index, word = list(sys.argv[1:] if argv is None else argv)[:2]
    t0 = time.perf_counter()
    import pressearch.search.engine  # noqa: F401  (imported by a first search: not opening)
    from pressearch import Archive

    t1 = time.perf_counter()
    archive = Archive.open(index)
    t2 = time.perf_counter()
    first = archive.search(word, limit=1, snippets=False)
    t3 = time.perf_counter()
    archive.search(word, limit=1, snippets=False)
    t4 = time.perf_counter()
    out = {
        "import_ms": (t1 - t0) * 1000,
        "open_ms": (t2 - t1) * 1000,
        "first_ms": (t3 - t2) * 1000,
        "again_ms": (t4 - t3) * 1000,
        "hits": first.total,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    archive.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
