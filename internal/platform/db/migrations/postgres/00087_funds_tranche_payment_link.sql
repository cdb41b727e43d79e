-- +goose Up
-- One way money leaves (docs/funds.md, "Tranches"): a participant's tranche
-- ordered to the bank is also a payment of the payment runs (funds_payments,
-- purpose 'tranche'), so that runs and bank files carry it; payment_id links
-- the two (one payment per tranche payment). Keep in step with the other
-- engine's 00087_funds_tranche_payment_link.sql.
ALTER TABLE funds_tranche_payments ADD COLUMN payment_id BIGINT REFERENCES funds_payments (id);
CREATE UNIQUE INDEX funds_tranche_payments_payment ON funds_tranche_payments (payment_id);
-- A microcredit institution's bank account: its monthly settlement is paid
-- through the payment runs when it has one ('' for none).
ALTER TABLE funds_institutions ADD COLUMN bank_code TEXT NOT NULL DEFAULT '';
ALTER TABLE funds_institutions ADD COLUMN account_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE funds_institutions ADD COLUMN account_number TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE funds_institutions DROP COLUMN account_number;
ALTER TABLE funds_institutions DROP COLUMN account_kind;
ALTER TABLE funds_institutions DROP COLUMN bank_code;
DROP INDEX funds_tranche_payments_payment;
ALTER TABLE funds_tranche_payments DROP COLUMN payment_id;
