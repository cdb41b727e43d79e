-- +goose Up
-- Background jobs shared by every instance of fosis on one database (issue
-- 18): a job is leased by the instance that runs it, which renews the lease
-- while it works; a job whose lease ran out (the instance crashed) is marked
-- interrupted by whoever looks next. The partial unique index makes an
-- exclusive job (an import) run once across all instances.
-- Keep in step with the other engine's 00082_jobs.sql (TestSchemaParity).
CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    exclusive   INTEGER NOT NULL CHECK ((exclusive = 0 OR exclusive = 1)),
    owner       TEXT NOT NULL,
    owner_id    INTEGER NOT NULL,
    instance    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK ((state = 'running' OR state = 'done' OR state = 'failed' OR state = 'interrupted')),
    stage       TEXT NOT NULL DEFAULT '',
    done        INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    result      TEXT NOT NULL DEFAULT '',
    error_code  TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    lease_until TEXT NOT NULL
);
CREATE UNIQUE INDEX jobs_exclusive_running ON jobs (kind) WHERE state = 'running' AND exclusive = 1;
CREATE INDEX jobs_started ON jobs (started_at);

-- +goose Down
DROP TABLE jobs;
