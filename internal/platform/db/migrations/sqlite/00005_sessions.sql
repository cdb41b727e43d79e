-- +goose Up
-- Server-side sessions of the web application (internal/web). The table is
-- the one github.com/alexedwards/scs/sqlite3store expects: token is the
-- random cookie value, data the encoded session, expiry a Julian day (REAL)
-- compared with julianday('now'). Keep in step with ../postgres/00005_sessions.sql
-- (TestSchemaParity).
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
