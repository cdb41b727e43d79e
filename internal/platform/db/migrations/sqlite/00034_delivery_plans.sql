-- +goose Up
-- Plans of a case (internal/delivery/plans.go, docs/delivery.md): family
-- intervention, business and work-placement plans, each change a new
-- version; a version is proposed by one person and approved or rejected by
-- another (maker-checker), its budget in whole pesos within the line's amount.
-- Keep in step with ../postgres/00034_delivery_plans.sql (TestSchemaParity).
CREATE TABLE delivery_plans (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES delivery_cases (id),
    version     INTEGER NOT NULL CHECK (version > 0),
    kind        TEXT NOT NULL CHECK (kind = 'family' OR kind = 'business' OR kind = 'work'),
    body        TEXT NOT NULL,
    total_clp   INTEGER NOT NULL CHECK (total_clp >= 0),
    status      TEXT NOT NULL CHECK (status = 'proposed' OR status = 'approved' OR status = 'rejected'),
    made_by     TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    checked_by  TEXT NOT NULL DEFAULT '',
    checked_at  TEXT,
    comment     TEXT NOT NULL DEFAULT '',
    UNIQUE (case_id, version)
);

-- +goose Down
DROP TABLE delivery_plans;
