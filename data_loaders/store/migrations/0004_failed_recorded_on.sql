-- Version 4: a delivery marked failed today is no longer failed on every earlier day.
-- The store sets failed_recorded_on when a stored delivery's status first turns failed
-- (data_loaders.store.upsert); the analyses count it failed from that day. Deliveries
-- stored before this version keep it empty: failed, as they were counted, on every day.

ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS failed_recorded_on DATE;

ALTER TABLE deliveries_history ADD COLUMN IF NOT EXISTS failed_recorded_on DATE;
