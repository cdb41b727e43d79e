-- +goose Up
-- The public services directory and referrals (internal/delivery/directory.go,
-- referrals.go, docs/delivery.md): the public social support network per
-- commune (institution, service, the minimum-condition dimensions it serves,
-- requirements, contact), imported from CSV and edited in the app; and
-- referrals of a case to a service, whose status moves only by
-- compare-and-set (sent → attended → resolved, or refused). A resolved
-- referral may satisfy one minimum condition of the case (satisfied_on).
-- Keep in step with ../postgres/00064_delivery_directory.sql (TestSchemaParity).
CREATE TABLE delivery_services (
    id           INTEGER PRIMARY KEY,
    commune_code TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    institution  TEXT NOT NULL,
    name         TEXT NOT NULL,
    dimensions   TEXT NOT NULL DEFAULT '',
    requirements TEXT NOT NULL DEFAULT '',
    contact      TEXT NOT NULL DEFAULT '',
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active = 0 OR active = 1),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    UNIQUE (commune_code, institution, name)
);
CREATE INDEX delivery_services_region_idx ON delivery_services (region_code, commune_code);

CREATE TABLE delivery_referrals (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES delivery_cases (id),
    service_id   INTEGER NOT NULL REFERENCES delivery_services (id),
    condition    TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status = 'sent' OR status = 'attended' OR status = 'resolved' OR status = 'refused'),
    reason       TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL DEFAULT '',
    sent_on      TEXT NOT NULL,
    attended_on  TEXT,
    closed_on    TEXT,
    satisfied_on TEXT,
    satisfied_by TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX delivery_referrals_case_idx ON delivery_referrals (case_id, id);
CREATE INDEX delivery_referrals_service_idx ON delivery_referrals (service_id);

-- +goose Down
DROP TABLE delivery_referrals;
DROP TABLE delivery_services;
