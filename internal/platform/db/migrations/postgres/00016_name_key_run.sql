-- +goose Up
-- The name search walks the persons whose key starts with a word in key
-- order (registry.searchLead): with the RUN in the index too, that walk is
-- an index-only scan in exactly the order it asks for, with no sort and no
-- table read, and it stops where it has enough. SQLite's index on name_key
-- already holds the RUN (its rowid): see ../sqlite/00016_name_key_run.sql.
DROP INDEX persons_name_key;
CREATE INDEX persons_name_key ON persons (name_key, run);

-- +goose Down
DROP INDEX persons_name_key;
CREATE INDEX persons_name_key ON persons (name_key);
