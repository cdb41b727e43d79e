-- +goose Up
-- Change requests on a household (maker-checker) and the household's history.
-- Keep in step with ../postgres/00006_changes.sql (TestSchemaParity).
--
-- A change request is submitted by one user and approved or rejected by
-- another (registry/changes.go); changes holds its typed field changes as
-- JSON, each with the value it replaces, so that approval can tell whether
-- the household changed underneath since submission. household is the
-- household's key (households.id): no foreign key, like every reference to
-- the bulk tables (see 00001).
CREATE TABLE change_requests (
    id           INTEGER PRIMARY KEY,
    household    INTEGER NOT NULL,
    household_id TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK ((kind = 'update' OR kind = 'rectify' OR kind = 'complement')),
    state        TEXT NOT NULL CHECK ((state = 'submitted' OR state = 'approved' OR state = 'rejected' OR state = 'withdrawn')),
    changes      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    evidence     TEXT NOT NULL DEFAULT '',
    maker        TEXT NOT NULL,
    maker_role   TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    checker      TEXT NOT NULL DEFAULT '',
    checker_role TEXT NOT NULL DEFAULT '',
    decided_at   TEXT,
    comment      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX change_requests_household ON change_requests (household, id);
CREATE INDEX change_requests_state ON change_requests (state, id);

-- Every version of every household, so that "the household as of date X" is
-- what was recorded then. A version is written when an import inserts or
-- changes a household (digest tells, without decoding, whether it changed)
-- and when a change request is approved. record is the whole household with
-- its members in a compact binary encoding (registry/history.go);
-- commune_code is kept beside it because scope follows the household's
-- commune at the version's date.
CREATE TABLE household_versions (
    id           INTEGER PRIMARY KEY,
    household    INTEGER NOT NULL,
    valid_from   TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    source       TEXT NOT NULL CHECK ((source = 'import' OR source = 'change' OR source = 'baseline')),
    source_id    INTEGER NOT NULL,
    digest       INTEGER NOT NULL,
    record       BLOB NOT NULL
);
CREATE INDEX household_versions_household ON household_versions (household, valid_from, id);

-- +goose Down
DROP TABLE household_versions;
DROP TABLE change_requests;
