-- +goose Up
-- Scorecard models and scoring runs (snapshots).
-- Keep in step with ../postgres/00002_scoring.sql (TestSchemaParity).

-- Each model version is stored exactly as it was used (canonical JSON and its
-- SHA-256), so a run can always be reproduced.
CREATE TABLE score_models (
    id         INTEGER PRIMARY KEY,
    model_id   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK ((kind = 'income' OR kind = 'pmt')),
    name       TEXT NOT NULL,
    digest     TEXT NOT NULL,
    spec       TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 0 CHECK ((active = 0 OR active = 1)),
    created_at TEXT NOT NULL,
    UNIQUE (model_id, version)
);

CREATE TABLE score_runs (
    id          INTEGER PRIMARY KEY,
    model       INTEGER NOT NULL REFERENCES score_models (id),
    as_of       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    households  INTEGER NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);

-- One row per household per run. The key is (run, household) so that a run
-- is written in key order (appending to the b-tree) and read back by range.
-- No foreign key to households: a snapshot outlives changes to the registry.
CREATE TABLE score_results (
    run        INTEGER NOT NULL,
    household  INTEGER NOT NULL,
    value      REAL NOT NULL,
    percentile REAL NOT NULL,
    bracket    INTEGER NOT NULL,
    poorest5   INTEGER NOT NULL,
    upgrade    INTEGER NOT NULL,
    PRIMARY KEY (run, household)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE score_results;
DROP TABLE score_runs;
DROP TABLE score_models;
