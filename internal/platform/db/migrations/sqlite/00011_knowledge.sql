-- +goose Up
-- The knowledge catalogue: what FOSIS can share (the seed's strategic
-- principles, programs, methodologies, instruments, support materials) in
-- Spanish and English, its full-text index, and its links to the
-- cooperation projects that shared it (docs/knowledge.md).
-- Keep in step with ../postgres/00011_knowledge.sql (TestSchemaParity).
--
-- The index is a table of terms computed in Go (knowledge.Terms: folded
-- case and accents, stop words dropped, plurals stemmed), the same on both
-- engines, so that a search gives the same answer on SQLite and PostgreSQL.
CREATE TABLE knowledge_items (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK ((kind = 'principle' OR kind = 'program' OR kind = 'methodology' OR kind = 'instrument' OR kind = 'material')),
    status         TEXT NOT NULL CHECK ((status = 'published' OR status = 'draft')),
    version        INTEGER NOT NULL DEFAULT 1,
    title_es       TEXT NOT NULL,
    title_en       TEXT NOT NULL,
    summary_es     TEXT NOT NULL DEFAULT '',
    summary_en     TEXT NOT NULL DEFAULT '',
    body_es        TEXT NOT NULL DEFAULT '',
    body_en        TEXT NOT NULL DEFAULT '',
    design         TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE knowledge_terms (
    item_id INTEGER NOT NULL REFERENCES knowledge_items (id),
    lang    TEXT NOT NULL CHECK ((lang = 'es' OR lang = 'en')),
    term    TEXT NOT NULL,
    weight  INTEGER NOT NULL,
    PRIMARY KEY (item_id, lang, term)
);
CREATE INDEX knowledge_terms_term ON knowledge_terms (lang, term);

-- The cooperation projects (by code) that shared an item; their lessons are
-- read from the cooperation slice, within the reader's scope.
CREATE TABLE knowledge_projects (
    item_id      INTEGER NOT NULL REFERENCES knowledge_items (id),
    project_code TEXT NOT NULL,
    PRIMARY KEY (item_id, project_code)
);

-- +goose Down
DROP TABLE knowledge_projects;
DROP TABLE knowledge_terms;
DROP TABLE knowledge_items;
