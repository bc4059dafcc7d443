"""pressearch's indexer: read newsroom articles and build a Whoosh index.

One module per idea: `ingest` (files → articles, one reader per format),
`schema` (fields and analysis), `walk` (finding and signing files),
`segments` (one segment written in a private index), `workers` (the pool
that writes them), `store` (the index folder: open, lock, schema version),
`writer` (`build`: one run), `reader` (`open_index`, `get_article`,
`stats`), `check` (`check_index`), `faults` (the file system's refusals,
said plainly), and `whoosh_internals`, the one module that touches Whoosh's
private internals. Import from those modules: this package stays empty so
that importing one stage never pulls in the others.
"""
