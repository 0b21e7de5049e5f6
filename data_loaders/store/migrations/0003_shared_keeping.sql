-- Version 3: what a PostgreSQL store keeps in the database because its app servers share
-- nothing else: the files people uploaded (kept under their sha256 in the same
-- transaction as the import they fed), the audit entries that change nothing (sign-ins,
-- exports, downloads, refusals, reads of detail) and the column-mapping profiles. A file
-- store keeps these beside its file (uploads/, <name>.audit.jsonl, mappings/), where
-- appending never waits for DuckDB's write lock; the tables exist there too and stay empty.

CREATE TABLE IF NOT EXISTS uploads (
    sha256 VARCHAR PRIMARY KEY,
    file_name VARCHAR,
    data BYTEA NOT NULL,
    kept_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE IF NOT EXISTS audit_seq START 1;

CREATE TABLE IF NOT EXISTS audit_events (
    event_id BIGINT PRIMARY KEY,
    recorded_at TIMESTAMP NOT NULL,
    actor VARCHAR,
    role VARCHAR,
    action VARCHAR NOT NULL,
    detail JSON
);

-- The column-mapping profiles saved on the Data page (a file store keeps them as
-- mappings/<name>.json beside its file).
CREATE TABLE IF NOT EXISTS mapping_profiles (
    name VARCHAR PRIMARY KEY,
    profile JSON NOT NULL,
    saved_at TIMESTAMP NOT NULL,
    saved_by VARCHAR
);
