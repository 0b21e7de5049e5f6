-- Version 6: which need each delivery counts toward, kept current as records change
-- (data_loaders/store/derived.py). The rule is the one of docs/METHODS.md, "Linking
-- deliveries to needs"; the table is derived, never written by hand, and rebuilt in full
-- when this version is applied to a store that has records.

CREATE TABLE IF NOT EXISTS need_links (
    delivery_id VARCHAR NOT NULL,
    need_id VARCHAR NOT NULL,
    link_rule VARCHAR NOT NULL
);
