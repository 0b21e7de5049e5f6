-- Version 1: the store as Lifeline kept it before it knew its schema version (the
-- interchange tables of data_loaders.store.schema, the import log, the quarantine, the
-- costs per need, the review queue and the confirmed names). Every statement is safe on
-- such a store, which is how an unversioned store is brought to version 1.
-- Frozen: a later change to the store is a new file, never an edit of this one.

CREATE TABLE IF NOT EXISTS organizations (
    org_id VARCHAR,
    name VARCHAR,
    org_type VARCHAR,
    region VARCHAR,
    hub_id VARCHAR,
    region_adcode VARCHAR,
    prefecture_adcode VARCHAR,
    PRIMARY KEY (org_id)
);

CREATE TABLE IF NOT EXISTS facilities (
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
    PRIMARY KEY (facility_id)
);

CREATE TABLE IF NOT EXISTS needs (
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
    PRIMARY KEY (need_id)
);

CREATE TABLE IF NOT EXISTS deliveries (
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
    PRIMARY KEY (delivery_id)
);

CREATE TABLE IF NOT EXISTS grants (
    grant_id VARCHAR,
    funder_id VARCHAR,
    recipient_id VARCHAR,
    amount_cny DOUBLE PRECISION,
    category VARCHAR,
    region VARCHAR,
    start_on DATE,
    end_on DATE,
    region_adcode VARCHAR,
    PRIMARY KEY (grant_id)
);

CREATE TABLE IF NOT EXISTS activities (
    report_id VARCHAR,
    org_id VARCHAR,
    reported_on DATE,
    region VARCHAR,
    activity_type VARCHAR,
    people_served BIGINT,
    volunteers BIGINT,
    region_adcode VARCHAR,
    PRIMARY KEY (report_id)
);

CREATE TABLE IF NOT EXISTS case_counts (
    case_id VARCHAR,
    date DATE,
    region VARCHAR,
    confirmed_cum BIGINT,
    cured_cum BIGINT,
    dead_cum BIGINT,
    new_confirmed BIGINT,
    region_adcode VARCHAR,
    PRIMARY KEY (case_id)
);

CREATE TABLE IF NOT EXISTS imports (
    import_id VARCHAR,
    file_name VARCHAR,
    sha256 VARCHAR,
    table_name VARCHAR,
    rows BIGINT,
    imported_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS quarantine (
    quarantine_id VARCHAR PRIMARY KEY,
    import_id VARCHAR,
    table_name VARCHAR,
    file_name VARCHAR,
    "row" BIGINT,
    record JSON,
    problems JSON,
    status VARCHAR,
    created_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS need_costs (
    category VARCHAR PRIMARY KEY,
    cost_per_need_cny DOUBLE PRECISION NOT NULL,
    updated_at TIMESTAMP,
    updated_by VARCHAR
);

CREATE TABLE IF NOT EXISTS review_queue (
    review_id VARCHAR PRIMARY KEY,
    import_id VARCHAR,
    source VARCHAR,
    "row" BIGINT,
    raw_name VARCHAR,
    proposed_id VARCHAR,
    proposed_name VARCHAR,
    confidence DOUBLE PRECISION,
    kind VARCHAR,
    status VARCHAR DEFAULT 'pending',
    decided_id VARCHAR,
    decided_at TIMESTAMP,
    payload JSON,
    list_region VARCHAR
);

CREATE TABLE IF NOT EXISTS name_aliases (
    name_key VARCHAR,
    kind VARCHAR,
    raw_name VARCHAR,
    target_id VARCHAR,
    created_at TIMESTAMP,
    PRIMARY KEY (name_key, kind)
);

ALTER TABLE review_queue ADD COLUMN IF NOT EXISTS list_region VARCHAR;
