-- +goose Up
-- A prepared payment run can be cancelled (docs/funds.md, "Payments and
-- payment runs"): its payments go back to ready and the run is closed with
-- who cancelled it, so that a run refused at approval (an envelope short of
-- committed money) does not hold its payments for ever. Keep in step with
-- ../postgres/00072_funds_payrun_cancel.sql.
ALTER TABLE funds_payruns ADD COLUMN cancelled_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE funds_payruns DROP COLUMN cancelled_by;
