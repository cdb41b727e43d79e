-- +goose NO TRANSACTION
-- +goose Up
-- Online applications from the citizen portal (issue 19): the channel
-- 'online', and the consent to the data processing (Ley 21.719) with the
-- contact details the person gave. Keep in step with
-- ../postgres/00084_online_applications.sql.
--
-- SQLite cannot change a CHECK in place: the table is rebuilt as its
-- documented procedure says, with foreign keys off around the transaction so
-- that the rows referring to applications (participations) keep theirs;
-- foreign_key_check runs before the commit.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE applications_new (
    id            INTEGER PRIMARY KEY,
    call          INTEGER NOT NULL REFERENCES calls (id),
    applicant     INTEGER NOT NULL,
    household     INTEGER NOT NULL,
    person_run    INTEGER NOT NULL,
    commune_code  TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    channel       TEXT NOT NULL CHECK (channel = 'staff' OR channel = 'agency' OR channel = 'api' OR channel = 'csv' OR channel = 'online'),
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
INSERT INTO applications_new SELECT id, call, applicant, household, person_run, commune_code, region_code, channel, agency, status, eligible,
    failed, attrs, seat, rank, waitlist_pos, reason, submitted_at, submitted_by, updated_at FROM applications;
DROP TABLE applications;
ALTER TABLE applications_new RENAME TO applications;
CREATE INDEX applications_call_status_idx ON applications (call, status);
CREATE INDEX applications_household_idx ON applications (household);
CREATE TABLE application_consents (
    application     INTEGER PRIMARY KEY REFERENCES applications (id),
    consent_version TEXT NOT NULL,
    consented_at    TEXT NOT NULL,
    phone           TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT ''
);
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
-- The channel stays admitted: removing it would need every online
-- application removed first.
DROP TABLE application_consents;
