-- +goose Up
-- The results slice (docs/results.md): the coverage funnel computed per
-- call and commune (eligible → applied → selected → enrolled → completed →
-- graduated), indicators declared per programme line version and their
-- values stored per period and region with history, and one lock row per
-- computation so that two runs of the same computation queue instead of
-- interleaving. Keep in step with ../postgres/00076_results.sql
-- (TestSchemaParity).
--
-- results_funnel is a snapshot: a computation replaces a call's rows in one
-- transaction. Its counts are whole numbers of applicants (persons or
-- households, the line's unit), never people's data.
CREATE TABLE results_funnel (
    call_code       TEXT NOT NULL,
    line_code       TEXT NOT NULL,
    program_version INTEGER NOT NULL,
    period          TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    commune_code    TEXT NOT NULL,
    eligible        INTEGER NOT NULL CHECK (eligible >= 0),
    applied         INTEGER NOT NULL CHECK (applied >= 0),
    selected        INTEGER NOT NULL CHECK (selected >= 0),
    enrolled        INTEGER NOT NULL CHECK (enrolled >= 0),
    completed       INTEGER NOT NULL CHECK (completed >= 0),
    graduated       INTEGER NOT NULL CHECK (graduated >= 0),
    computed_at     TEXT NOT NULL,
    PRIMARY KEY (call_code, commune_code)
);
CREATE INDEX results_funnel_line_idx ON results_funnel (line_code, period);
CREATE INDEX results_funnel_region_idx ON results_funnel (region_code, line_code);

-- An indicator is declared for one version of a programme line: its
-- numerator and denominator are CEL expressions over one case (checked when
-- saved), targets is a JSON list of {period, region, target}.
CREATE TABLE results_indicators (
    id              INTEGER PRIMARY KEY,
    line_code       TEXT NOT NULL,
    program_version INTEGER NOT NULL CHECK (program_version > 0),
    code            TEXT NOT NULL,
    name_es         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    numerator       TEXT NOT NULL,
    denominator     TEXT NOT NULL,
    unit            TEXT NOT NULL CHECK (unit = 'percent' OR unit = 'ratio' OR unit = 'count' OR unit = 'pesos'),
    baseline        REAL,
    tolerance       REAL NOT NULL CHECK (tolerance >= 0),
    targets         TEXT NOT NULL,
    saved_at        TEXT NOT NULL,
    saved_by        TEXT NOT NULL,
    UNIQUE (line_code, program_version, code)
);

-- Every computation of an indicator adds rows (one per region and one
-- national, region_code ''): the latest row of a period is its value, the
-- earlier ones its history. value is NULL when the denominator is zero.
CREATE TABLE results_indicator_values (
    id          INTEGER PRIMARY KEY,
    indicator   INTEGER NOT NULL REFERENCES results_indicators (id),
    period      TEXT NOT NULL,
    region_code TEXT NOT NULL,
    numerator   REAL NOT NULL,
    denominator REAL NOT NULL,
    value       REAL,
    target      REAL,
    status      TEXT NOT NULL CHECK (status = 'on_track' OR status = 'off_track' OR status = 'no_target' OR status = 'no_data'),
    computed_at TEXT NOT NULL,
    computed_by TEXT NOT NULL
);
CREATE INDEX results_indicator_values_idx ON results_indicator_values (indicator, period, region_code, id);
CREATE INDEX results_indicator_values_status_idx ON results_indicator_values (status, region_code);

-- One row per computation ('funnel', 'indicators'): a run updates its row
-- first, which queues concurrent runs behind it on both engines.
CREATE TABLE results_locks (
    name    TEXT PRIMARY KEY,
    ran_at  TEXT NOT NULL,
    runs    INTEGER NOT NULL
);
INSERT INTO results_locks (name, ran_at, runs) VALUES ('funnel', '1970-01-01T00:00:00Z', 0);
INSERT INTO results_locks (name, ran_at, runs) VALUES ('indicators', '1970-01-01T00:00:00Z', 0);

-- +goose Down
DROP TABLE results_locks;
DROP TABLE results_indicator_values;
DROP TABLE results_indicators;
DROP TABLE results_funnel;
