-- +goose Up
-- Amendments to a signed cooperation agreement (issue 17): the modality of a
-- project and its parties change only through the agreement, so adding a
-- financer (bilateral to triangular) or changing the agreement's kind is an
-- amendment that every party of the amended agreement signs before it takes
-- effect. signed counts the signatures (a row lock serialises the last ones).
-- Keep in step with the other engine's 00081_coop_amendments.sql (TestSchemaParity).
CREATE TABLE coop_amendments (
    project_id   BIGINT NOT NULL REFERENCES coop_projects (id),
    number       INTEGER NOT NULL CHECK ((number >= 1)),
    kind         TEXT NOT NULL CHECK ((kind = 'bilateral' OR kind = 'trilateral' OR kind = 'two_bilaterals')),
    proposed_on  DATE NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK ((status = 'pending' OR status = 'in_effect' OR status = 'withdrawn')),
    in_effect_on DATE,
    parties      INTEGER NOT NULL CHECK ((parties >= 1)),
    signed       INTEGER NOT NULL DEFAULT 0 CHECK ((signed >= 0)),
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (project_id, number)
);
-- Who signs an amendment: every party of the agreement as amended; added
-- parties join the agreement (and the project) when it takes effect.
CREATE TABLE coop_amendment_parties (
    project_id BIGINT NOT NULL REFERENCES coop_projects (id),
    number     INTEGER NOT NULL,
    org_id     BIGINT NOT NULL REFERENCES coop_orgs (id),
    added      INTEGER NOT NULL DEFAULT 0 CHECK ((added = 0 OR added = 1)),
    commitment TEXT NOT NULL DEFAULT '',
    iati_role  INTEGER NOT NULL DEFAULT 1 CHECK ((iati_role >= 1 AND iati_role <= 4)),
    signed_on  DATE,
    signed_by  TEXT NOT NULL DEFAULT '',
    place      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, number, org_id)
);

-- +goose Down
DROP TABLE coop_amendment_parties;
DROP TABLE coop_amendments;
