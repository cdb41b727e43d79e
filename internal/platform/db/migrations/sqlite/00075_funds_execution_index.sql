-- +goose Up
-- The budget-execution report (docs/funds.md, "Budget execution") sums a
-- year's movements by budget line, kind and month: for each month, one
-- range of this covering index per (line, kind), read in the index's order
-- (so the grouping needs no sort) and without touching the table.
CREATE INDEX funds_movements_line_kind_at ON funds_movements (budget_id, kind, at, amount);

-- +goose Down
DROP INDEX funds_movements_line_kind_at;
