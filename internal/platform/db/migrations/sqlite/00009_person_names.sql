-- +goose Up
-- Persons' names, as the national extract records them (given names, paternal
-- and maternal surnames), and name_key, their folded search key, surnames
-- first (registry.NameKey): lower-case ASCII letters, digits and single
-- spaces, so that a name prefix is a range of persons_name_key on both
-- engines. Keep in step with ../postgres/00009_person_names.sql
-- (TestSchemaParity).
ALTER TABLE persons ADD COLUMN given_names TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN paternal_surname TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN maternal_surname TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
CREATE INDEX persons_name_key ON persons (name_key);

-- +goose Down
DROP INDEX persons_name_key;
ALTER TABLE persons DROP COLUMN name_key;
ALTER TABLE persons DROP COLUMN maternal_surname;
ALTER TABLE persons DROP COLUMN paternal_surname;
ALTER TABLE persons DROP COLUMN given_names;
