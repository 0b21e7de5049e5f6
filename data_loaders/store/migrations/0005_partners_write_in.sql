-- Version 5: partners and funders write in (issue 15). A partner's activity report says
-- what it distributed; a pledge (认领) claims an open need; what a partner or funder files
-- waits in ``submissions`` for the hub's review, and only an approved submission is
-- written to the records (as one change, in the same transaction); ``partner_settings``
-- holds each partner's reporting schedule and whether the hub trusts it (its submissions
-- are approved on arrival, and still listed).

ALTER TABLE activities ADD COLUMN IF NOT EXISTS category VARCHAR;
ALTER TABLE activities ADD COLUMN IF NOT EXISTS item VARCHAR;
ALTER TABLE activities ADD COLUMN IF NOT EXISTS quantity DOUBLE PRECISION;
ALTER TABLE activities ADD COLUMN IF NOT EXISTS unit VARCHAR;
ALTER TABLE activities_history ADD COLUMN IF NOT EXISTS category VARCHAR;
ALTER TABLE activities_history ADD COLUMN IF NOT EXISTS item VARCHAR;
ALTER TABLE activities_history ADD COLUMN IF NOT EXISTS quantity DOUBLE PRECISION;
ALTER TABLE activities_history ADD COLUMN IF NOT EXISTS unit VARCHAR;

CREATE TABLE IF NOT EXISTS pledges (
    pledge_id VARCHAR PRIMARY KEY,
    need_id VARCHAR,
    org_id VARCHAR,
    quantity DOUBLE PRECISION,
    unit VARCHAR,
    pledged_on DATE,
    due_on DATE,
    pledge_status VARCHAR
);

CREATE TABLE IF NOT EXISTS pledges_history (
    change_id BIGINT NOT NULL,
    op VARCHAR NOT NULL,
    pledge_id VARCHAR,
    need_id VARCHAR,
    org_id VARCHAR,
    quantity DOUBLE PRECISION,
    unit VARCHAR,
    pledged_on DATE,
    due_on DATE,
    pledge_status VARCHAR,
    PRIMARY KEY (pledge_id, change_id)
);

CREATE TABLE IF NOT EXISTS submissions (
    submission_id VARCHAR PRIMARY KEY,
    org_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    record_key VARCHAR NOT NULL,
    record JSON NOT NULL,
    status VARCHAR NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    submitted_by VARCHAR,
    reviewed_at TIMESTAMP,
    reviewed_by VARCHAR,
    comment VARCHAR,
    change_id BIGINT
);

CREATE TABLE IF NOT EXISTS partner_settings (
    org_id VARCHAR PRIMARY KEY,
    trusted BOOLEAN NOT NULL,
    every_days BIGINT,
    grace_days BIGINT,
    starts_on DATE,
    updated_at TIMESTAMP,
    updated_by VARCHAR
);

-- A reporting period past its deadline is locked for the partner's filings; the hub can
-- reopen one (issue 15 §4).
CREATE TABLE IF NOT EXISTS reopened_periods (
    org_id VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    reopened_at TIMESTAMP NOT NULL,
    reopened_by VARCHAR,
    PRIMARY KEY (org_id, period_start)
);
