-- +goose Up
-- Files a person uploads from the citizen portal as evidence for a
-- correction of their household (issue 19): the change request's evidence
-- note names the file's code; staff who see the household download it.
-- Keep in step with the other engine's 00086_portal_evidence.sql (TestSchemaParity).
CREATE TABLE portal_evidence (
    code          TEXT PRIMARY KEY,
    person_key    BIGINT NOT NULL,
    household_key BIGINT NOT NULL,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    data          BYTEA NOT NULL,
    uploaded_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_evidence_household ON portal_evidence (household_key);

-- +goose Down
DROP TABLE portal_evidence;
