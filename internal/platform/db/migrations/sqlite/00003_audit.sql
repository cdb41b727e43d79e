-- +goose Up
-- The audit trail: who did what, when, with the record before and after,
-- hash-chained so that an altered or deleted entry is detected (audit.Verify).
-- Keep in step with ../postgres/00003_audit.sql (TestSchemaParity).
--
-- seq is assigned by audit.Append (last seq + 1 inside the writing
-- transaction), not by the engine: a rolled-back transaction must leave no gap,
-- because a gap is how a deleted entry shows. at is written as fixed-width
-- UTC text (microseconds) so that text comparison orders it by time.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    actor_role TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL DEFAULT '',
    entity_id  TEXT NOT NULL DEFAULT '',
    before     TEXT NOT NULL DEFAULT '',
    after      TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT '',
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor);

-- Append-only for the application: no statement it runs can change or remove
-- an entry. Someone with the right to drop these triggers can; the hash chain
-- is what catches that.
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
