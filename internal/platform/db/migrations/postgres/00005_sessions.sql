-- +goose Up
-- Server-side sessions of the web application (internal/web). The table is
-- the one github.com/alexedwards/scs/postgresstore expects: token is the
-- random cookie value, data the encoded session, expiry the instant it ends.
-- Keep in step with ../sqlite/00005_sessions.sql (TestSchemaParity).
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BYTEA NOT NULL,
    expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
