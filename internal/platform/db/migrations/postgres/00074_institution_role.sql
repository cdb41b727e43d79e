-- +goose Up
-- The microcredit institution's role (auth.RoleInstitution, docs/funds.md):
-- the users table's role CHECK admits 'institution'. Keep in step with
-- ../sqlite/00074_institution_role.sql.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'analyst', 'regional', 'agency', 'counsellor', 'cooperation', 'counterpart', 'financer', 'auditor', 'finance', 'institution'));

-- +goose Down
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'analyst', 'regional', 'agency', 'counsellor', 'cooperation', 'counterpart', 'financer', 'auditor', 'finance'));
