-- +goose Up
-- The public lottery that breaks the selection's last ties
-- (docs/selection.md, "Ranking and tie-breaks"): a seed drawn and published
-- when a call closes, kept with the call and in the frozen record. Empty
-- for calls closed before it existed (their selection draws it).
ALTER TABLE calls ADD COLUMN lottery_seed TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE calls DROP COLUMN lottery_seed;
