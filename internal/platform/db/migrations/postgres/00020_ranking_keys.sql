-- +goose Up
-- A run ranks on (value, tie1, tie2) lexicographically and stores the two
-- tie-breakers, so that its export carries every key the ranking used (see
-- docs/scorecard.md, "Ranking keys"). Runs written before have no
-- tie-breakers (0: they ranked on the value alone). Each run also keeps how
-- many households it flagged as the poorest 5 %, computed here for the old
-- ones. Keep in step with ../sqlite/00020_ranking_keys.sql.
ALTER TABLE score_results ADD COLUMN tie1 DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE score_results ADD COLUMN tie2 DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE score_runs ADD COLUMN poorest5_count BIGINT NOT NULL DEFAULT 0;
UPDATE score_runs SET poorest5_count = (SELECT COUNT(*) FROM score_results s WHERE s.run = score_runs.id AND s.poorest5 = 1);

-- +goose Down
ALTER TABLE score_runs DROP COLUMN poorest5_count;
ALTER TABLE score_results DROP COLUMN tie2;
ALTER TABLE score_results DROP COLUMN tie1;
