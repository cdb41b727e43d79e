-- +goose Up
-- SEGIB's regional modality (issue 17): a project may have more receiving
-- countries than its partner country (coop_projects.partner_country, the
-- requesting institution's); each is reported with a row of its own.
-- Keep in step with ../sqlite/00060_coop_regional.sql (TestSchemaParity).
CREATE TABLE coop_project_countries (
    project_id BIGINT NOT NULL REFERENCES coop_projects (id),
    country TEXT NOT NULL CHECK ((length(country) = 2)),
    PRIMARY KEY (project_id, country)
);

-- +goose Down
DROP TABLE coop_project_countries;
