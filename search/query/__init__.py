"""The query language, engine-neutral: text → tree (`parse`, with `values` and `dates`), the
tree (`tree`), how phrases are read (`slop`, `phrases`), `explain`, and the `syntax` reference."""
