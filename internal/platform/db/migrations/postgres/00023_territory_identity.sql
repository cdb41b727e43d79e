-- +goose Up
-- The territory a database was made with; see
-- ../sqlite/00023_territory_identity.sql.
CREATE TABLE territory_identity (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    country   TEXT NOT NULL,
    source    TEXT NOT NULL,
    digest    TEXT NOT NULL,
    regions   INTEGER NOT NULL,
    provinces INTEGER NOT NULL,
    communes  INTEGER NOT NULL,
    stored_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE territory_identity;
