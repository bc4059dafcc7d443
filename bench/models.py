"""Which weighting model: the comparison behind pressearch's ranking, on its own terms.

Model: each judged collection (`bench.ir_collections`) is written as JSON
Lines by `bench.relevance.write_documents` and indexed by `index.writer.build`; the
documents are analysed again by the index's `PressAnalyzer` (headline and
body, as indexed) and each judged query is compiled by
`search.query.compile_query` in match-any mode against that index, so every
candidate model ranks exactly the words and boosts pressearch searches. The
models are scored in memory with numpy in per-field form, as
`search.scoring` does: each field's frequency times the field's weight and
its length normalisation, summed over the fields, saturated once; df is the
largest over the fields, F the weighted frequency in the whole collection.
Each run is evaluated beside the reference BM25 by `bench.relevance`.

Selection is on CISI and Cranfield only: the mean of the MAP and nDCG@10
ratios to the reference over the two. Printed: each model at its published
defaults, the best of a grid over c and the headline weight for the two B2
models, pressearch's own configuration (`search.scoring.C`, the schema's
headline weight), and the standard error over the queries of the difference
between those two. `--all` adds CACM and NPL as columns, which show how each
row generalises and choose nothing. Lengths are exact here (the index keeps
one byte per length), so a figure may differ from `bench.relevance`'s in the
third decimal.

    python -m bench.models [--all] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.ir_collections import Collection, DataError, load
from bench.relevance import (
    Figures,
    data_dir,
    evaluate,
    indexed_documents,
    judged_queries,
    run_reference,
    write_documents,
)

SELECTION = ("cisi", "cran")
GENERALISATION = ("cacm", "npl")
FIELDS = ("headline", "body")
GRID_C = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
GRID_HEADLINE = (1.0, 2.0, 3.0, 5.0)

Vector = Any  # a numpy array of one value per document


@dataclass
class Prepared:
    """A collection as the models see it: postings, lengths and compiled queries."""

    collection: Collection
    ids: list[str]
    lengths: dict[str, Vector]
    # word -> field -> (document numbers, frequencies)
    postings: dict[str, dict[str, tuple[Vector, Vector]]]
    # query id -> (word, boost) as compile_query makes them
    queries: dict[str, list[tuple[str, float]]]
    reference: Figures

    @property
    def size(self) -> int:
        return len(self.ids)


def prepare(collection: Collection, workdir: Path) -> Prepared:
    """Index `collection` with pressearch's indexer and read back what a search uses."""
    from whoosh import index as whoosh_index
    from whoosh import query as whoosh_query

    from pressearch.index.schema import PressAnalyzer
    from pressearch.index.writer import build
    from pressearch.models import SearchRequest
    from pressearch.search.compile import compile_query
    from pressearch.search.scoring import WordInFields

    documents = indexed_documents(collection)
    texts = judged_queries(collection)
    docs_dir = write_documents(documents, workdir)
    build([docs_dir], workdir / "index")

    analyzer = PressAnalyzer()
    found: dict[str, dict[str, tuple[list[int], list[int]]]] = {}
    lengths: dict[str, list[int]] = {field: [] for field in FIELDS}
    with (docs_dir / "collection.jsonl").open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    for docnum, record in enumerate(records):
        for field in FIELDS:
            positions, _ = analyzer.index_terms(record[field])
            lengths[field].append(sum(len(at) for at in positions.values()))
            for word, at in positions.items():
                docs, freqs = found.setdefault(word, {}).setdefault(field, ([], []))
                docs.append(docnum)
                freqs.append(len(at))
    postings = {
        word: {field: (np.array(d), np.array(f, dtype=float)) for field, (d, f) in per.items()}
        for word, per in found.items()
    }

    queries: dict[str, list[tuple[str, float]]] = {}
    with whoosh_index.open_dir(str(workdir / "index")).reader() as reader:
        for qid, text in texts.items():
            compiled = compile_query(SearchRequest(text=text, match="any"), reader).query
            words: list[tuple[str, float]] = []
            single = isinstance(compiled, WordInFields)
            for clause in [compiled] if single else compiled.subqueries:
                if not isinstance(clause, WordInFields):
                    raise DataError(f"{collection.label} query {qid}: {clause!r} is not a word")
                body = [t for t in clause.subqueries if isinstance(t, whoosh_query.Term)]
                word = next(t.text for t in body if t.fieldname == "body")
                words.append((word, clause.boost * (1.0 if single else compiled.boost)))
            queries[qid] = words
    reference = evaluate(run_reference(documents, texts).ranking, collection)
    return Prepared(
        collection,
        [doc.id for doc in documents],
        {field: np.array(values, dtype=float) for field, values in lengths.items()},
        postings,
        queries,
        reference,
    )


# A model: the collection, a word and the headline weight -> each document's
# score for that word (0 where it does not occur).
Model = Callable[[Prepared, str, float], Vector]


def _weights(headline: float) -> dict[str, float]:
    return {"headline": headline, "body": 1.0}


def _statistics(p: Prepared, word: str, headline: float) -> tuple[int, float]:
    """(largest document frequency over the fields, weighted collection frequency)."""
    per = p.postings.get(word, {})
    weights = _weights(headline)
    df = max((len(docs) for docs, _ in per.values()), default=0)
    return df, sum(weights[field] * float(freqs.sum()) for field, (_, freqs) in per.items())


def _normalised(
    p: Prepared, word: str, headline: float, norm: Callable[[Vector, float], Vector]
) -> Vector:
    """Σ over fields of weight × frequency × norm(length, average length)."""
    tfn = np.zeros(p.size)
    weights = _weights(headline)
    for field, (docs, freqs) in p.postings.get(word, {}).items():
        average = float(p.lengths[field].mean()) or 1.0
        tfn[docs] += weights[field] * freqs * norm(p.lengths[field][docs], average)
    return tfn


def bm25(k1: float = 1.2, b: float = 0.75) -> Model:
    def score(p: Prepared, word: str, headline: float) -> Vector:
        df, _ = _statistics(p, word, headline)
        tf = _normalised(p, word, headline, lambda n, avg: 1 / (1 - b + b * n / avg))
        idf = math.log(1 + (p.size - df + 0.5) / (df + 0.5))
        return idf * tf * (k1 + 1) / (tf + k1)

    return score


def dfr(kind: str, c: float = 1.0) -> Model:
    """Amati's DFR models with normalisation 2, tfn = tf × log2(1 + c × avgl / l)."""

    def score(p: Prepared, word: str, headline: float) -> Vector:
        df, frequency = _statistics(p, word, headline)
        tfn = _normalised(p, word, headline, lambda n, avg: np.log2(1 + c * avg / n))
        if df == 0:
            return tfn
        n = p.size
        safe = np.where(tfn > 0, tfn, 1.0)
        if kind == "PL2":
            mean = frequency / n
            gain = (
                safe * np.log2(safe / mean)
                + (mean - safe) * math.log2(math.e)
                + 0.5 * np.log2(2 * math.pi * safe)
            ) / (safe + 1)
        elif kind == "InL2":
            gain = safe / (safe + 1) * math.log2((n + 1) / (df + 0.5))
        else:
            expected = n * (1 - ((n - 1) / n) ** frequency) if kind == "In_expB2" else df
            idf = math.log2((n + 1) / (expected + 0.5))
            gain = safe * idf * (frequency + 1) / (df * (safe + 1))
        return np.where(tfn > 0, gain, 0.0)

    return score


def dirichlet(mu: float = 2000.0) -> Model:
    """Query likelihood with Dirichlet smoothing over the weighted fields: a word
    adds log(1 + tf / (mu × P(word))) + log(mu / (length + mu)) to every document."""

    def score(p: Prepared, word: str, headline: float) -> Vector:
        weights = _weights(headline)
        length = sum(weights[f] * p.lengths[f] for f in FIELDS)
        tf = _normalised(p, word, headline, lambda n, avg: np.ones_like(n))
        if not tf.any():
            return tf
        background = float(tf.sum()) / float(length.sum())
        return np.log(1 + tf / (mu * background)) + np.log(mu / (length + mu))

    return score


def rank(p: Prepared, model: Model, headline: float) -> dict[str, list[str]]:
    """Each query's matching documents, best first (ties: document order), top 1000."""
    ranking: dict[str, list[str]] = {}
    for qid, words in p.queries.items():
        total = np.zeros(p.size)
        matched = np.zeros(p.size, dtype=bool)
        for word, boost in words:
            total += boost * model(p, word, headline)
            # Matched where the word occurs: a PL2 or query-likelihood score may
            # be negative there, and the latter is not 0 elsewhere.
            for docs, _ in p.postings.get(word, {}).values():
                matched[docs] = True
        docs = np.nonzero(matched)[0]
        order = docs[np.lexsort((docs, -total[docs]))][:1000]
        ranking[qid] = [p.ids[i] for i in order]
    return ranking


@dataclass(frozen=True)
class Row:
    label: str
    ratios: dict[str, tuple[float, float]]  # collection -> (MAP ratio, nDCG@10 ratio)
    per_query: dict[str, dict[str, float]]  # collection -> query -> selection criterion

    @property
    def selection(self) -> float:
        return sum(m + n for m, n in (self.ratios[c] for c in SELECTION)) / (2 * len(SELECTION))


def measure(label: str, model: Model, headline: float, prepared: Sequence[Prepared]) -> Row:
    ratios: dict[str, tuple[float, float]] = {}
    per_query: dict[str, dict[str, float]] = {}
    for p in prepared:
        figures = evaluate(rank(p, model, headline), p.collection)
        ref_map, ref_ndcg = p.reference.means["MAP"], p.reference.means["nDCG@10"]
        ratios[p.collection.name] = (
            figures.means["MAP"] / ref_map,
            figures.means["nDCG@10"] / ref_ndcg,
        )
        per_query[p.collection.name] = {
            qid: (v["MAP"] / ref_map + v["nDCG@10"] / ref_ndcg) / 2
            for qid, v in figures.per_query.items()
        }
    return Row(label, ratios, per_query)


def difference(a: Row, b: Row) -> tuple[float, float]:
    """Mean of a − b in the selection criterion, and its standard error over the queries."""
    mean = 0.0
    variance = 0.0
    for name in SELECTION:
        diffs = [a.per_query[name][q] - b.per_query[name][q] for q in a.per_query[name]]
        m = sum(diffs) / len(diffs)
        var = sum((d - m) ** 2 for d in diffs) / (len(diffs) - 1)
        mean += m / len(SELECTION)
        variance += var / len(diffs) / len(SELECTION) ** 2
    return mean, math.sqrt(variance)


def format_rows(title: str, rows: Sequence[Row], names: Sequence[str]) -> str:
    labels = {"cisi": "CISI", "cran": "Cranfield", "cacm": "CACM", "npl": "NPL"}
    head = f"{title:<44}" + "".join(f"{labels[n]:>16}" for n in names) + "  selection"
    sub = " " * 44 + "".join(f"{'MAP':>8}{'nDCG':>8}" for _ in names)
    lines = [head, sub]
    for row in rows:
        cells = "".join(f"{row.ratios[n][0]:8.3f}{row.ratios[n][1]:8.3f}" for n in names)
        lines.append(f"{row.label:<44}{cells}  {row.selection:9.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.models",
        description="Weighting models on pressearch's terms, chosen on CISI and Cranfield.",
    )
    parser.add_argument("--all", action="store_true", help="also show CACM and NPL")
    parser.add_argument("--data", help="data folder holding ir_collections/")
    args = parser.parse_args(argv)
    data = data_dir(args.data)
    if not (data / "ir_collections").is_dir():
        print(f"bench.models: no data folder {data / 'ir_collections'}", file=sys.stderr)
        return 2

    from pressearch.search.scoring import C
    from pressearch.vocabulary import TEXT_FIELDS

    names = [*SELECTION, *(GENERALISATION if args.all else ())]
    prepared = []
    try:
        with tempfile.TemporaryDirectory(prefix="pressearch-models-") as tmp:
            for name in names:
                print(f"{name}: indexing and the reference ...", file=sys.stderr, flush=True)
                folder = Path(tmp) / name
                folder.mkdir()
                prepared.append(prepare(load(name, data), folder))
    except DataError as exc:
        print(f"bench.models: {exc}", file=sys.stderr)
        return 1

    headline = TEXT_FIELDS["headline"]
    defaults: list[tuple[str, Model]] = [
        ("BM25 k1 1.2 b 0.75", bm25()),
        ("DFR PL2 c 1", dfr("PL2")),
        ("DFR InL2 c 1", dfr("InL2")),
        ("DFR In_expB2 c 1", dfr("In_expB2")),
        ("DFR InB2 c 1", dfr("InB2")),
        ("Dirichlet query likelihood mu 2000", dirichlet()),
    ]
    print(f"models at their defaults, headline weight {headline:g}", file=sys.stderr)
    rows = [measure(label, model, headline, prepared) for label, model in defaults]
    print(format_rows("ratio to the reference BM25", rows, names))

    print("grid: B2 models × c × headline weight ...", file=sys.stderr, flush=True)
    selecting = prepared[: len(SELECTION)]
    grid = {
        (kind, c, h): measure(f"{kind} c {c:g} headline {h:g}", dfr(kind, c), h, selecting)
        for kind in ("InB2", "In_expB2")
        for c in GRID_C
        for h in GRID_HEADLINE
    }
    (kind, c, h), best = max(grid.items(), key=lambda item: item[1].selection)
    chosen = ("InB2", C, headline)
    if chosen not in grid:
        grid[chosen] = measure("InB2 off the grid", dfr("InB2", C), headline, selecting)
    shown = [
        measure(f"best of grid: {best.label}", dfr(kind, c), h, prepared),
        measure(f"pressearch: {grid[chosen].label}", dfr("InB2", C), headline, prepared),
    ]
    print()
    print(format_rows(f"grid of {len(grid)} on CISI + Cranfield", shown, names))
    mean, error = difference(best, grid[chosen])
    print(f"\nbest − pressearch, selection criterion: {mean:+.4f} (standard error {error:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
