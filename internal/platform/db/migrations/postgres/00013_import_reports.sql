-- +goose Up
-- The problem report of each import; see ../sqlite/00013_import_reports.sql.
CREATE TABLE import_reports (
    import_id    BIGINT PRIMARY KEY REFERENCES imports (id),
    problems     INTEGER NOT NULL,
    csv_gzip     BYTEA NOT NULL
);

-- +goose Down
DROP TABLE import_reports;
