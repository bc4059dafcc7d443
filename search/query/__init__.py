"""The query language: text → tree (`parse`), dates, explanation, the syntax reference."""
