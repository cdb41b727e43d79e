-- +goose Up
-- Persons' names and their folded search key; see ../sqlite/00009_person_names.sql.
-- name_key uses the "C" collation: byte order, the same as SQLite's, so a
-- prefix is an index range (a linguistic collation would also ignore the
-- spaces between words).
ALTER TABLE persons ADD COLUMN given_names TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN paternal_surname TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN maternal_surname TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN name_key TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX persons_name_key ON persons (name_key);

-- +goose Down
DROP INDEX persons_name_key;
ALTER TABLE persons DROP COLUMN name_key;
ALTER TABLE persons DROP COLUMN maternal_surname;
ALTER TABLE persons DROP COLUMN paternal_surname;
ALTER TABLE persons DROP COLUMN given_names;
