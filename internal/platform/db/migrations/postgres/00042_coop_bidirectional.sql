-- +goose Up
-- A bilateral exchange in which both countries offer and receive (issue 17:
-- SEGIB's role "ambos"): each country is reported with that role.
-- Keep in step with ../sqlite/00042_coop_bidirectional.sql (TestSchemaParity).
ALTER TABLE coop_projects ADD COLUMN bidirectional INTEGER NOT NULL DEFAULT 0 CHECK ((bidirectional = 0 OR bidirectional = 1));

-- +goose Down
ALTER TABLE coop_projects DROP COLUMN bidirectional;
