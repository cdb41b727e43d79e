-- +goose Up
-- The alerts over every open case (internal/delivery/alerts.go) read the
-- scheduled sessions whose day passed, and the agenda the scheduled
-- sessions of the coming days: a partial index holds just the scheduled
-- ones (one or two per case) instead of scanning every session (5 million
-- at the issue's size; bench/RESULTS-delivery.md).
-- Keep in step with ../postgres/00062_delivery_alert_indexes.sql (TestSchemaParity).
CREATE INDEX delivery_sessions_scheduled_idx ON delivery_sessions (on_date) WHERE status = 'scheduled';

-- +goose Down
DROP INDEX delivery_sessions_scheduled_idx;
