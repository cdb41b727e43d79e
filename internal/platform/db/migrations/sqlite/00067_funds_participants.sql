-- +goose Up
-- Participants' money (docs/funds.md, "Participants"): what the ledger holds
-- for each enrolled family, the approved plan it is committed against, the
-- tranches set by the line's version, their payments, the receipts that
-- justify them and the recoveries. The amounts themselves live in the
-- ledger (funds_movements with ref 'case:<id>'); these tables say what each
-- peso is for. Keep in step with ../postgres/00067_funds_participants.sql
-- (TestSchemaParity).

-- A participant's money is summed from its movements (ref 'case:<id>').
CREATE INDEX funds_movements_ref ON funds_movements (ref);

-- The tranche schedule of a programme line version: data, validated when
-- set (percentages add up to 100, the first is due at plan approval).
CREATE TABLE funds_tranche_plans (
    line         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    percent      INTEGER NOT NULL,
    due          TEXT NOT NULL,
    payee        TEXT NOT NULL,
    justify_days INTEGER NOT NULL,
    set_by       TEXT NOT NULL,
    set_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX funds_tranche_plans_key ON funds_tranche_plans (line, version, seq);

-- One row per enrolment whose call has an envelope: the reservation, and
-- the approved plan it is committed against. status: reserved, committed,
-- closed (the case ended: what was not ordered went back to the envelope).
CREATE TABLE funds_participants (
    id            INTEGER PRIMARY KEY,
    participation INTEGER NOT NULL,
    case_id       INTEGER NOT NULL,
    call_code     TEXT NOT NULL,
    line          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    region        TEXT NOT NULL,
    commune       TEXT NOT NULL,
    agency        TEXT NOT NULL DEFAULT '',
    household_id  TEXT NOT NULL,
    run           TEXT NOT NULL DEFAULT '',
    amount        INTEGER NOT NULL CHECK (amount > 0),
    status        TEXT NOT NULL,
    plan_id       INTEGER NOT NULL DEFAULT 0,
    plan_version  INTEGER NOT NULL DEFAULT 0,
    plan_kind     TEXT NOT NULL DEFAULT '',
    plan_total    INTEGER NOT NULL DEFAULT 0,
    plan_budget   TEXT NOT NULL DEFAULT '[]',
    approved_on   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX funds_participants_participation ON funds_participants (participation);
CREATE UNIQUE INDEX funds_participants_case ON funds_participants (case_id);
CREATE INDEX funds_participants_region ON funds_participants (region, id);

-- A participant's tranches, fixed from the schedule when the plan is
-- committed. status: waiting, ordered, paid.
CREATE TABLE funds_tranches (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES funds_participants (id),
    seq            INTEGER NOT NULL,
    percent        INTEGER NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount >= 0),
    due            TEXT NOT NULL,
    payee          TEXT NOT NULL,
    justify_days   INTEGER NOT NULL,
    status         TEXT NOT NULL,
    plan_version   INTEGER NOT NULL
);
CREATE UNIQUE INDEX funds_tranches_key ON funds_tranches (participant_id, plan_version, seq);

-- A tranche ordered as a payment (the payments slice writes the bank's
-- files from the ordered ones). status: ordered, paid, rejected. The
-- idempotency key makes an order asked twice one payment.
CREATE TABLE funds_tranche_payments (
    id              INTEGER PRIMARY KEY,
    participant_id  INTEGER NOT NULL REFERENCES funds_participants (id),
    case_id         INTEGER NOT NULL,
    tranche_id      INTEGER NOT NULL REFERENCES funds_tranches (id),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    payee_kind      TEXT NOT NULL,
    payee_rut       TEXT NOT NULL,
    payee_name      TEXT NOT NULL,
    status          TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    justify_by      TEXT,
    ordered_by      TEXT NOT NULL,
    ordered_at      TEXT NOT NULL,
    settled_at      TEXT
);
CREATE UNIQUE INDEX funds_tranche_payments_key ON funds_tranche_payments (idempotency_key);
CREATE INDEX funds_tranche_payments_participant ON funds_tranche_payments (participant_id, id);
CREATE INDEX funds_tranche_payments_status ON funds_tranche_payments (status, id);

-- Receipts justifying a participant's purchases. status: accepted, held
-- (reason: line_overspent, outside_plan, exceeds_paid), rejected.
CREATE TABLE funds_receipts (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES funds_participants (id),
    case_id        INTEGER NOT NULL,
    doc_type       TEXT NOT NULL,
    doc_number     TEXT NOT NULL,
    supplier_rut   INTEGER NOT NULL,
    issued_on      TEXT NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount > 0),
    plan_line      INTEGER NOT NULL,
    status         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    file_name      TEXT NOT NULL,
    file_type      TEXT NOT NULL,
    file_size      INTEGER NOT NULL,
    file_sha256    TEXT NOT NULL,
    submitted_by   TEXT NOT NULL,
    submitted_at   TEXT NOT NULL,
    decided_by     TEXT NOT NULL DEFAULT '',
    decided_at     TEXT,
    note           TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX funds_receipts_document ON funds_receipts (supplier_rut, doc_type, doc_number);
CREATE INDEX funds_receipts_participant ON funds_receipts (participant_id, id);
CREATE INDEX funds_receipts_status ON funds_receipts (status, id);

-- The uploaded image or PDF of a receipt, kept with the database (backed
-- up with it); its SHA-256 is on the receipt.
CREATE TABLE funds_receipt_files (
    receipt_id INTEGER PRIMARY KEY REFERENCES funds_receipts (id),
    content    BLOB NOT NULL
);

-- Unjustified money past its deadline, flagged for recovery. status:
-- flagged, recovered.
CREATE TABLE funds_recoveries (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES funds_participants (id),
    case_id        INTEGER NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount > 0),
    deadline       TEXT NOT NULL,
    status         TEXT NOT NULL,
    flagged_on     TEXT NOT NULL,
    recovered      INTEGER NOT NULL DEFAULT 0,
    closed_by      TEXT NOT NULL DEFAULT '',
    closed_at      TEXT
);
CREATE UNIQUE INDEX funds_recoveries_key ON funds_recoveries (participant_id, deadline);
CREATE INDEX funds_recoveries_status ON funds_recoveries (status, id);

-- +goose Down
DROP TABLE funds_recoveries;
DROP TABLE funds_receipt_files;
DROP TABLE funds_receipts;
DROP TABLE funds_tranche_payments;
DROP TABLE funds_tranches;
DROP TABLE funds_participants;
DROP TABLE funds_tranche_plans;
DROP INDEX funds_movements_ref;
