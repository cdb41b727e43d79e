-- +goose Up
-- The budget-execution report (docs/funds.md, "Budget execution") sums a
-- year's movements by budget line, kind and month: one range scan of this
-- covering index over the year's instants, without touching the table.
CREATE INDEX funds_movements_at ON funds_movements (at, kind, budget_id, amount);

-- +goose Down
DROP INDEX funds_movements_at;
