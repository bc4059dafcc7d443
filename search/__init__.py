"""pressearch's query layer: `query` (strings → Whoosh queries), `scoring`,
`engine` (`Engine`, `search`), `facets`, `highlight`, `suggest`, `render`
(the only module that imports Rich) and `cli` (the `pressearch` command).
"""
