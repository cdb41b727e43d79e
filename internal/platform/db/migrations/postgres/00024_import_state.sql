-- +goose Up
-- The registry's import sequence; see ../sqlite/00024_import_state.sql.
CREATE TABLE import_state (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO import_state (id, seq) VALUES (1, 0);

-- +goose Down
DROP TABLE import_state;
