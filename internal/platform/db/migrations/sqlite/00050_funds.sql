-- +goose Up
-- The funds ledger (docs/funds.md): budget lines (year × programme line ×
-- region), envelopes (a budget line's money set aside for one call), and a
-- double-entry ledger of movements and their entries. Keep in step with
-- ../postgres/00050_funds.sql (TestSchemaParity).
--
-- funds_budgets and funds_envelopes are also the lock rows: every movement
-- locks the rows of the holders it touches (FOR UPDATE on PostgreSQL; the
-- single writer on SQLite) before it reads a balance.
--
-- An entry carries its account's running balance after it (balance_after)
-- and its place in that account's chain (seq): both are written once, under
-- the lock, and never change, so an account's balance is one index probe
-- (funds_entries_chain, newest seq) however long the ledger grows. The CHECK
-- makes "never overspent" hold in the database too: only the counter-account
-- 'law' may go below zero. The UNIQUE chain refuses a second entry built on
-- the same previous balance.
CREATE TABLE funds_budgets (
    id         INTEGER PRIMARY KEY,
    year       INTEGER NOT NULL,
    line       TEXT NOT NULL,
    region     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX funds_budgets_key ON funds_budgets (year, line, region);

CREATE TABLE funds_envelopes (
    id         INTEGER PRIMARY KEY,
    budget_id  INTEGER NOT NULL REFERENCES funds_budgets (id),
    call_code  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX funds_envelopes_call ON funds_envelopes (call_code);
CREATE INDEX funds_envelopes_budget ON funds_envelopes (budget_id);

CREATE TABLE funds_movements (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    budget_id   INTEGER NOT NULL REFERENCES funds_budgets (id),
    envelope_id INTEGER NOT NULL DEFAULT 0,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    ref         TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL
);
CREATE INDEX funds_movements_envelope ON funds_movements (envelope_id, id);
CREATE INDEX funds_movements_budget ON funds_movements (budget_id, id);

-- envelope_id 0 is the budget line's own level (accounts law and budget).
CREATE TABLE funds_entries (
    id            INTEGER PRIMARY KEY,
    movement_id   INTEGER NOT NULL REFERENCES funds_movements (id),
    budget_id     INTEGER NOT NULL,
    envelope_id   INTEGER NOT NULL,
    account       TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    amount        INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    CHECK (account = 'law' OR balance_after >= 0)
);
CREATE UNIQUE INDEX funds_entries_chain ON funds_entries (budget_id, envelope_id, account, seq);
CREATE INDEX funds_entries_movement ON funds_entries (movement_id);

-- Append-only for the application, as audit_log: a correction is a new
-- movement (a reversal), never an edit.
-- +goose StatementBegin
CREATE TRIGGER funds_entries_no_update BEFORE UPDATE ON funds_entries
BEGIN
    SELECT RAISE(ABORT, 'funds_entries is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER funds_entries_no_delete BEFORE DELETE ON funds_entries
BEGIN
    SELECT RAISE(ABORT, 'funds_entries is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER funds_movements_no_update BEFORE UPDATE ON funds_movements
BEGIN
    SELECT RAISE(ABORT, 'funds_movements is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER funds_movements_no_delete BEFORE DELETE ON funds_movements
BEGIN
    SELECT RAISE(ABORT, 'funds_movements is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER funds_movements_no_delete;
DROP TRIGGER funds_movements_no_update;
DROP TRIGGER funds_entries_no_delete;
DROP TRIGGER funds_entries_no_update;
DROP TABLE funds_entries;
DROP TABLE funds_movements;
DROP TABLE funds_envelopes;
DROP TABLE funds_budgets;
