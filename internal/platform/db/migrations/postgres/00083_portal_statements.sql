-- +goose Up
-- Statements a person downloads from the citizen portal (issue 19): what
-- each one said, under a verification code staff can check.
-- Keep in step with the other engine's 00083_portal_statements.sql (TestSchemaParity).
CREATE TABLE portal_statements (
    code          TEXT PRIMARY KEY,
    person_key    BIGINT NOT NULL,
    household_key BIGINT NOT NULL,
    household_id  TEXT NOT NULL,
    run_id        BIGINT NOT NULL DEFAULT 0,
    bracket       INTEGER NOT NULL DEFAULT 0,
    percentile    DOUBLE PRECISION NOT NULL DEFAULT 0,
    members       INTEGER NOT NULL,
    issued_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_statements_household ON portal_statements (household_key);

-- +goose Down
DROP TABLE portal_statements;
