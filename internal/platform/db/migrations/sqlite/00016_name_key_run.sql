-- +goose Up
-- Nothing to do on SQLite: persons.run is the table's rowid, which every
-- index entry already carries, so persons_name_key is ordered by (name_key,
-- run) as PostgreSQL's now is (../postgres/00016_name_key_run.sql). The
-- migration keeps both engines' versions in step.
SELECT 1;

-- +goose Down
SELECT 1;
