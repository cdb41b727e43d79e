-- +goose Up
-- The territory, the social registry and its import history.
-- Keep in step with ../postgres/00001_registry.sql (TestSchemaParity).

CREATE TABLE regions (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    short_name TEXT NOT NULL,
    iso_code   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE provinces (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code)
);

CREATE TABLE communes (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    province_code TEXT NOT NULL REFERENCES provinces (code),
    region_code   TEXT NOT NULL REFERENCES regions (code)
);

CREATE TABLE imports (
    id                  INTEGER PRIMARY KEY,
    source              TEXT NOT NULL,
    started_at          TEXT NOT NULL,
    finished_at         TEXT,
    households_read     INTEGER NOT NULL DEFAULT 0,
    persons_read        INTEGER NOT NULL DEFAULT 0,
    households_inserted INTEGER NOT NULL DEFAULT 0,
    households_updated  INTEGER NOT NULL DEFAULT 0,
    households_rejected INTEGER NOT NULL DEFAULT 0,
    persons_moved       INTEGER NOT NULL DEFAULT 0,
    problems            INTEGER NOT NULL DEFAULT 0
);

-- id is assigned by the importer (a dense key the national-scale frames and
-- score snapshots use); household_id is the extract's identifier.
-- score_inputs packs the household's and its members' model inputs (see
-- registry/pack.go) so that a scoring run reads one row per household.
CREATE TABLE households (
    id                 INTEGER PRIMARY KEY,
    household_id       TEXT NOT NULL UNIQUE,
    commune_code       TEXT NOT NULL REFERENCES communes (code),
    zone               TEXT NOT NULL CHECK (zone IN ('urban', 'rural')),
    tenure             TEXT NOT NULL CHECK (tenure IN ('owner', 'renter', 'ceded', 'usufruct', 'irregular', 'other')),
    rooms              INTEGER NOT NULL CHECK (rooms >= 0),
    floor              TEXT NOT NULL CHECK (floor IN ('good', 'fair', 'poor')),
    walls              TEXT NOT NULL CHECK (walls IN ('good', 'fair', 'poor')),
    roof               TEXT NOT NULL CHECK (roof IN ('good', 'fair', 'poor')),
    water              TEXT NOT NULL CHECK (water IN ('public_network', 'well', 'truck', 'river', 'other')),
    sanitation         TEXT NOT NULL CHECK (sanitation IN ('sewer', 'septic', 'latrine', 'none')),
    vehicle_value_clp  INTEGER NOT NULL CHECK (vehicle_value_clp >= 0),
    property_value_clp INTEGER NOT NULL CHECK (property_value_clp >= 0),
    school_fees_clp    INTEGER NOT NULL CHECK (school_fees_clp >= 0),
    registered_on      TEXT NOT NULL,
    members            INTEGER NOT NULL,
    score_inputs       BLOB NOT NULL,
    import_id          INTEGER REFERENCES imports (id),
    updated_at         TEXT NOT NULL
);
-- Listing by commune pages through this index (keyset on id).
CREATE INDEX households_commune ON households (commune_code, id);

-- run is the RUN body; the check digit is derived. Sensitive columns
-- (health_plan, disability, dependency, indigenous, pregnant) are read only
-- through code paths that check the reader's role and log the read.
CREATE TABLE persons (
    run                INTEGER PRIMARY KEY,
    household          INTEGER NOT NULL REFERENCES households (id),
    relation           TEXT NOT NULL CHECK (relation IN ('head', 'spouse', 'child', 'parent', 'sibling', 'grandchild', 'other_relative', 'non_relative')),
    sex                TEXT NOT NULL CHECK (sex IN ('F', 'M', 'X')),
    birth_date         TEXT NOT NULL,
    schooling_years    INTEGER NOT NULL CHECK (schooling_years >= 0),
    in_school          INTEGER NOT NULL CHECK (in_school IN (0, 1)),
    employed           INTEGER NOT NULL CHECK (employed IN (0, 1)),
    labor_income_clp   INTEGER NOT NULL CHECK (labor_income_clp >= 0),
    pension_income_clp INTEGER NOT NULL CHECK (pension_income_clp >= 0),
    capital_income_clp INTEGER NOT NULL CHECK (capital_income_clp >= 0),
    health_plan        TEXT NOT NULL CHECK (health_plan IN ('fonasa_a', 'fonasa_b', 'fonasa_c', 'fonasa_d', 'isapre', 'none', 'other')),
    disability         TEXT NOT NULL CHECK (disability IN ('none', 'mild', 'moderate', 'severe')),
    dependency         TEXT NOT NULL CHECK (dependency IN ('none', 'mild', 'moderate', 'severe')),
    indigenous         INTEGER NOT NULL CHECK (indigenous IN (0, 1)),
    pregnant           INTEGER NOT NULL CHECK (pregnant IN (0, 1)),
    updated_at         TEXT NOT NULL
);
CREATE INDEX persons_household ON persons (household);

-- A person who appears in another household than before is recorded here.
CREATE TABLE person_moves (
    id             INTEGER PRIMARY KEY,
    run            INTEGER NOT NULL,
    from_household TEXT NOT NULL,
    to_household   TEXT NOT NULL,
    import_id      INTEGER NOT NULL REFERENCES imports (id),
    moved_at       TEXT NOT NULL
);
CREATE INDEX person_moves_run ON person_moves (run);

-- +goose Down
DROP TABLE person_moves;
DROP TABLE persons;
DROP TABLE households;
DROP TABLE imports;
DROP TABLE communes;
DROP TABLE provinces;
DROP TABLE regions;
