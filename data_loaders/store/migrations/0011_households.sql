-- Version 11: families in difficulty (issue 17). A household is a pseudonymous record
-- (its organisation's own id for it, the region and who lives there: never a name, a
-- phone, an ID-card number or an address); an assessment is one round's answers on the
-- network's tool, one row per answer (the tool is data: data_loaders/households/tool.py);
-- a case follows a household until its difficulty is resolved, with the services given.
-- No history tables: a household deleted on request leaves no row anywhere, only a count
-- in household_deletions.

CREATE TABLE IF NOT EXISTS households (
    household_key VARCHAR PRIMARY KEY,
    household_id VARCHAR,
    org_id VARCHAR,
    region VARCHAR,
    region_adcode VARCHAR,
    size BIGINT,
    children BOOLEAN,
    elderly BOOLEAN,
    sick_or_disabled BOOLEAN,
    migration_status VARCHAR
);

CREATE TABLE IF NOT EXISTS household_assessments (
    assessment_key VARCHAR PRIMARY KEY,
    household_key VARCHAR,
    round_id VARCHAR,
    assessed_on DATE,
    tool_id VARCHAR
);

CREATE TABLE IF NOT EXISTS household_answers (
    answer_key VARCHAR PRIMARY KEY,
    assessment_key VARCHAR,
    question_id VARCHAR,
    answer BIGINT
);

CREATE TABLE IF NOT EXISTS household_cases (
    household_key VARCHAR PRIMARY KEY,
    case_status VARCHAR,
    opened_on DATE,
    closed_on DATE,
    close_reason VARCHAR,
    last_contact_on DATE,
    next_review_on DATE,
    notes VARCHAR
);

CREATE TABLE IF NOT EXISTS household_services (
    service_key VARCHAR PRIMARY KEY,
    household_key VARCHAR,
    given_on DATE,
    service_kind VARCHAR,
    amount_cny DOUBLE PRECISION,
    referred_to VARCHAR
);

CREATE TABLE IF NOT EXISTS household_deletions (
    deletion_key VARCHAR PRIMARY KEY,
    org_id VARCHAR,
    deleted_on DATE,
    households BIGINT
);
