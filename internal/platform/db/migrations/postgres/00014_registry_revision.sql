-- +goose Up
-- The registry's revision; see ../sqlite/00014_registry_revision.sql.
CREATE TABLE registry_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO registry_revision (id, revision) VALUES (1, 0);

-- +goose Down
DROP TABLE registry_revision;
