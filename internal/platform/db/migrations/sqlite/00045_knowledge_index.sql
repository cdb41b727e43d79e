-- +goose Up
-- Which way the knowledge index's terms were computed (knowledge.TermScheme).
-- An index written under another scheme is rebuilt before the next search,
-- so a database made before the Snowball stemmers searches like a new one.
CREATE TABLE knowledge_index (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    scheme TEXT NOT NULL
);
INSERT INTO knowledge_index (id, scheme) VALUES (1, '');

-- +goose Down
DROP TABLE knowledge_index;
