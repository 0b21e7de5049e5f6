-- Version 10: area_day_deltas also counts, per area and day, how the open needs at
-- community and village facilities change, and how many deliveries were delivered there
-- (all, and to hospitals), so the mismatch between where supplies go and where needs are
-- (docs/METHODS.md) is a running sum over a few thousand rows instead of a pass over every
-- need and delivery. Derived, never written by hand, and rebuilt in full when this
-- version is applied to a store that has records.

ALTER TABLE area_day_deltas ADD COLUMN IF NOT EXISTS d_community_open BIGINT DEFAULT 0;
ALTER TABLE area_day_deltas ADD COLUMN IF NOT EXISTS d_delivered BIGINT DEFAULT 0;
ALTER TABLE area_day_deltas ADD COLUMN IF NOT EXISTS d_hospital_delivered BIGINT DEFAULT 0;
