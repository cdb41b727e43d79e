-- +goose NO TRANSACTION
-- +goose Up
-- The microcredit institution's role (auth.RoleInstitution, docs/funds.md):
-- a user who reports the loans of one partner institution
-- (funds_institution_staff) and sees only its loans and settlements. The
-- users table's role CHECK admits 'institution'. Keep in step with
-- ../postgres/00074_institution_role.sql.
--
-- SQLite cannot change a CHECK in place: the table is rebuilt as its
-- documented procedure says (ALTER TABLE, "Making Other Kinds Of Table Schema
-- Changes"), with foreign keys off around the transaction so that the
-- tables referring to users (api_tokens, agency staff, cooperation members,
-- sessions) keep their rows; foreign_key_check runs before the commit.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE users_new (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE CHECK (username = lower(username)),
    display_name  TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK ((role = 'admin' OR role = 'analyst' OR role = 'regional' OR role = 'agency' OR role = 'counsellor' OR role = 'cooperation' OR role = 'counterpart' OR role = 'financer' OR role = 'auditor' OR role = 'finance' OR role = 'institution')),
    region_code   TEXT NOT NULL DEFAULT '' CHECK (((role = 'regional' AND region_code <> '') OR (role <> 'regional' AND region_code = ''))),
    language      TEXT NOT NULL DEFAULT 'es' CHECK ((language = 'es' OR language = 'en')),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK ((active = 0 OR active = 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT
);
INSERT INTO users_new (id, username, display_name, role, region_code, language, password_hash, active, created_at, updated_at, failed_logins, locked_until)
    SELECT id, username, display_name, role, region_code, language, password_hash, active, created_at, updated_at, failed_logins, locked_until FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
-- The role stays admitted: removing it would need every institution user
-- removed first.
SELECT 1;
