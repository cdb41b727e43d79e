-- +goose Up
-- Users, their API tokens and the sign-in attempts that throttling counts.
-- Keep in step with ../postgres/00004_users.sql (TestSchemaParity).
-- CHECKs are OR chains, not IN lists (see 00001).
--
-- region_code has no foreign key: it is '' for every role but the regional
-- officer's, and auth.Store checks it against regions. password_hash is a PHC
-- string ($argon2id$v=19$m=…,t=…,p=…$salt$hash) that carries its own
-- parameters. failed_logins and locked_until mirror the throttling state for
-- administrators; the rule itself is evaluated from login_attempts.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE CHECK (username = lower(username)),
    display_name  TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK ((role = 'admin' OR role = 'analyst' OR role = 'regional' OR role = 'agency' OR role = 'counsellor' OR role = 'cooperation' OR role = 'counterpart' OR role = 'financer' OR role = 'auditor')),
    region_code   TEXT NOT NULL DEFAULT '' CHECK (((role = 'regional' AND region_code <> '') OR (role <> 'regional' AND region_code = ''))),
    language      TEXT NOT NULL DEFAULT 'es' CHECK ((language = 'es' OR language = 'en')),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK ((active = 0 OR active = 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT
);

-- Only the SHA-256 of a token's secret is stored; the secret is shown once.
-- scopes is space-separated (read, write).
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    expires_at   TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Every sign-in attempt, known user or not. reason is ok, bad_password,
-- unknown_user, inactive, account_locked or ip_refused; only bad_password and
-- unknown_user count towards a lock. at is fixed-width UTC text so that the
-- throttling windows compare as text.
CREATE TABLE login_attempts (
    id       INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    ip       TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL,
    ok       INTEGER NOT NULL CHECK ((ok = 0 OR ok = 1)),
    reason   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_attempts_username ON login_attempts (username, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

-- +goose Down
DROP TABLE login_attempts;
DROP TABLE api_tokens;
DROP TABLE users;
