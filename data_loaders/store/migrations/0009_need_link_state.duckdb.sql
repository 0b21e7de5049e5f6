-- Version 9: what each link means for its need on any day (data_loaders/store/derived.py):
-- how much the delivery brings, from which day it counts as delivered, the days it is on
-- the way, and how late it arrived after the need closed. The open needs at D then read
-- one narrow table instead of joining every link to every delivery and need. The table
-- is derived, never written by hand, and rebuilt in full when this version is applied to
-- a store that has records.

ALTER TABLE need_links ADD COLUMN IF NOT EXISTS facility_id VARCHAR;
ALTER TABLE need_links ADD COLUMN IF NOT EXISTS quantity DOUBLE;
ALTER TABLE need_links ADD COLUMN IF NOT EXISTS delivered_on DATE;
ALTER TABLE need_links ADD COLUMN IF NOT EXISTS transit_from DATE;
ALTER TABLE need_links ADD COLUMN IF NOT EXISTS transit_until DATE;
ALTER TABLE need_links ADD COLUMN IF NOT EXISTS days_late BIGINT;
