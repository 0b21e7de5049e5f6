"""The store (its schema and DuckDB file), what reads files into it (ingest), and the
demo scenario."""
