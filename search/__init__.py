"""pressearch's query layer: a query's text becomes a tree, the tree becomes Whoosh queries.

`query` (the language, engine-neutral: parse, tree, dates, explain, syntax,
and `lenient`, how match "any" reads text that is not valid syntax),
`compile` (tree → Whoosh queries, reading the index's lexicons), `expand`
(wildcard and fuzzy expansion), `matchers` and `scoring` (matching and
ranking), `engine` (`Engine`: one open searcher, matches, hits, facets,
snippets), `collapse` (identical articles as one hit), `facets`,
`highlight`, `suggest` (did you mean, within a time budget). Rendering and
the command line live in `pressearch.cli`; this package never prints.
"""
