-- +goose Up
-- The registry's import sequence: one row whose counter each import moves
-- on, in its transaction, only from the value it read before planning
-- (compare-and-set). An import plans its writes (keys of new households,
-- persons moved or removed) against the registry as it found it; a second
-- import that committed meanwhile, from another process or server, makes
-- that plan stale, and the guarded update refuses it instead of letting two
-- plans interleave. Keep in step with ../postgres/00024_import_state.sql
-- (TestSchemaParity).
CREATE TABLE import_state (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO import_state (id, seq) VALUES (1, 0);

-- +goose Down
DROP TABLE import_state;
