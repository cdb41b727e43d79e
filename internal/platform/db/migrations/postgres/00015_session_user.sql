-- +goose Up
-- The signed-in account of each session, kept beside its encoded data
-- (internal/web writes both in one statement), so that a page view reads
-- the session and its account in one query. NULL when nobody is signed in.
-- Keep in step with ../sqlite/00015_session_user.sql (TestSchemaParity).
ALTER TABLE sessions ADD COLUMN user_id BIGINT;

-- +goose Down
ALTER TABLE sessions DROP COLUMN user_id;
