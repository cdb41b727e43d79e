-- +goose Up
-- A party's own published IATI activity for the project (issue 17): the
-- IATI file names it as provider-activity-id on the incoming funds from that
-- party, so that the same money is not counted twice across publishers.
-- Recorded with the party's commitment in the agreement.
-- Keep in step with ../sqlite/00041_coop_party_activity.sql (TestSchemaParity).
ALTER TABLE coop_signatories ADD COLUMN iati_activity TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE coop_signatories DROP COLUMN iati_activity;
