-- Version 7: every organisation's signs of work, one row per organisation, area and day
-- (data_loaders/store/derived.py): an activity report, or a delivery it supplied or
-- carried that was delivered. The definition is docs/METHODS.md's ("Last seen", under Partners);
-- the table is derived, never written by hand, and rebuilt in full when this version is
-- applied to a store that has records.

CREATE TABLE IF NOT EXISTS work_signs (
    org_id VARCHAR NOT NULL,
    region_adcode VARCHAR,
    county_adcode VARCHAR,
    day DATE NOT NULL
);
