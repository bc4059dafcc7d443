"""How matching articles are scored: BM25F with per-field weights.

Model: Whoosh's BM25F scores each field with its own length normalisation and
adds the fields up, each term's contribution scaled by the field's weight
(`index.schema.TEXT_FIELDS`, applied at index time as field boosts).
"""

from __future__ import annotations

from whoosh import scoring

# Lucene's defaults, the usual starting point for news text.
K1 = 1.2
B = 0.75


def weighting() -> scoring.WeightingModel:
    """The weighting model every search uses."""
    return scoring.BM25F(B=B, K1=K1)
