-- Version 8: per area and day, how the open needs, urgent open needs and overdue
-- deliveries change that day (data_loaders/store/derived.py); an area's count on day D is
-- the sum of its changes on or before D. The definitions are docs/METHODS.md's ("Open
-- need", "Overdue delivery"); the table is derived, never written by hand, and rebuilt in
-- full when this version is applied to a store that has records.

CREATE TABLE IF NOT EXISTS area_day_deltas (
    region_adcode VARCHAR,
    county_adcode VARCHAR,
    day DATE NOT NULL,
    d_open BIGINT NOT NULL,
    d_urgent BIGINT NOT NULL,
    d_overdue BIGINT NOT NULL
);
