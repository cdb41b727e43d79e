-- +goose Up
-- The territory, the social registry and its import history.
-- Keep in step with ../postgres/00001_registry.sql (TestSchemaParity).
-- CHECKs list allowed words as OR chains, not IN lists: SQLite builds an
-- ephemeral table for every IN list on every row, which made bulk loads 3x
-- slower (measured: 200k households in 7.0 s with IN, 2.4 s with OR).

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

-- households and persons carry no foreign keys: they are written in bulk by
-- the importer (their only writer), which checks every reference first, and
-- per-row foreign-key checks made a national import four times slower on
-- PostgreSQL (570k persons: 2.0 s COPY without, 8.3 s with). Store.Integrity
-- verifies the references after the fact and the tests call it.
--
-- id is assigned by the importer (a dense key the national-scale frames and
-- score snapshots use); household_id is the extract's identifier.
-- score_inputs packs the household's and its members' model inputs (see
-- registry/pack.go) so that a scoring run reads one row per household.
CREATE TABLE households (
    id                 INTEGER PRIMARY KEY,
    household_id       TEXT NOT NULL UNIQUE,
    commune_code       TEXT NOT NULL,
    zone               TEXT NOT NULL CHECK ((zone = 'urban' OR zone = 'rural')),
    tenure             TEXT NOT NULL CHECK ((tenure = 'owner' OR tenure = 'renter' OR tenure = 'ceded' OR tenure = 'usufruct' OR tenure = 'irregular' OR tenure = 'other')),
    rooms              INTEGER NOT NULL CHECK (rooms >= 0),
    floor              TEXT NOT NULL CHECK ((floor = 'good' OR floor = 'fair' OR floor = 'poor')),
    walls              TEXT NOT NULL CHECK ((walls = 'good' OR walls = 'fair' OR walls = 'poor')),
    roof               TEXT NOT NULL CHECK ((roof = 'good' OR roof = 'fair' OR roof = 'poor')),
    water              TEXT NOT NULL CHECK ((water = 'public_network' OR water = 'well' OR water = 'truck' OR water = 'river' OR water = 'other')),
    sanitation         TEXT NOT NULL CHECK ((sanitation = 'sewer' OR sanitation = 'septic' OR sanitation = 'latrine' OR sanitation = 'none')),
    vehicle_value_clp  INTEGER NOT NULL CHECK (vehicle_value_clp >= 0),
    property_value_clp INTEGER NOT NULL CHECK (property_value_clp >= 0),
    school_fees_clp    INTEGER NOT NULL CHECK (school_fees_clp >= 0),
    registered_on      TEXT NOT NULL,
    members            INTEGER NOT NULL,
    score_inputs       BLOB NOT NULL,
    import_id          INTEGER,
    updated_at         TEXT NOT NULL
);
-- Listing by commune pages through this index (keyset on id).
CREATE INDEX households_commune ON households (commune_code, id);

-- run is the RUN body; the check digit is derived. Sensitive columns
-- (health_plan, disability, dependency, indigenous, pregnant) are read only
-- through code paths that check the reader's role and log the read.
CREATE TABLE persons (
    run                INTEGER PRIMARY KEY,
    household          INTEGER NOT NULL,
    relation           TEXT NOT NULL CHECK ((relation = 'head' OR relation = 'spouse' OR relation = 'child' OR relation = 'parent' OR relation = 'sibling' OR relation = 'grandchild' OR relation = 'other_relative' OR relation = 'non_relative')),
    sex                TEXT NOT NULL CHECK ((sex = 'F' OR sex = 'M' OR sex = 'X')),
    birth_date         TEXT NOT NULL,
    schooling_years    INTEGER NOT NULL CHECK (schooling_years >= 0),
    in_school          INTEGER NOT NULL CHECK ((in_school = 0 OR in_school = 1)),
    employed           INTEGER NOT NULL CHECK ((employed = 0 OR employed = 1)),
    labor_income_clp   INTEGER NOT NULL CHECK (labor_income_clp >= 0),
    pension_income_clp INTEGER NOT NULL CHECK (pension_income_clp >= 0),
    capital_income_clp INTEGER NOT NULL CHECK (capital_income_clp >= 0),
    health_plan        TEXT NOT NULL CHECK ((health_plan = 'fonasa_a' OR health_plan = 'fonasa_b' OR health_plan = 'fonasa_c' OR health_plan = 'fonasa_d' OR health_plan = 'isapre' OR health_plan = 'none' OR health_plan = 'other')),
    disability         TEXT NOT NULL CHECK ((disability = 'none' OR disability = 'mild' OR disability = 'moderate' OR disability = 'severe')),
    dependency         TEXT NOT NULL CHECK ((dependency = 'none' OR dependency = 'mild' OR dependency = 'moderate' OR dependency = 'severe')),
    indigenous         INTEGER NOT NULL CHECK ((indigenous = 0 OR indigenous = 1)),
    pregnant           INTEGER NOT NULL CHECK ((pregnant = 0 OR pregnant = 1)),
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
