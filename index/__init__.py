"""pressearch's indexer: read newsroom articles and build a Whoosh index.

One module per stage: `article` (the `Article` record), `parse` (files →
articles), `schema` (fields and analysis), `writer` (`build`), `reader`
(`open_index`, `get_article`, `stats`), `check` (`check_index`),
`locations` (default index and sample archive), `errors` (`PressearchError`
and its subclasses). Import from those modules: this package stays empty so
that importing one stage never pulls in the others.
"""
