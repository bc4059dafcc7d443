"""The query language, engine-neutral: text → tree (`parse`, with `values` and `dates`), the
tree (`tree`), how phrases are read (`slop`, `phrases`), how match "any" reads text that is
not valid syntax (`lenient`), `explain`, and the `syntax` reference."""
