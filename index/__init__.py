"""pressearch's indexer: read newsroom articles and build a Whoosh index.

Public face: `Article` and friends, `parse_file`, `build`, `open_index`,
`get_article`, `stats`, and the `PressearchError` hierarchy.
"""
