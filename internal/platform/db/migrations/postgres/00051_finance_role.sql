-- +goose Up
-- The finance officer's role (auth.RoleFinance, docs/funds.md): the users
-- table's role CHECK admits 'finance'. Keep in step with
-- ../sqlite/00051_finance_role.sql.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'analyst', 'regional', 'agency', 'counsellor', 'cooperation', 'counterpart', 'financer', 'auditor', 'finance'));

-- +goose Down
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'analyst', 'regional', 'agency', 'counsellor', 'cooperation', 'counterpart', 'financer', 'auditor'));
