-- Version 2: every change kept. A change is one transaction (an import, a correction,
-- a review decision, a re-submitted quarantine row, a change of the costs per need):
-- who made it, when, why and from which file. Each interchange table has a history
-- table holding every version of every record ("put") and every retraction
-- ("retract"), each tagged with the change that wrote it; the table itself holds the
-- latest version. A store that already held data gets one "baseline" change dated by
-- its last import, holding the rows as they were: its history starts there.

CREATE SEQUENCE IF NOT EXISTS change_seq START 1;

CREATE TABLE IF NOT EXISTS changes (
    change_id BIGINT PRIMARY KEY,
    recorded_at TIMESTAMP NOT NULL,
    actor VARCHAR,
    role VARCHAR,
    reason VARCHAR NOT NULL,
    import_id VARCHAR,
    detail JSON
);

CREATE TABLE IF NOT EXISTS organizations_history (
    change_id BIGINT NOT NULL,
    op VARCHAR NOT NULL,
    org_id VARCHAR,
    name VARCHAR,
    org_type VARCHAR,
    region VARCHAR,
    hub_id VARCHAR,
    region_adcode VARCHAR,
    prefecture_adcode VARCHAR,
    PRIMARY KEY (org_id, change_id)
);

CREATE TABLE IF NOT EXISTS facilities_history (
    change_id BIGINT NOT NULL,
    op VARCHAR NOT NULL,
    facility_id VARCHAR,
    name VARCHAR,
    facility_type VARCHAR,
    region VARCHAR,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    coord_system VARCHAR,
    capacity BIGINT,
    designated BOOLEAN,
    region_adcode VARCHAR,
    county_adcode VARCHAR,
    map_lat DOUBLE PRECISION,
    map_lon DOUBLE PRECISION,
    PRIMARY KEY (facility_id, change_id)
);

CREATE TABLE IF NOT EXISTS needs_history (
    change_id BIGINT NOT NULL,
    op VARCHAR NOT NULL,
    need_id VARCHAR,
    facility_id VARCHAR,
    reported_by VARCHAR,
    reported_on DATE,
    category VARCHAR,
    item VARCHAR,
    quantity DOUBLE PRECISION,
    unit VARCHAR,
    priority VARCHAR,
    beneficiary_group VARCHAR,
    status VARCHAR,
    closed_on DATE,
    PRIMARY KEY (need_id, change_id)
);

CREATE TABLE IF NOT EXISTS deliveries_history (
    change_id BIGINT NOT NULL,
    op VARCHAR NOT NULL,
    delivery_id VARCHAR,
    need_id VARCHAR,
    facility_id VARCHAR,
    supplier_id VARCHAR,
    carrier_id VARCHAR,
    category VARCHAR,
    item VARCHAR,
    quantity DOUBLE PRECISION,
    unit VARCHAR,
    dispatched_on DATE,
    expected_on DATE,
    delivered_on DATE,
    status VARCHAR,
    PRIMARY KEY (delivery_id, change_id)
);

CREATE TABLE IF NOT EXISTS grants_history (
    change_id BIGINT NOT NULL,
    op VARCHAR NOT NULL,
    grant_id VARCHAR,
    funder_id VARCHAR,
    recipient_id VARCHAR,
    amount_cny DOUBLE PRECISION,
    category VARCHAR,
    region VARCHAR,
    start_on DATE,
    end_on DATE,
    region_adcode VARCHAR,
    PRIMARY KEY (grant_id, change_id)
);

CREATE TABLE IF NOT EXISTS activities_history (
    change_id BIGINT NOT NULL,
    op VARCHAR NOT NULL,
    report_id VARCHAR,
    org_id VARCHAR,
    reported_on DATE,
    region VARCHAR,
    activity_type VARCHAR,
    people_served BIGINT,
    volunteers BIGINT,
    region_adcode VARCHAR,
    PRIMARY KEY (report_id, change_id)
);

CREATE TABLE IF NOT EXISTS case_counts_history (
    change_id BIGINT NOT NULL,
    op VARCHAR NOT NULL,
    case_id VARCHAR,
    date DATE,
    region VARCHAR,
    confirmed_cum BIGINT,
    cured_cum BIGINT,
    dead_cum BIGINT,
    new_confirmed BIGINT,
    region_adcode VARCHAR,
    PRIMARY KEY (case_id, change_id)
);

-- The rows a store already held: one baseline change.
INSERT INTO changes (change_id, recorded_at, actor, reason, detail)
SELECT nextval('change_seq'),
       coalesce((SELECT max(imported_at) FROM imports), TIMESTAMP '2020-01-01 00:00:00'),
       'lifeline', 'baseline', NULL
WHERE (SELECT count(*) FROM organizations) +
      (SELECT count(*) FROM facilities) +
      (SELECT count(*) FROM needs) +
      (SELECT count(*) FROM deliveries) +
      (SELECT count(*) FROM grants) +
      (SELECT count(*) FROM activities) +
      (SELECT count(*) FROM case_counts) > 0;

INSERT INTO organizations_history SELECT (SELECT max(change_id) FROM changes), 'put', organizations.* FROM organizations;
INSERT INTO facilities_history SELECT (SELECT max(change_id) FROM changes), 'put', facilities.* FROM facilities;
INSERT INTO needs_history SELECT (SELECT max(change_id) FROM changes), 'put', needs.* FROM needs;
INSERT INTO deliveries_history SELECT (SELECT max(change_id) FROM changes), 'put', deliveries.* FROM deliveries;
INSERT INTO grants_history SELECT (SELECT max(change_id) FROM changes), 'put', grants.* FROM grants;
INSERT INTO activities_history SELECT (SELECT max(change_id) FROM changes), 'put', activities.* FROM activities;
INSERT INTO case_counts_history SELECT (SELECT max(change_id) FROM changes), 'put', case_counts.* FROM case_counts;
