-- Version 10 on PostgreSQL: nothing. The derived tables (area_day_deltas) live where the
-- analyses run, in DuckDB: the file store keeps them as it is written, and each app
-- server's replica of a PostgreSQL store keeps its own as it applies the changes it reads
-- (data_loaders/store/replica.py). The shared store holds only the records.
SELECT 1;
