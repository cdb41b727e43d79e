-- +goose Up
-- Programmes, executing agencies, calls for applications, applications,
-- selections and participations (internal/programs, docs/selection.md).
-- Keep in step with ../postgres/00007_programs.sql (TestSchemaParity).

-- A programme line keeps its identity across the years; each change of name,
-- amounts or components is a new row of program_versions.
CREATE TABLE program_lines (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    area       TEXT NOT NULL CHECK (area = 'entrepreneurship' OR area = 'employment' OR area = 'social_development'),
    unit       TEXT NOT NULL CHECK (unit = 'person' OR unit = 'household'),
    created_at TEXT NOT NULL
);

CREATE TABLE program_versions (
    id              INTEGER PRIMARY KEY,
    line            INTEGER NOT NULL REFERENCES program_lines (id),
    version         INTEGER NOT NULL,
    name_es         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    spec            TEXT NOT NULL,
    amount_clp      INTEGER NOT NULL CHECK (amount_clp >= 0),
    duration_months INTEGER NOT NULL CHECK (duration_months > 0),
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    UNIQUE (line, version)
);

-- Executing agencies (ejecutores) and their tendered contracts.
CREATE TABLE agencies (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE agency_contracts (
    id          INTEGER PRIMARY KEY,
    agency      INTEGER NOT NULL REFERENCES agencies (id),
    line        INTEGER NOT NULL REFERENCES program_lines (id),
    tender_code TEXT NOT NULL UNIQUE,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    families    INTEGER NOT NULL CHECK (families > 0),
    budget_clp  INTEGER NOT NULL CHECK (budget_clp > 0),
    created_at  TEXT NOT NULL
);

CREATE TABLE agency_contract_communes (
    contract     INTEGER NOT NULL REFERENCES agency_contracts (id),
    commune_code TEXT NOT NULL REFERENCES communes (code),
    PRIMARY KEY (contract, commune_code)
);

-- Which agency a user of role agency works for (the users table is the auth
-- package's; this is the programmes slice's own knowledge).
CREATE TABLE agency_staff (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    agency  INTEGER NOT NULL REFERENCES agencies (id)
);

-- A call for applications. spec holds the rule set, priorities and reserved
-- shares as JSON (frozen once the call opens); committed_clp is what
-- enrolments have reserved from budget_clp, never more (CHECK and the
-- conditional UPDATE in Enroll).
CREATE TABLE calls (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    program_version INTEGER NOT NULL REFERENCES program_versions (id),
    title           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status = 'draft' OR status = 'open' OR status = 'closed' OR status = 'selected' OR status = 'published'),
    opens_on        TEXT NOT NULL,
    closes_on       TEXT NOT NULL,
    score_run       INTEGER NOT NULL REFERENCES score_runs (id),
    spec            TEXT NOT NULL,
    budget_clp      INTEGER NOT NULL CHECK (budget_clp >= 0),
    committed_clp   INTEGER NOT NULL DEFAULT 0 CHECK (committed_clp >= 0 AND committed_clp <= budget_clp),
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE call_communes (
    call         INTEGER NOT NULL REFERENCES calls (id),
    commune_code TEXT NOT NULL REFERENCES communes (code),
    quota        INTEGER NOT NULL CHECK (quota >= 0),
    PRIMARY KEY (call, commune_code)
);

CREATE TABLE call_regions (
    call        INTEGER NOT NULL REFERENCES calls (id),
    region_code TEXT NOT NULL REFERENCES regions (code),
    quota       INTEGER NOT NULL CHECK (quota >= 0),
    PRIMARY KEY (call, region_code)
);

-- One row per application; applicant is the RUN (person calls) or the
-- household key (household calls), so the UNIQUE constraint is "one
-- application per person (or household) per call". attrs is the applicant's
-- attributes and score as evaluated at submission (the selection's input).
CREATE TABLE applications (
    id            INTEGER PRIMARY KEY,
    call          INTEGER NOT NULL REFERENCES calls (id),
    applicant     INTEGER NOT NULL,
    household     INTEGER NOT NULL,
    person_run    INTEGER NOT NULL,
    commune_code  TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    channel       TEXT NOT NULL CHECK (channel = 'staff' OR channel = 'agency' OR channel = 'api' OR channel = 'csv'),
    agency        INTEGER REFERENCES agencies (id),
    status        TEXT NOT NULL CHECK (status = 'submitted' OR status = 'ineligible' OR status = 'selected' OR status = 'waitlisted' OR status = 'withdrawn' OR status = 'enrolled' OR status = 'not_selected'),
    eligible      INTEGER NOT NULL CHECK (eligible = 0 OR eligible = 1),
    failed        TEXT NOT NULL,
    attrs         TEXT NOT NULL,
    seat          TEXT NOT NULL DEFAULT '',
    rank          INTEGER NOT NULL DEFAULT 0,
    waitlist_pos  INTEGER NOT NULL DEFAULT 0,
    reason        TEXT NOT NULL DEFAULT '',
    submitted_at  TEXT NOT NULL,
    submitted_by  TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (call, applicant)
);
CREATE INDEX applications_call_status_idx ON applications (call, status);
CREATE INDEX applications_household_idx ON applications (household);

-- The frozen record of a selection run: inputs, rule digest, run, ranking
-- and placements as JSON, with its SHA-256.
CREATE TABLE selections (
    id         INTEGER PRIMARY KEY,
    call       INTEGER NOT NULL REFERENCES calls (id),
    ran_at     TEXT NOT NULL,
    ran_by     TEXT NOT NULL,
    digest     TEXT NOT NULL,
    record     TEXT NOT NULL
);
CREATE INDEX selections_call_idx ON selections (call);

-- Participation in a programme line (what cool-downs and incompatibilities
-- look at). ends_on is NULL while it runs.
CREATE TABLE participations (
    id          INTEGER PRIMARY KEY,
    line        INTEGER NOT NULL REFERENCES program_lines (id),
    call        INTEGER REFERENCES calls (id),
    application INTEGER UNIQUE REFERENCES applications (id),
    household   INTEGER NOT NULL,
    person_run  INTEGER NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT,
    amount_clp  INTEGER NOT NULL CHECK (amount_clp >= 0),
    created_at  TEXT NOT NULL
);
CREATE INDEX participations_household_idx ON participations (household);

-- +goose Down
DROP TABLE participations;
DROP TABLE selections;
DROP TABLE applications;
DROP TABLE call_regions;
DROP TABLE call_communes;
DROP TABLE calls;
DROP TABLE agency_staff;
DROP TABLE agency_contract_communes;
DROP TABLE agency_contracts;
DROP TABLE agencies;
DROP TABLE program_versions;
DROP TABLE program_lines;
