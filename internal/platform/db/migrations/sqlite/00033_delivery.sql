-- +goose Up
-- The delivery slice (internal/delivery, docs/delivery.md): what FOSIS does
-- after a family or person is enrolled. Methodologies per programme line
-- version, cases with their state and timeline, counsellors and who may read
-- session notes, diagnoses of minimum conditions, sessions and visits.
-- Keep in step with ../postgres/00033_delivery.sql (TestSchemaParity).

-- A line version's methodology: components, conditions and dimensions as
-- JSON. A programme version without one of its own uses the latest earlier
-- one of its line; a case pins the row it started with.
CREATE TABLE delivery_methodologies (
    id              INTEGER PRIMARY KEY,
    line_code       TEXT NOT NULL,
    program_version INTEGER NOT NULL CHECK (program_version > 0),
    spec            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    UNIQUE (line_code, program_version)
);

-- Counsellors (apoyo familiar, gestor, monitor) of an executing agency, their
-- supervisor and the most cases they should carry.
CREATE TABLE delivery_counsellors (
    user_id        INTEGER PRIMARY KEY REFERENCES users (id),
    agency_code    TEXT NOT NULL REFERENCES agencies (code),
    supervisor     INTEGER REFERENCES users (id),
    caseload_limit INTEGER NOT NULL CHECK (caseload_limit > 0),
    created_at     TEXT NOT NULL
);
CREATE INDEX delivery_counsellors_agency_idx ON delivery_counsellors (agency_code);

-- FOSIS staff an administrator authorised to read session notes (sensitive
-- data, Ley 21.719) within their reach.
CREATE TABLE delivery_note_readers (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL
);

-- A case: one family (or person) in one line version. state moves only by
-- compare-and-set (internal/delivery/cases.go). participation is the
-- enrolment that opened it (NULL for families assigned without a call, as
-- Familias and Habitabilidad are).
CREATE TABLE delivery_cases (
    id              INTEGER PRIMARY KEY,
    line_code       TEXT NOT NULL,
    program_version INTEGER NOT NULL,
    methodology     INTEGER NOT NULL REFERENCES delivery_methodologies (id),
    participation   INTEGER UNIQUE,
    household       INTEGER NOT NULL,
    household_id    TEXT NOT NULL,
    person_run      INTEGER NOT NULL,
    commune_code    TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    agency_code     TEXT REFERENCES agencies (code),
    counsellor      INTEGER REFERENCES users (id),
    state           TEXT NOT NULL CHECK (state = 'open' OR state = 'in_diagnosis' OR state = 'in_intervention' OR state = 'closing' OR state = 'graduated' OR state = 'exited'),
    exit_reason     TEXT NOT NULL DEFAULT '',
    opened_on       TEXT NOT NULL,
    closed_on       TEXT,
    last_contact_on TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX delivery_cases_counsellor_idx ON delivery_cases (counsellor, state);
CREATE INDEX delivery_cases_agency_idx ON delivery_cases (agency_code, state);
CREATE INDEX delivery_cases_region_idx ON delivery_cases (region_code, state);
CREATE INDEX delivery_cases_state_idx ON delivery_cases (state, line_code);
CREATE INDEX delivery_cases_household_idx ON delivery_cases (household);

-- The timeline: everything that happened to a case, in order.
CREATE TABLE delivery_events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES delivery_cases (id),
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    from_state TEXT NOT NULL DEFAULT '',
    to_state   TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_events_case_idx ON delivery_events (case_id, id);

-- Minimum conditions (or a line's baseline items) as measured at entry and
-- again at exit.
CREATE TABLE delivery_diagnoses (
    case_id     INTEGER NOT NULL REFERENCES delivery_cases (id),
    phase       TEXT NOT NULL CHECK (phase = 'entry' OR phase = 'exit'),
    condition   TEXT NOT NULL,
    dimension   TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status = 'met' OR status = 'not_met' OR status = 'na'),
    evidence    TEXT NOT NULL DEFAULT '',
    recorded_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (case_id, phase, condition)
);

-- Sessions and visits, scheduled and recorded. notes are sensitive: read
-- only through Store.Notes, which audits every read. ref is the agency's own
-- id of an imported session (NULL otherwise), so an import runs again
-- without doubling rows.
CREATE TABLE delivery_sessions (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES delivery_cases (id),
    component    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status = 'scheduled' OR status = 'held' OR status = 'missed'),
    on_date      TEXT NOT NULL,
    minutes      INTEGER NOT NULL CHECK (minutes >= 0),
    attendees    TEXT NOT NULL DEFAULT '',
    dimensions   TEXT NOT NULL DEFAULT '',
    notes        TEXT NOT NULL DEFAULT '',
    ref          TEXT,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    UNIQUE (case_id, ref)
);
CREATE INDEX delivery_sessions_case_idx ON delivery_sessions (case_id, on_date);

-- +goose Down
DROP TABLE delivery_sessions;
DROP TABLE delivery_diagnoses;
DROP TABLE delivery_events;
DROP TABLE delivery_cases;
DROP TABLE delivery_note_readers;
DROP TABLE delivery_counsellors;
DROP TABLE delivery_methodologies;
