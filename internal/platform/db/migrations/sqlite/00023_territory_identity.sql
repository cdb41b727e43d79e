-- +goose Up
-- The territory a database was made with, so that a later command cannot
-- merge another one into it (opening a Guatemalan database without
-- --territory used to add Chile's communes and rename its regions). One row:
-- the country's ISO code, where the territory came from ("embedded" for
-- Chile's, a file's name, later a country pack's name and version), and a
-- SHA-256 of its content (every region, province and commune, in code
-- order). Changing it is `fosis territory update`. Keep in step with
-- ../postgres/00023_territory_identity.sql (TestSchemaParity).
CREATE TABLE territory_identity (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    country   TEXT NOT NULL,
    source    TEXT NOT NULL,
    digest    TEXT NOT NULL,
    regions   INTEGER NOT NULL,
    provinces INTEGER NOT NULL,
    communes  INTEGER NOT NULL,
    stored_at TEXT NOT NULL
);

-- +goose Down
DROP TABLE territory_identity;
