-- +goose Up
-- Payments and payment runs (docs/funds.md, "Payments and payment runs"):
-- a payment to a payee's bank account drawn on one call's envelope, with an
-- idempotency key so that nothing is paid twice; a run that gathers ready
-- payments, prepared by one finance officer and approved by another
-- (maker-checker); the bank's result files imported against a run. Keep in
-- step with ../postgres/00070_funds_payments.sql (TestSchemaParity).
--
-- The money itself moves in the ledger (funds_movements, ref 'payrun:<id>'):
-- approving a run orders its payments (committed → ordered), the result
-- file confirms (ordered → paid) or rejects them (ordered → committed).
-- States change by guarded updates only (the expected state in the WHERE).
CREATE TABLE funds_payruns (
    id          INTEGER PRIMARY KEY,
    state       TEXT NOT NULL CHECK (state = 'prepared' OR state = 'approved' OR state = 'closed'),
    note        TEXT NOT NULL DEFAULT '',
    prepared_by TEXT NOT NULL,
    prepared_at TEXT NOT NULL,
    approved_by TEXT NOT NULL DEFAULT '',
    approved_at TEXT,
    closed_at   TEXT,
    CHECK (approved_by = '' OR approved_by <> prepared_by)
);
CREATE INDEX funds_payruns_state ON funds_payruns (state, id);

CREATE TABLE funds_payments (
    id             INTEGER PRIMARY KEY,
    idem_key       TEXT NOT NULL,
    call_code      TEXT NOT NULL,
    purpose        TEXT NOT NULL CHECK (purpose = 'tranche' OR purpose = 'milestone' OR purpose = 'microcredit'),
    ref            TEXT NOT NULL DEFAULT '',
    payee_name     TEXT NOT NULL,
    payee_tax_id   TEXT NOT NULL,
    bank_code      TEXT NOT NULL,
    account_kind   TEXT NOT NULL CHECK (account_kind = 'checking' OR account_kind = 'savings' OR account_kind = 'vista'),
    account_number TEXT NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount > 0),
    state          TEXT NOT NULL CHECK (state = 'ready' OR state = 'in_run' OR state = 'ordered' OR state = 'paid' OR state = 'rejected' OR state = 'reissued'),
    run_id         INTEGER REFERENCES funds_payruns (id),
    reissue_of     INTEGER REFERENCES funds_payments (id),
    bank_reason    TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    settled_at     TEXT
);
CREATE UNIQUE INDEX funds_payments_idem ON funds_payments (idem_key);
CREATE UNIQUE INDEX funds_payments_reissue ON funds_payments (reissue_of);
CREATE INDEX funds_payments_state ON funds_payments (state, id);
CREATE INDEX funds_payments_run ON funds_payments (run_id, id);

CREATE TABLE funds_bank_imports (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES funds_payruns (id),
    checksum    TEXT NOT NULL,
    rows_read   INTEGER NOT NULL,
    paid        INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX funds_bank_imports_run ON funds_bank_imports (run_id, id);

-- +goose Down
DROP TABLE funds_bank_imports;
DROP TABLE funds_payments;
DROP TABLE funds_payruns;
