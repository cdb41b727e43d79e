-- +goose Up
-- Executing agencies' contracts (docs/funds.md, "Agencies' contracts"): a
-- contract's amount per territory, its payment schedule by milestones (each
-- released by maker-checker once its condition holds), the guarantees the
-- agency lodged and the agency's monthly accountability of what it spent.
-- Keep in step with ../postgres/00071_funds_contracts.sql.
--
-- Signing commits the contract's amount in its call's envelope (ledger
-- ref 'contract:<code>'); a released milestone becomes a payment
-- (funds_payments, purpose 'milestone', idempotency key 'milestone:<id>').
CREATE TABLE funds_contracts (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL,
    agency         TEXT NOT NULL,
    call_code      TEXT NOT NULL,
    region         TEXT NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    payee_name     TEXT NOT NULL,
    payee_tax_id   TEXT NOT NULL,
    bank_code      TEXT NOT NULL,
    account_kind   TEXT NOT NULL,
    account_number TEXT NOT NULL,
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state = 'draft' OR state = 'signed'),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    signed_by      TEXT NOT NULL DEFAULT '',
    signed_at      TEXT
);
CREATE UNIQUE INDEX funds_contracts_code ON funds_contracts (code);
CREATE INDEX funds_contracts_agency ON funds_contracts (agency, id);
CREATE INDEX funds_contracts_region ON funds_contracts (region, id);

CREATE TABLE funds_contract_territories (
    contract_id INTEGER NOT NULL REFERENCES funds_contracts (id),
    territory   TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    PRIMARY KEY (contract_id, territory)
);

CREATE TABLE funds_milestones (
    id           INTEGER PRIMARY KEY,
    contract_id  INTEGER NOT NULL REFERENCES funds_contracts (id),
    seq          INTEGER NOT NULL,
    percent      INTEGER NOT NULL CHECK (percent > 0 AND percent <= 100),
    amount       INTEGER NOT NULL CHECK (amount > 0),
    condition    TEXT NOT NULL CHECK (condition = 'start' OR condition = 'midterm_report' OR condition = 'final_report' OR condition = 'coverage'),
    target       INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL CHECK (state = 'pending' OR state = 'met' OR state = 'requested' OR state = 'released'),
    evidence     TEXT NOT NULL DEFAULT '',
    met_by       TEXT NOT NULL DEFAULT '',
    met_at       TEXT,
    requested_by TEXT NOT NULL DEFAULT '',
    requested_at TEXT,
    released_by  TEXT NOT NULL DEFAULT '',
    released_at  TEXT,
    payment_id   INTEGER REFERENCES funds_payments (id),
    CHECK (released_by = '' OR released_by <> requested_by)
);
CREATE UNIQUE INDEX funds_milestones_seq ON funds_milestones (contract_id, seq);

CREATE TABLE funds_guarantees (
    id          INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES funds_contracts (id),
    kind        TEXT NOT NULL CHECK (kind = 'bank_guarantee' OR kind = 'insurance_policy' OR kind = 'vale_vista'),
    number      TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    expires_on  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX funds_guarantees_contract ON funds_guarantees (contract_id, id);
CREATE INDEX funds_guarantees_expiry ON funds_guarantees (expires_on);

CREATE TABLE funds_accountability (
    id          INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES funds_contracts (id),
    month       TEXT NOT NULL,
    category    TEXT NOT NULL CHECK (category = 'personnel' OR category = 'materials' OR category = 'transport' OR category = 'services' OR category = 'participants' OR category = 'other'),
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    note        TEXT NOT NULL DEFAULT '',
    reported_by TEXT NOT NULL,
    reported_at TEXT NOT NULL
);
CREATE UNIQUE INDEX funds_accountability_key ON funds_accountability (contract_id, month, category);

-- +goose Down
DROP TABLE funds_accountability;
DROP TABLE funds_guarantees;
DROP TABLE funds_milestones;
DROP TABLE funds_contract_territories;
DROP TABLE funds_contracts;
