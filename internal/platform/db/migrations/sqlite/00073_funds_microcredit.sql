-- +goose Up
-- The microcredit subsidy (docs/funds.md, "Microcredit subsidy"): partner
-- institutions (foundations, credit unions, banks), their agreements
-- (subsidy per loan by loan-size band, eligibility, caps, the envelope they
-- draw on), the loans they report (by CSV or API, in batches identified by
-- their checksum so that a second import of the same file changes nothing)
-- and the monthly settlements that commit what is owed in the ledger.
-- Keep in step with ../postgres/00073_funds_microcredit.sql.
--
-- A borrower has at most one subsidised loan a month across every
-- institution (funds_loans_borrower_month): the same loan reported again in
-- another month's file, or by another institution, is a duplicate.
-- funds_agreements is the lock row of its settlements (FOR UPDATE on
-- PostgreSQL) so that concurrent settlements never pass its cap.
CREATE TABLE funds_institutions (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind = 'foundation' OR kind = 'credit_union' OR kind = 'bank'),
    tax_id     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX funds_institutions_code ON funds_institutions (code);
CREATE UNIQUE INDEX funds_institutions_tax_id ON funds_institutions (tax_id);

-- The users who report for an institution (role 'institution').
CREATE TABLE funds_institution_staff (
    user_id        INTEGER PRIMARY KEY,
    institution_id INTEGER NOT NULL REFERENCES funds_institutions (id)
);
CREATE INDEX funds_institution_staff_institution ON funds_institution_staff (institution_id);

CREATE TABLE funds_agreements (
    id                  INTEGER PRIMARY KEY,
    institution_id      INTEGER NOT NULL REFERENCES funds_institutions (id),
    call_code           TEXT NOT NULL,
    starts_on           TEXT NOT NULL,
    ends_on             TEXT NOT NULL,
    cap                 INTEGER NOT NULL CHECK (cap > 0),
    monthly_cap         INTEGER NOT NULL DEFAULT 0 CHECK (monthly_cap >= 0),
    max_bracket         INTEGER NOT NULL DEFAULT 60,
    min_business_months INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    created_by          TEXT NOT NULL
);
CREATE INDEX funds_agreements_institution ON funds_agreements (institution_id, starts_on);

-- A loan of min_amount ≤ amount ≤ max_amount earns subsidy pesos.
CREATE TABLE funds_agreement_bands (
    agreement_id INTEGER NOT NULL REFERENCES funds_agreements (id),
    min_amount   INTEGER NOT NULL,
    max_amount   INTEGER NOT NULL,
    subsidy      INTEGER NOT NULL CHECK (subsidy > 0),
    PRIMARY KEY (agreement_id, min_amount)
);

CREATE TABLE funds_loan_batches (
    id             INTEGER PRIMARY KEY,
    institution_id INTEGER NOT NULL REFERENCES funds_institutions (id),
    checksum       TEXT NOT NULL,
    source         TEXT NOT NULL,
    loans          INTEGER NOT NULL,
    subsidy        INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL
);
CREATE UNIQUE INDEX funds_loan_batches_checksum ON funds_loan_batches (institution_id, checksum);

CREATE TABLE funds_loans (
    id             INTEGER PRIMARY KEY,
    institution_id INTEGER NOT NULL,
    agreement_id   INTEGER NOT NULL,
    batch_id       INTEGER NOT NULL,
    borrower_run   INTEGER NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount > 0),
    placed_on      TEXT NOT NULL,
    month          TEXT NOT NULL,
    term_months    INTEGER NOT NULL CHECK (term_months > 0),
    business_since TEXT NOT NULL,
    bracket        INTEGER NOT NULL,
    subsidy        INTEGER NOT NULL CHECK (subsidy > 0),
    settlement_id  INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX funds_loans_borrower_month ON funds_loans (borrower_run, month);
CREATE INDEX funds_loans_institution ON funds_loans (institution_id, month, settlement_id);

CREATE TABLE funds_settlements (
    id             INTEGER PRIMARY KEY,
    institution_id INTEGER NOT NULL REFERENCES funds_institutions (id),
    agreement_id   INTEGER NOT NULL REFERENCES funds_agreements (id),
    month          TEXT NOT NULL,
    loans          INTEGER NOT NULL,
    owed           INTEGER NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount >= 0),
    movement_id    INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL
);
CREATE UNIQUE INDEX funds_settlements_month ON funds_settlements (institution_id, month);
CREATE INDEX funds_settlements_agreement ON funds_settlements (agreement_id);

-- +goose Down
DROP TABLE funds_settlements;
DROP TABLE funds_loans;
DROP TABLE funds_loan_batches;
DROP TABLE funds_agreement_bands;
DROP TABLE funds_agreements;
DROP TABLE funds_institution_staff;
DROP TABLE funds_institutions;
