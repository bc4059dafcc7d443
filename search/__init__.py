"""pressearch's query layer: parse queries, search, facet, highlight, render, CLI."""
