"""The `pressearch` command: Typer commands (`app`) and their rendering (`render`)."""
