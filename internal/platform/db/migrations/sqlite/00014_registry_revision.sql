-- +goose Up
-- The registry's revision: one row whose counter every write of households
-- or persons (an import, an approved change request) bumps in the same
-- transaction. Whoever keeps a copy of the registry in memory (the shared
-- columnar frame behind eligibility previews and what-ifs) reads it to know
-- whether the copy is still current, in one indexed read instead of
-- reloading millions of rows. Keep in step with
-- ../postgres/00014_registry_revision.sql (TestSchemaParity).
CREATE TABLE registry_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO registry_revision (id, revision) VALUES (1, 0);

-- +goose Down
DROP TABLE registry_revision;
