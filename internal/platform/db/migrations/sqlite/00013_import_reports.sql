-- +goose Up
-- The problem report of each import that found problems, kept with the
-- import (gzip-compressed CSV: file, line, column, value, reason,
-- household_id), so it can be downloaded later from any server. Keep in
-- step with ../postgres/00013_import_reports.sql (TestSchemaParity).
CREATE TABLE import_reports (
    import_id    INTEGER PRIMARY KEY REFERENCES imports (id),
    problems     INTEGER NOT NULL,
    csv_gzip     BLOB NOT NULL
);

-- +goose Down
DROP TABLE import_reports;
