-- +goose Up
-- Cooperation rules of the seed through the whole path (issue 17): how a
-- project closed (completed, or cancelled or suspended before its 18 months,
-- with the documented reason: IATI activity status 5 or 6), each financing
-- source's decision in the directors' review of a triangular project, and
-- the Sustainable Development Goals a project contributes to (SEGIB).
-- Keep in step with ../sqlite/00040_coop_rules.sql (TestSchemaParity).
ALTER TABLE coop_projects ADD COLUMN closure TEXT NOT NULL DEFAULT '' CHECK ((closure = '' OR closure = 'completed' OR closure = 'cancelled' OR closure = 'suspended'));
ALTER TABLE coop_projects ADD COLUMN closure_reason TEXT NOT NULL DEFAULT '';

CREATE TABLE coop_review_financers (
    review_id BIGINT NOT NULL REFERENCES coop_reviews (id),
    org_id    BIGINT NOT NULL REFERENCES coop_orgs (id),
    decision  TEXT NOT NULL CHECK ((decision = 'approve' OR decision = 'revise')),
    PRIMARY KEY (review_id, org_id)
);

CREATE TABLE coop_project_sdgs (
    project_id BIGINT NOT NULL REFERENCES coop_projects (id),
    goal       INTEGER NOT NULL CHECK ((goal >= 1 AND goal <= 17)),
    PRIMARY KEY (project_id, goal)
);

-- +goose Down
DROP TABLE coop_project_sdgs;
DROP TABLE coop_review_financers;
ALTER TABLE coop_projects DROP COLUMN closure_reason;
ALTER TABLE coop_projects DROP COLUMN closure;
